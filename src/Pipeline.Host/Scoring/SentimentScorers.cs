using Pipeline.Host.Settings;
using Pipeline.Models.Sentiment;

namespace Pipeline.Host.Scoring;

/// <summary>Turns <c>pipeline.sentiment</c> into a scorer: the seam composition takes, so tests can pass their own.</summary>
public static class SentimentScorers
{
    /// <summary>The scorers this build ships, for the service: a folder that is not a model names <c>pipeline.sentiment.model-dir</c>.</summary>
    public static Func<SentimentSettings, ISentimentScorer> Default { get; } = settings =>
    {
        try
        {
            return Create(settings);
        }
        catch (SentimentModelException e)
        {
            throw new SettingsException([$"pipeline.sentiment.model-dir = \"{settings.ModelDirectory}\": {e.Message}"]);
        }
    };

    /// <summary>The built-in model or the ONNX RoBERTa scorer, with the <c>pipeline.sentiment.onnx</c> session options.</summary>
    /// <exception cref="SentimentModelException">The folder is not a model of that kind.</exception>
    public static ISentimentScorer Create(SentimentSettings settings) => settings.Scorer switch
    {
        SentimentScorerKind.BuiltIn => BuiltInSentimentScorer.Load(settings.ModelDirectory),
        SentimentScorerKind.Onnx => OnnxRobertaScorer.Open(settings.ModelDirectory, OnnxOptions(settings)),
        _ => throw new ArgumentOutOfRangeException(nameof(settings), settings.Scorer, "Unknown sentiment scorer."),
    };

    public static OnnxScorerOptions OnnxOptions(SentimentSettings settings) => new()
    {
        IntraOpThreads = settings.Onnx.IntraOpThreads,
        GraphOptimization = settings.Onnx.GraphOptimization,
        MaxTokens = settings.Onnx.MaxTokens,
        BatchSize = settings.Stage.BatchSize,
    };

    /// <summary>Reads <c>builtin</c> or <c>onnx</c>; null for anything else.</summary>
    public static SentimentScorerKind? Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "builtin" => SentimentScorerKind.BuiltIn,
        "onnx" => SentimentScorerKind.Onnx,
        _ => null,
    };

    public static string Name(SentimentScorerKind kind) => kind switch
    {
        SentimentScorerKind.BuiltIn => "builtin",
        SentimentScorerKind.Onnx => "onnx",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
