using Pipeline.Host.Settings;
using Pipeline.Models.Sentiment;

namespace Pipeline.Host.Scoring;

/// <summary>Turns <c>pipeline.sentiment</c> into a scorer: the seam composition takes, so tests can pass their own.</summary>
public static class SentimentScorers
{
    /// <summary>The scorers this build ships: the built-in model and the ONNX RoBERTa scorer.</summary>
    public static Func<SentimentSettings, ISentimentScorer> Default { get; } = settings =>
    {
        try
        {
            return settings.Scorer switch
            {
                SentimentScorerKind.BuiltIn => BuiltInSentimentScorer.Load(settings.ModelDirectory),
                SentimentScorerKind.Onnx => OnnxRobertaScorer.Open(settings.ModelDirectory, new OnnxScorerOptions
                {
                    IntraOpThreads = settings.Onnx.IntraOpThreads,
                    GraphOptimization = settings.Onnx.GraphOptimization,
                    MaxTokens = settings.Onnx.MaxTokens,
                    BatchSize = settings.Stage.BatchSize,
                }),
                _ => throw new ArgumentOutOfRangeException(nameof(settings), settings.Scorer, "Unknown sentiment scorer."),
            };
        }
        catch (SentimentModelException e)
        {
            throw new SettingsException([$"pipeline.sentiment.model-dir = \"{settings.ModelDirectory}\": {e.Message}"]);
        }
    };

    public static string Name(SentimentScorerKind kind) => kind switch
    {
        SentimentScorerKind.BuiltIn => "builtin",
        SentimentScorerKind.Onnx => "onnx",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
