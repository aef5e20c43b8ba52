using System.Globalization;
using Npgsql;
using Pipeline.Actors.Storage;

namespace Pipeline.Host.Retention;

public enum RetentionOutcome
{
    /// <summary>This node held the lock and purged (possibly nothing: no row was past its period).</summary>
    Ran,

    /// <summary>Another node held the retention lock; nothing was done here.</summary>
    SkippedLocked,

    /// <summary>The run stopped on an error; the batches committed before it stay removed.</summary>
    Failed,
}

/// <summary>
/// One retention run, as the log, the readiness check, <c>pipeline purge</c> and the audit trail (<c>pipeline.audit</c>,
/// issue 16) report it. Times are the database's clock at the start and this node's at the end.
/// </summary>
/// <param name="Trigger"><c>schedule</c> (the node's timer) or <c>requested</c> (<c>pipeline purge</c>).</param>
/// <param name="Cutoffs">What was past its period: null when the run was skipped before reading the clock.</param>
public sealed record RetentionRun(
    string Node,
    string Trigger,
    RetentionOutcome Outcome,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    RetentionCutoffs? Cutoffs,
    RetentionRemoved Removed,
    string? Error)
{
    public const string ScheduleTrigger = "schedule";
    public const string RequestedTrigger = "requested";

    public TimeSpan Elapsed => FinishedAt - StartedAt;

    public static string Name(RetentionOutcome outcome) => outcome switch
    {
        RetentionOutcome.Ran => "ran",
        RetentionOutcome.SkippedLocked => "skipped_locked",
        _ => "failed",
    };

    /// <summary>The run's row in <c>pipeline.audit</c> (action <c>retention</c>): its cut-offs, what it removed and its sentence.</summary>
    public Task AuditAsync(NpgsqlDataSource dataSource, string caller, CancellationToken ct) =>
        AuditTrail.RecordAsync(dataSource, "retention", new { trigger = Trigger, node = Node, cutoffs = Cutoffs, removed = Removed }, $"{Name(Outcome)}: {Sentence()}", caller, ct);

    /// <summary>One line for logs and health output.</summary>
    public string Sentence() => Outcome switch
    {
        RetentionOutcome.SkippedLocked => "another node holds the retention lock",
        RetentionOutcome.Failed => $"purge failed after removing {Counts()}: {Error}",
        _ => $"removed {Counts()} in {Many(Removed.Batches, "batch", "batches")} ({Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s)",
    };

    private string Counts() =>
        $"{Many(Removed.KeptPosts, "kept post", "kept posts")}, {Many(Removed.DroppedPosts, "dropped post", "dropped posts")}, " +
        Many(Removed.QuarantineEntries, "quarantine entry", "quarantine entries");

    private static string Many(long count, string one, string more) =>
        string.Create(CultureInfo.InvariantCulture, $"{count:N0} {(count == 1 ? one : more)}");
}
