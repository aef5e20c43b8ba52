using Pipeline.Host.Settings;
using Pipeline.Models.Sentiment;

namespace Pipeline.Host.Scoring;

/// <summary>Turns <c>pipeline.sentiment</c> into a scorer: the seam composition takes, so tests can pass their own.</summary>
public static class SentimentScorers
{
    /// <summary>
    /// The scorers this build ships. Neither the built-in model nor the ONNX RoBERTa scorer is part
    /// of this build yet, so both say so, naming the setting.
    /// </summary>
    public static Func<SentimentSettings, ISentimentScorer> Default { get; } = settings => throw new SettingsException(
    [
        $"pipeline.sentiment.scorer = {Name(settings.Scorer)}: scorer {Name(settings.Scorer)} is not available in this build; set pipeline.sentiment.enabled = off",
    ]);

    public static string Name(SentimentScorerKind kind) => kind switch
    {
        SentimentScorerKind.BuiltIn => "builtin",
        SentimentScorerKind.Onnx => "onnx",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
