using Microsoft.Extensions.Logging;
using Npgsql;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Storage;
using Pipeline.Host.Settings;
using Pipeline.Models.Topics;

namespace Pipeline.Host.Scoring;

/// <summary>What a reload request came to.</summary>
public abstract record TopicReloadOutcome
{
    private TopicReloadOutcome()
    {
    }

    /// <summary>The new model scores from the next batch on.</summary>
    public sealed record Switched(string PreviousVersion, string Version, string Path, DateTimeOffset LoadedAt) : TopicReloadOutcome;

    /// <summary>The folder is not a usable model; the old one keeps scoring.</summary>
    public sealed record Rejected(string Reason, string CurrentVersion) : TopicReloadOutcome;

    /// <summary>The model loaded but its catalog could not be stored (database away); the old one keeps scoring.</summary>
    public sealed record NotPublished(string Reason, string CurrentVersion) : TopicReloadOutcome;
}

/// <summary>
/// Replaces the topic model while the graph runs: load the folder, publish its catalog (so the
/// reporting views know its labels before its first post lands), then swap. One reload at a time.
/// </summary>
public sealed class TopicModelReloader(ModelSlot<TopicModel> slot, TopicSettings settings, NpgsqlDataSource dataSource, ILogger<TopicModelReloader> logger)
{
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private volatile string? _publishError = "not published yet";

    public ModelSlot<TopicModel> Slot => slot;

    /// <summary>Null once the current model's catalog is in <c>pipeline.topics</c>; else why not.</summary>
    public string? PublishError => _publishError;

    /// <param name="path">A model folder; null: the configured <c>pipeline.topics.model-dir</c>.</param>
    public async Task<TopicReloadOutcome> ReloadAsync(string? path, CancellationToken ct = default)
    {
        var directory = string.IsNullOrWhiteSpace(path) ? settings.ModelDirectory : SettingsLoader.ResolveShippedDirectory(path.Trim());
        await _oneAtATime.WaitAsync(ct);
        try
        {
            var current = slot.Current;
            LoadedModel<TopicModel> next;
            try
            {
                // Reading model.zip is CPU and disk work: not on a request thread.
                next = await Task.Run(() => ScoringModels.LoadTopics(directory, settings.Threshold), ct);
            }
            catch (SettingsException e)
            {
                var reason = string.Join(" ", e.Problems);
                logger.LogWarning("Topic model in {Directory} not loaded, {Version} keeps scoring: {Reason}", directory, current.Version, reason);
                return new TopicReloadOutcome.Rejected(reason, current.Version);
            }

            try
            {
                await TopicCatalogStore.PublishAsync(dataSource, next.Model.Catalog, ct);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                var reason = $"the catalog of {next.Version} could not be stored: {e.Message}";
                logger.LogWarning("Topic model {Version} not switched to, {Current} keeps scoring: {Reason}", next.Version, current.Version, reason);
                return new TopicReloadOutcome.NotPublished(reason, current.Version);
            }

            var previous = slot.Swap(next);
            _publishError = null;
            logger.LogInformation("Topic model switched from {Previous} to {Version} ({Path})", previous.Version, next.Version, next.Origin);
            return new TopicReloadOutcome.Switched(previous.Version, next.Version, next.Origin, next.LoadedAt);
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    /// <summary>Stores the current model's catalog; returns false (and remembers why) when the database is not there yet.</summary>
    public async Task<bool> TryPublishCurrentAsync(CancellationToken ct = default)
    {
        await _oneAtATime.WaitAsync(ct);
        try
        {
            await TopicCatalogStore.PublishAsync(dataSource, slot.Current.Model.Catalog, ct);
            _publishError = null;
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            _publishError = e.Message;
            return false;
        }
        finally
        {
            _oneAtATime.Release();
        }
    }
}

/// <summary>
/// Publishes the start-up model's catalog, retrying while the database is not ready: until then
/// the reporting views show the labels stored with each row.
/// </summary>
public sealed class TopicCatalogPublisher(TopicModelReloader reloader, ILogger<TopicCatalogPublisher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var wait = TimeSpan.FromMilliseconds(500);
        while (!stoppingToken.IsCancellationRequested)
        {
            if (await reloader.TryPublishCurrentAsync(stoppingToken))
            {
                logger.LogInformation("Topic model {Version} in use, catalog published", reloader.Slot.Current.Version);
                return;
            }

            logger.LogWarning("Topic catalog not published yet, retrying in {Wait}: {Error}", wait, reloader.PublishError);
            await Task.Delay(wait, stoppingToken);
            wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
        }
    }
}
