using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pipeline.Actors.Storage;

namespace Pipeline.Host.Retention;

/// <summary>
/// What this node's purges did: the last run for the <c>retention</c> readiness check, and running totals exported on
/// <c>/metrics</c> (docs/metrics.md). Per node, like the alert checks: rows another node purged are counted there.
/// </summary>
public sealed class RetentionStatus
{
    public const string CheckName = "retention";

    private readonly ConcurrentDictionary<RetentionOutcome, long> _runs = new();
    private long _keptPosts;
    private long _droppedPosts;
    private long _quarantine;
    private volatile Snapshot _snapshot = new(null, null, null);

    /// <param name="meter">The host's meter (<see cref="Pipeline.Actors.Graph.PipelineMetrics.Meter"/>); null: not exported.</param>
    public RetentionStatus(RetentionSettings settings, Meter? meter = null)
    {
        Settings = settings;
        if (meter is null)
        {
            return;
        }

        meter.CreateObservableCounter("pipeline_retention_removed_total", () => new[]
            {
                Labelled(Interlocked.Read(ref _keptPosts), "kept_posts"),
                Labelled(Interlocked.Read(ref _droppedPosts), "dropped_posts"),
                Labelled(Interlocked.Read(ref _quarantine), "quarantine"),
            },
            description: "Rows this node's retention purges removed, by kind (kept_posts, dropped_posts, quarantine).");
        meter.CreateObservableCounter("pipeline_retention_runs_total",
            () => Enum.GetValues<RetentionOutcome>().Select(o => new Measurement<long>(_runs.GetValueOrDefault(o),
                new KeyValuePair<string, object?>("outcome", RetentionRun.Name(o)))).ToList(),
            description: "Retention runs on this node, by outcome (skipped_locked: another node held the retention lock).");
        meter.CreateObservableGauge("pipeline_retention_last_run_duration_seconds", () => (_snapshot.LastRan?.Elapsed ?? TimeSpan.Zero).TotalSeconds,
            description: "Duration of the last purge this node ran.");
    }

    public RetentionSettings Settings { get; }

    /// <summary>The last run on this node, whatever its outcome.</summary>
    public RetentionRun? Last => _snapshot.Last;

    public void Recorded(RetentionRun run, DateTimeOffset nextRun)
    {
        _runs.AddOrUpdate(run.Outcome, 1, (_, n) => n + 1);
        Interlocked.Add(ref _keptPosts, run.Removed.KeptPosts);
        Interlocked.Add(ref _droppedPosts, run.Removed.DroppedPosts);
        Interlocked.Add(ref _quarantine, run.Removed.QuarantineEntries);
        var snapshot = _snapshot;
        _snapshot = new Snapshot(run, run.Outcome == RetentionOutcome.SkippedLocked ? snapshot.LastRan : run, nextRun);
    }

    /// <summary>
    /// Healthy while purges run or another node does them; Degraded when this node's last purge failed (rows past their
    /// period may be kept longer than promised), never Unhealthy: collecting and storing go on.
    /// </summary>
    public HealthCheckResult Evaluate()
    {
        var snapshot = _snapshot;
        var policy = Settings.Policy;
        var data = new Dictionary<string, object>
        {
            ["keptPosts"] = Period(policy.KeptPosts),
            ["droppedPosts"] = Period(policy.DroppedPosts),
            ["quarantine"] = Period(policy.Quarantine),
        };
        if (snapshot.NextRun is { } next)
        {
            data["nextRun"] = next.ToString("O", CultureInfo.InvariantCulture);
        }

        if (snapshot.LastRan is { } ran)
        {
            data["lastRunAt"] = ran.StartedAt.ToString("O", CultureInfo.InvariantCulture);
            data["outcome"] = RetentionRun.Name(ran.Outcome);
            data["removedKeptPosts"] = ran.Removed.KeptPosts;
            data["removedDroppedPosts"] = ran.Removed.DroppedPosts;
            data["removedQuarantineEntries"] = ran.Removed.QuarantineEntries;
        }

        return snapshot.Last switch
        {
            null => HealthCheckResult.Healthy("no purge yet", data),
            { Outcome: RetentionOutcome.Failed } failed => HealthCheckResult.Degraded(failed.Sentence(), data: data),
            var last => HealthCheckResult.Healthy(last.Sentence(), data),
        };
    }

    private static string Period(TimeSpan? period) =>
        period is { } p ? p.ToString("c", CultureInfo.InvariantCulture) : "forever";

    private static Measurement<long> Labelled(long value, string kind) => new(value, new KeyValuePair<string, object?>("kind", kind));

    /// <param name="LastRan">The last run this node did the work of (ran or failed), which a skip does not replace.</param>
    private sealed record Snapshot(RetentionRun? Last, RetentionRun? LastRan, DateTimeOffset? NextRun);
}
