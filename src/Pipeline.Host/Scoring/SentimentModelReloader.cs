using Microsoft.Extensions.Logging;
using Pipeline.Actors.Graph;
using Pipeline.Host.Settings;
using Pipeline.Models.Sentiment;

namespace Pipeline.Host.Scoring;

/// <summary>
/// Replaces the sentiment model while the graph runs: the configured scorer kind
/// (<c>pipeline.sentiment.scorer</c>) and session options, loaded from another folder, then swapped
/// in. The old scorers are disposed by the slot when the last batch scoring with them has finished.
/// </summary>
public sealed class SentimentModelReloader(
    ModelSlot<SentimentScorerPool> slot, SentimentSettings settings, Func<SentimentSettings, ISentimentScorer> create, ILogger<SentimentModelReloader> logger)
    : IModelReloader
{
    private readonly ModelReloader<SentimentScorerPool> _core = new(slot, "Sentiment", logger);

    public ModelSlot<SentimentScorerPool> Slot => slot;

    /// <param name="path">A model folder; null: the configured <c>pipeline.sentiment.model-dir</c>.</param>
    public Task<ModelReloadOutcome> ReloadAsync(string? path, CancellationToken ct = default) =>
        _core.ReloadAsync(
            ModelReloader<SentimentScorerPool>.Directory(path, settings.ModelDirectory),
            directory => ScoringModels.LoadSentiment(settings with { ModelDirectory = directory }, create),
            beforeSwap: null,
            ct);
}
