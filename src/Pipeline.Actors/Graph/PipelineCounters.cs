using System.Collections.Concurrent;
using Pipeline.Models.Domain;

namespace Pipeline.Actors.Graph;

/// <summary>
/// Running totals for one process: what was read, kept, dropped (by reason), quarantined and
/// committed. Stages update it; the import summary, the logs and <c>/metrics</c> read it.
/// </summary>
/// <param name="metrics">Where the stages that update these totals also record their histograms; one nobody exports when not given (the import verb, tests).</param>
public sealed class PipelineCounters(PipelineMetrics? metrics = null)
{
    private readonly ConcurrentDictionary<DropReason, long> _dropped = new();
    private readonly ConcurrentDictionary<string, StageTally> _stages = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _quarantinedBySource = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _unscoredRows = new(StringComparer.Ordinal);
    private long _read;
    private long _kept;
    private long _quarantined;
    private long _committedItems;
    private long _newPosts;
    private long _batches;
    private long _sinkRetries;
    private long _lastCommitTicks;
    private long _repairedText;
    private long _truncatedText;

    /// <summary>The host's instruments, handed to the stages with these totals.</summary>
    public PipelineMetrics Metrics { get; } = metrics ?? PipelineMetrics.Unexported;

    public long Read => Interlocked.Read(ref _read);
    public long Kept => Interlocked.Read(ref _kept);
    public long Quarantined => Interlocked.Read(ref _quarantined);
    public long CommittedItems => Interlocked.Read(ref _committedItems);
    public long NewPosts => Interlocked.Read(ref _newPosts);
    public long Batches => Interlocked.Read(ref _batches);
    public long SinkRetries => Interlocked.Read(ref _sinkRetries);
    public long DroppedTotal => _dropped.Values.Sum();

    /// <summary>Posts in which an unpaired surrogate (a JSON <c>\ud800</c> escape, a cut pair) became U+FFFD.</summary>
    public long RepairedText => Interlocked.Read(ref _repairedText);

    /// <summary>Posts whose text was cut to <c>pipeline.limits.max-text-length</c>.</summary>
    public long TruncatedText => Interlocked.Read(ref _truncatedText);

    /// <summary>Quarantined items by what refused them: a reader (<c>import</c>, <c>nitter</c>, <c>x_api</c>), <c>clean</c>, a scoring stage, <c>sink</c>.</summary>
    public IReadOnlyDictionary<string, long> QuarantinedBySource =>
        _quarantinedBySource.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

    /// <summary>Raw rows committed with <c>raw_posts.failed_stage</c> set, by that stage: kept posts waiting to be scored again.</summary>
    public IReadOnlyDictionary<string, long> UnscoredRows =>
        _unscoredRows.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

    public DateTimeOffset? LastCommitAt =>
        Interlocked.Read(ref _lastCommitTicks) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    public IReadOnlyDictionary<DropReason, long> Dropped =>
        _dropped.ToDictionary(kv => kv.Key, kv => kv.Value);

    /// <summary>Per scoring stage (<c>topics</c>, <c>sentiment</c>): posts scored, posts quarantined, batch retries, busy time.</summary>
    public IReadOnlyDictionary<string, StageCounts> Stages =>
        _stages.ToDictionary(kv => kv.Key, kv => kv.Value.Snapshot(), StringComparer.Ordinal);

    /// <summary>A scoring stage finished a batch: <paramref name="scored"/> posts got a score, <paramref name="failed"/> went to quarantine.</summary>
    public void StageScored(string stage, int scored, int failed, bool retriedItemByItem, TimeSpan busy)
    {
        var tally = _stages.GetOrAdd(stage, _ => new StageTally());
        Interlocked.Add(ref tally.Scored, scored);
        Interlocked.Add(ref tally.Failed, failed);
        if (retriedItemByItem)
        {
            Interlocked.Increment(ref tally.BatchRetries);
        }

        Interlocked.Add(ref tally.BusyTicks, busy.Ticks);
    }

    public void Counted(PipelineItem item)
    {
        Interlocked.Increment(ref _read);
        switch (item)
        {
            case PipelineItem.Scored:
                Interlocked.Increment(ref _kept);
                break;
            case PipelineItem.Dropped dropped:
                _dropped.AddOrUpdate(dropped.Reason, 1, (_, n) => n + 1);
                break;
            case PipelineItem.Quarantined quarantined:
                Interlocked.Increment(ref _quarantined);
                // Counting must not fail on an entry a source got wrong: the sink stores that one as a bare entry.
                _quarantinedBySource.AddOrUpdate(quarantined.Entry?.Source ?? "unknown", 1, (_, n) => n + 1);
                break;
        }
    }

    public void TextRepaired() => Interlocked.Increment(ref _repairedText);

    public void TextTruncated() => Interlocked.Increment(ref _truncatedText);

    /// <summary>The sink committed the raw row of a post <paramref name="stage"/> failed on.</summary>
    public void UnscoredRowStored(string stage) => _unscoredRows.AddOrUpdate(stage, 1, (_, n) => n + 1);

    public void Committed(BatchCommitted batch)
    {
        Interlocked.Add(ref _committedItems, batch.Items.Count);
        Interlocked.Add(ref _newPosts, batch.NewPosts);
        Interlocked.Increment(ref _batches);
        Interlocked.Exchange(ref _lastCommitTicks, DateTimeOffset.UtcNow.UtcTicks);
    }

    /// <summary>The sink did not store <paramref name="original"/>: its author or id was forgotten (a tombstone). Counted as dropped <c>forgotten</c> instead.</summary>
    public void Forgotten(PipelineItem original)
    {
        switch (original)
        {
            case PipelineItem.Scored:
                Interlocked.Decrement(ref _kept);
                break;
            case PipelineItem.Dropped { Reason: DropReason.Forgotten }:
                return;
            case PipelineItem.Dropped dropped:
                _dropped.AddOrUpdate(dropped.Reason, 0, (_, n) => n - 1);
                break;
            default:
                return;
        }

        _dropped.AddOrUpdate(DropReason.Forgotten, 1, (_, n) => n + 1);
    }

    public void SinkRetried() => Interlocked.Increment(ref _sinkRetries);

    /// <summary>
    /// An item a later stage could not process (a scoring stage, the sink): counted as quarantined by
    /// <paramref name="source"/> instead of whatever it was. One already quarantined stays counted once.
    /// </summary>
    public void MovedToQuarantine(PipelineItem original, string source = "sink")
    {
        switch (original)
        {
            case PipelineItem.Quarantined:
                return;
            case PipelineItem.Scored:
                Interlocked.Decrement(ref _kept);
                break;
            case PipelineItem.Dropped dropped:
                _dropped.AddOrUpdate(dropped.Reason, 0, (_, n) => n - 1);
                break;
        }

        Interlocked.Increment(ref _quarantined);
        _quarantinedBySource.AddOrUpdate(source, 1, (_, n) => n + 1);
    }
}

/// <summary>One scoring stage's totals; <see cref="Busy"/> is the time spent scoring, summed over parallel batches.</summary>
public sealed record StageCounts(long Scored, long Failed, long BatchRetries, TimeSpan Busy);

internal sealed class StageTally
{
    public long Scored;
    public long Failed;
    public long BatchRetries;
    public long BusyTicks;

    public StageCounts Snapshot() => new(
        Interlocked.Read(ref Scored), Interlocked.Read(ref Failed), Interlocked.Read(ref BatchRetries),
        TimeSpan.FromTicks(Interlocked.Read(ref BusyTicks)));
}
