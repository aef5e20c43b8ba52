using Microsoft.ML.OnnxRuntime;
using Pipeline.Host.Settings;
using Pipeline.Models.Sentiment;

namespace Pipeline.Host.Scoring;

/// <summary>Turns <c>pipeline.sentiment</c> into a scorer: the seam composition takes, so tests can pass their own.</summary>
public static class SentimentScorers
{
    /// <summary>The scorers this build ships: the built-in model and the ONNX RoBERTa scorer.</summary>
    public static Func<SentimentSettings, ISentimentScorer> Default { get; } = settings => settings.Scorer switch
    {
        SentimentScorerKind.BuiltIn => OpenBuiltIn(settings.ModelDirectory),
        SentimentScorerKind.Onnx => OpenOnnx(settings),
        _ => throw new ArgumentOutOfRangeException(nameof(settings), settings.Scorer, "Unknown sentiment scorer."),
    };

    public static string Name(SentimentScorerKind kind) => kind switch
    {
        SentimentScorerKind.BuiltIn => "builtin",
        SentimentScorerKind.Onnx => "onnx",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private static ISentimentScorer OpenOnnx(SentimentSettings settings)
    {
        try
        {
            return OnnxRobertaScorer.Open(settings.ModelDirectory, new OnnxScorerOptions
            {
                IntraOpThreads = settings.Onnx.IntraOpThreads,
                GraphOptimization = settings.Onnx.GraphOptimization switch
                {
                    OnnxGraphOptimization.None => GraphOptimizationLevel.ORT_DISABLE_ALL,
                    OnnxGraphOptimization.Basic => GraphOptimizationLevel.ORT_ENABLE_BASIC,
                    OnnxGraphOptimization.Extended => GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
                    _ => GraphOptimizationLevel.ORT_ENABLE_ALL,
                },
                MaxTokens = settings.Onnx.MaxTokens,
                BatchSize = settings.Stage.BatchSize,
            });
        }
        catch (OnnxModelFolderException e)
        {
            throw new SettingsException([$"pipeline.sentiment.model-dir = \"{settings.ModelDirectory}\": {e.Message}"]);
        }
    }

    private static ISentimentScorer OpenBuiltIn(string directory)
    {
        try
        {
            return BuiltInSentimentScorer.Load(directory);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            throw new SettingsException([$"pipeline.sentiment.model-dir = \"{directory}\": not a built-in sentiment model folder ({e.Message})"]);
        }
    }
}
