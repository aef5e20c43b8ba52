using Microsoft.Extensions.Logging;
using Pipeline.Actors.Graph;
using Pipeline.Host.Settings;

namespace Pipeline.Host.Scoring;

/// <summary>What a reload request came to.</summary>
public abstract record ModelReloadOutcome
{
    private ModelReloadOutcome()
    {
    }

    /// <summary>The new model scores from the next batch on.</summary>
    public sealed record Switched(string PreviousVersion, string Version, string Path, DateTimeOffset LoadedAt) : ModelReloadOutcome;

    /// <summary>The folder is not a usable model; the old one keeps scoring.</summary>
    public sealed record Rejected(string Reason, string CurrentVersion) : ModelReloadOutcome;

    /// <summary>The model loaded but a step before the switch failed (e.g. the database is away); the old one keeps scoring.</summary>
    public sealed record NotPublished(string Reason, string CurrentVersion) : ModelReloadOutcome;
}

/// <summary>A model that can be switched while the service runs (what the admin endpoints call).</summary>
public interface IModelReloader
{
    /// <param name="path">A model folder; null or blank: the configured one.</param>
    Task<ModelReloadOutcome> ReloadAsync(string? path, CancellationToken ct = default);
}

/// <summary>
/// The part the topic and sentiment reloaders share: one reload at a time, load off the request
/// thread, refuse a folder that is not a model (the old one keeps scoring), an optional step before
/// the switch, the switch itself and its log line. The slot retires the old model: disposed once
/// no batch holds it any more.
/// </summary>
/// <param name="kind">Names the model in logs: "Topic", "Sentiment".</param>
public sealed class ModelReloader<T>(ModelSlot<T> slot, string kind, ILogger logger)
    where T : class
{
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    public ModelSlot<T> Slot => slot;

    /// <summary>The configured folder when <paramref name="path"/> is blank, else the path as a user gives it.</summary>
    public static string Directory(string? path, string configured) =>
        string.IsNullOrWhiteSpace(path) ? configured : SettingsLoader.ResolveShippedDirectory(path.Trim());

    /// <param name="load">Loads the folder; a <see cref="SettingsException"/> means it is not a usable model.</param>
    /// <param name="beforeSwap">Runs with the loaded model before it is put in use; a reason stops the switch.</param>
    public async Task<ModelReloadOutcome> ReloadAsync(
        string directory, Func<string, LoadedModel<T>> load, Func<LoadedModel<T>, CancellationToken, Task<string?>>? beforeSwap, CancellationToken ct)
    {
        await _oneAtATime.WaitAsync(ct);
        try
        {
            var current = slot.Current;
            LoadedModel<T> next;
            try
            {
                // Reading a model is CPU and disk work: not on a request thread.
                next = await Task.Run(() => load(directory), ct);
            }
            catch (SettingsException e)
            {
                var reason = string.Join(" ", e.Problems);
                logger.LogWarning("{Kind} model in {Directory} not loaded, {Version} keeps scoring: {Reason}", kind, directory, current.Version, reason);
                return new ModelReloadOutcome.Rejected(reason, current.Version);
            }

            string? problem;
            try
            {
                problem = beforeSwap is null ? null : await beforeSwap(next, ct);
            }
            catch
            {
                // The model never reached the slot, so nothing else will dispose it (e.g. the caller went away).
                (next.Model as IDisposable)?.Dispose();
                throw;
            }

            if (problem is not null)
            {
                (next.Model as IDisposable)?.Dispose();
                logger.LogWarning("{Kind} model {Version} not switched to, {Current} keeps scoring: {Reason}", kind, next.Version, current.Version, problem);
                return new ModelReloadOutcome.NotPublished(problem, current.Version);
            }

            var previous = slot.Swap(next);
            logger.LogInformation("{Kind} model switched from {Previous} to {Version} ({Path})", kind, previous.Version, next.Version, next.Origin);
            return new ModelReloadOutcome.Switched(previous.Version, next.Version, next.Origin, next.LoadedAt);
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    /// <summary>Runs <paramref name="action"/> while no reload is under way.</summary>
    public async Task<TResult> ExclusiveAsync<TResult>(Func<Task<TResult>> action, CancellationToken ct)
    {
        await _oneAtATime.WaitAsync(ct);
        try
        {
            return await action();
        }
        finally
        {
            _oneAtATime.Release();
        }
    }
}
