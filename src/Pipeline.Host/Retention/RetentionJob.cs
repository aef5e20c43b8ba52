using Microsoft.Extensions.Logging;
using Npgsql;
using Pipeline.Actors.Storage;

namespace Pipeline.Host.Retention;

/// <summary>
/// One retention run, start to end: takes the cluster-wide retention lock (a second node skips), reads the database's
/// clock, purges what is past its period (<see cref="RetentionStore.PurgeAsync"/>), then logs, counts and reports the run.
/// What <see cref="RetentionActor"/> runs off its thread, and what <c>pipeline purge</c> runs once.
/// </summary>
/// <param name="audit">
/// Called once per run that held the lock (ran or failed), after it: where the run is written to the audit trail.
/// Null: no audit trail.
/// </param>
public sealed class RetentionJob(
    RetentionSettings settings,
    NpgsqlDataSource dataSource,
    RetentionStatus status,
    ILogger logger,
    Func<RetentionRun, CancellationToken, Task>? audit = null)
{
    private readonly RetentionStore _store = new(dataSource);

    /// <summary>Purges now if no other node is; the run as reported (never throws but for cancellation).</summary>
    public async Task<RetentionRun> RunAsync(string node, string trigger, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        RetentionRun run;
        await using (var held = await _store.TryLockAsync(ct))
        {
            if (held is null)
            {
                run = new RetentionRun(node, trigger, RetentionOutcome.SkippedLocked, started, DateTimeOffset.UtcNow, null, RetentionRemoved.None, null);
                status.Recorded(run, DateTimeOffset.UtcNow + settings.Interval);
                logger.LogDebug("Retention: {Sentence}", run.Sentence());
                return run;
            }

            var cutoffs = settings.Policy.CutoffsAt(held.Now);
            var removed = RetentionRemoved.None;
            try
            {
                removed = await RetentionStore.PurgeAsync(held, cutoffs, settings.Policy.BatchSize, ct, progress => removed = progress);
                run = new RetentionRun(node, trigger, RetentionOutcome.Ran, held.Now, held.Now + (DateTimeOffset.UtcNow - started), cutoffs, removed, null);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException && !ct.IsCancellationRequested)
            {
                run = new RetentionRun(node, trigger, RetentionOutcome.Failed, held.Now, held.Now + (DateTimeOffset.UtcNow - started), cutoffs, removed,
                    $"{e.GetBaseException().GetType().Name}: {e.GetBaseException().Message}");
            }
        }

        status.Recorded(run, DateTimeOffset.UtcNow + settings.Interval);
        if (run.Outcome == RetentionOutcome.Failed)
        {
            logger.LogWarning("Retention ({Trigger}): {Sentence}; the next run tries again", trigger, run.Sentence());
        }
        else if (run.Removed.Total > 0)
        {
            logger.LogInformation("Retention ({Trigger}): {Sentence}", trigger, run.Sentence());
        }

        if (audit is not null)
        {
            await audit(run, ct);
        }

        return run;
    }
}
