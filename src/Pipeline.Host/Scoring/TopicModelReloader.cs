using Microsoft.Extensions.Logging;
using Npgsql;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Storage;
using Pipeline.Host.Settings;
using Pipeline.Models.Topics;

namespace Pipeline.Host.Scoring;

/// <summary>
/// Replaces the topic model while the graph runs: load the folder, publish its catalog (so the
/// reporting views know its labels before its first post lands), then swap. One reload at a time.
/// </summary>
public sealed class TopicModelReloader(ModelSlot<TopicModel> slot, TopicSettings settings, NpgsqlDataSource dataSource, ILogger<TopicModelReloader> logger)
    : IModelReloader
{
    private readonly ModelReloader<TopicModel> _core = new(slot, "Topic", logger);
    private volatile string? _publishError = "not published yet";

    public ModelSlot<TopicModel> Slot => slot;

    /// <summary>Null once the current model's catalog is in <c>pipeline.topics</c>; else why not.</summary>
    public string? PublishError => _publishError;

    /// <param name="path">
    /// A model folder; null: the configured <c>pipeline.topics.model-dir</c>. A folder that is not on this node's disk
    /// is written from <see cref="TopicModelArchive"/> first when the database holds a model of its name (a model
    /// another node retrained).
    /// </param>
    public async Task<ModelReloadOutcome> ReloadAsync(string? path, CancellationToken ct = default)
    {
        var directory = ModelReloader<TopicModel>.Directory(path, settings.ModelDirectory);
        if (!Directory.Exists(directory))
        {
            try
            {
                if (await TopicModelArchive.TryRestoreAsync(dataSource, directory, ct))
                {
                    logger.LogInformation("Topic model folder {Directory} written from the database", directory);
                }
            }
            catch (Exception e) when (e is NpgsqlException or IOException or UnauthorizedAccessException or TimeoutException)
            {
                // Loading then says the folder is missing, and the model in use keeps scoring.
                logger.LogWarning("Topic model folder {Directory} could not be written from the database: {Error}", directory, e.Message);
            }
        }

        var outcome = await _core.ReloadAsync(
            directory,
            directory => ScoringModels.LoadTopics(directory, settings.Threshold),
            PublishAsync,
            ct);
        if (outcome is ModelReloadOutcome.Switched)
        {
            _publishError = null;
        }

        return outcome;
    }

    /// <summary>Stores the current model's catalog; returns false (and remembers why) when the database is not there yet.</summary>
    public Task<bool> TryPublishCurrentAsync(CancellationToken ct = default) =>
        _core.ExclusiveAsync(async () =>
        {
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
        }, ct);

    private async Task<string?> PublishAsync(LoadedModel<TopicModel> next, CancellationToken ct)
    {
        try
        {
            await TopicCatalogStore.PublishAsync(dataSource, next.Model.Catalog, ct);
            return null;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            return $"the catalog of {next.Version} could not be stored: {e.Message}";
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
