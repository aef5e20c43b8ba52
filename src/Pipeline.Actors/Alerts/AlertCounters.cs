using System.Collections.Concurrent;
using Pipeline.Models.Alerts;

namespace Pipeline.Actors.Alerts;

/// <summary>What a detector check did.</summary>
public enum CheckOutcome
{
    /// <summary>This node held the lock and ran the check.</summary>
    Ran,

    /// <summary>Another detector (another node, or an overlapping check) held the lock: nothing to do this time.</summary>
    SkippedLocked,

    /// <summary>The check threw (database away, a bug); the next one tries again.</summary>
    Failed,
}

/// <summary>
/// The alert detector's and the webhook sender's running totals for one process: <c>/metrics</c> and the
/// <c>alerts</c> readiness check read them; the two actors write them.
/// </summary>
public sealed class AlertCounters
{
    private readonly ConcurrentDictionary<CheckOutcome, long> _checks = new();
    private readonly ConcurrentDictionary<(AlertSignal Signal, AlertSeverity Severity), long> _raised = new();
    private readonly ConcurrentDictionary<string, EndpointTally> _endpoints = new(StringComparer.Ordinal);
    private long _escalated;
    private long _lastCheckTicks = -1;
    private long _pending;
    private int _failedInARow;
    private long _lastCheckAtTicks;

    public IReadOnlyDictionary<CheckOutcome, long> Checks => _checks.ToDictionary(kv => kv.Key, kv => kv.Value);

    public IReadOnlyDictionary<(AlertSignal Signal, AlertSeverity Severity), long> Raised => _raised.ToDictionary(kv => kv.Key, kv => kv.Value);

    public long Escalated => Interlocked.Read(ref _escalated);

    /// <summary>Duration of the last check this node ran (null before the first).</summary>
    public TimeSpan? LastCheckDuration => Interlocked.Read(ref _lastCheckTicks) is var t and >= 0 ? TimeSpan.FromTicks(t) : null;

    public DateTimeOffset? LastCheckAt => Interlocked.Read(ref _lastCheckAtTicks) is var t and > 0 ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    /// <summary>Checks that failed since the last one that did not.</summary>
    public int FailedInARow => Volatile.Read(ref _failedInARow);

    /// <summary>Deliveries queued and not yet delivered or abandoned, for the configured endpoints, as of the last poll.</summary>
    public long Pending => Interlocked.Read(ref _pending);

    public IReadOnlyDictionary<string, EndpointCounts> Endpoints =>
        _endpoints.ToDictionary(kv => kv.Key, kv => kv.Value.Snapshot(), StringComparer.Ordinal);

    public void CheckFinished(CheckOutcome outcome, TimeSpan duration, DateTimeOffset at)
    {
        _checks.AddOrUpdate(outcome, 1, (_, n) => n + 1);
        Interlocked.Exchange(ref _lastCheckAtTicks, at.UtcTicks);
        if (outcome == CheckOutcome.Failed)
        {
            Interlocked.Increment(ref _failedInARow);
            return;
        }

        Volatile.Write(ref _failedInARow, 0);
        if (outcome == CheckOutcome.Ran)
        {
            Interlocked.Exchange(ref _lastCheckTicks, duration.Ticks);
        }
    }

    public void AlertRaised(AlertSignal signal, AlertSeverity severity) => _raised.AddOrUpdate((signal, severity), 1, (_, n) => n + 1);

    public void AlertEscalated() => Interlocked.Increment(ref _escalated);

    public void PendingIs(long pending) => Interlocked.Exchange(ref _pending, pending);

    /// <summary>Makes an endpoint show in /metrics with zeros before its first delivery.</summary>
    public void Known(string endpoint) => _endpoints.GetOrAdd(endpoint, _ => new EndpointTally());

    public void Delivered(string endpoint, DateTimeOffset at)
    {
        var tally = _endpoints.GetOrAdd(endpoint, _ => new EndpointTally());
        Interlocked.Increment(ref tally.Delivered);
        Interlocked.Exchange(ref tally.LastDeliveredTicks, at.UtcTicks);
    }

    public void DeliveryFailed(string endpoint) => Interlocked.Increment(ref _endpoints.GetOrAdd(endpoint, _ => new EndpointTally()).Failed);

    public void Abandoned(string endpoint, DateTimeOffset at)
    {
        var tally = _endpoints.GetOrAdd(endpoint, _ => new EndpointTally());
        Interlocked.Increment(ref tally.Abandoned);
        Interlocked.Exchange(ref tally.LastAbandonedTicks, at.UtcTicks);
    }

    /// <summary>
    /// Endpoints whose latest finished delivery was abandoned, within <paramref name="within"/> of <paramref name="now"/>:
    /// alerts are being lost there. A later successful delivery to the endpoint clears it.
    /// </summary>
    public IReadOnlyList<string> AbandonedEndpoints(DateTimeOffset now, TimeSpan within) =>
        [.. Endpoints.Where(e => e.Value.LastAbandonedAt is { } abandoned && abandoned > now - within
                && (e.Value.LastDeliveredAt is not { } delivered || delivered < abandoned))
            .Select(e => e.Key).Order(StringComparer.Ordinal)];

    private sealed class EndpointTally
    {
        public long Delivered;
        public long Failed;
        public long Abandoned;
        public long LastDeliveredTicks;
        public long LastAbandonedTicks;

        public EndpointCounts Snapshot() => new(
            Interlocked.Read(ref Delivered), Interlocked.Read(ref Failed), Interlocked.Read(ref Abandoned),
            Interlocked.Read(ref LastDeliveredTicks) is var d and > 0 ? new DateTimeOffset(d, TimeSpan.Zero) : null,
            Interlocked.Read(ref LastAbandonedTicks) is var a and > 0 ? new DateTimeOffset(a, TimeSpan.Zero) : null);
    }
}

/// <summary>One webhook endpoint's totals in this process.</summary>
public sealed record EndpointCounts(long Delivered, long Failed, long Abandoned, DateTimeOffset? LastDeliveredAt, DateTimeOffset? LastAbandonedAt);
