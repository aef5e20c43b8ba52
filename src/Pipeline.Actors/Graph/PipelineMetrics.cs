using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Pipeline.Actors.Storage;

namespace Pipeline.Actors.Graph;

/// <summary>
/// The service's <see cref="System.Diagnostics.Metrics"/> instruments, one instance per host: the sink, the scoring
/// stages and the scrapers record into it where the work happens, and the host exports its <see cref="Meter"/> on
/// <c>/metrics</c>. A meter of its own per instance (not a static one) keeps hosts that share a process (tests,
/// several actor systems) from counting each other's work: an exporter listens to this instance only.
/// </summary>
/// <remarks>Names, labels and buckets are documented in docs/metrics.md.</remarks>
public sealed class PipelineMetrics : IDisposable
{
    public const string MeterName = "Pipeline";

    /// <summary>A batch write is one COPY into a staging table and an upsert: milliseconds when healthy, seconds under load, minutes while the database is away and retried.</summary>
    public static readonly IReadOnlyList<double> CommitBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

    /// <summary>A scoring batch: a millisecond for the lexicon or LDA on a few posts, seconds for a transformer on a full batch.</summary>
    public static readonly IReadOnlyList<double> ScoringBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    /// <summary>A page fetched over the internet: tens of milliseconds to the per-request timeout.</summary>
    public static readonly IReadOnlyList<double> ScrapeBuckets = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60];

    private readonly Histogram<double> _commit;
    private readonly Histogram<double> _scoring;
    private readonly Histogram<double> _scrape;
    private readonly ConcurrentDictionary<string, long> _newestPostTicks = new(StringComparer.Ordinal);
    private readonly TimeProvider _clock;

    public PipelineMetrics(TimeProvider? clock = null)
    {
        _clock = clock ?? TimeProvider.System;
        Meter = new Meter(MeterName);
        _commit = Histogram("pipeline_sink_batch_commit_duration_seconds",
            "Time to commit one batch to PostgreSQL (COPY and upsert, retries while the database is away included).", CommitBuckets);
        _scoring = Histogram("pipeline_stage_batch_duration_seconds",
            "Time a scoring stage took for one batch, by stage (topics, sentiment).", ScoringBuckets);
        _scrape = Histogram("pipeline_scrape_page_duration_seconds",
            "Time to fetch one page from a source, by source and outcome (page, rate_limited, unavailable, unparseable, rejected).", ScrapeBuckets);
        Meter.CreateObservableGauge("pipeline_source_lag_seconds", ObserveLag, "s",
            "Now minus the creation time of the newest post this process committed, by source (import, nitter, x_api, simulator).");
    }

    /// <summary>For counters no host exports (the import verb, tests): recording into it costs next to nothing with nobody listening.</summary>
    public static PipelineMetrics Unexported { get; } = new();

    /// <summary>What an exporter listens to; each instance has its own.</summary>
    public Meter Meter { get; }

    /// <summary>The sink committed <paramref name="batch"/>: its duration, and the newest post of each source in it.</summary>
    public void Committed(BatchCommitted batch)
    {
        _commit.Record(batch.Elapsed.TotalSeconds);
        // A post dated in the future (a bad clock, a hostile file) would make the lag negative until time catches up.
        var now = _clock.GetUtcNow().UtcTicks;
        foreach (var item in batch.Items)
        {
            // Recording must never fail a commit, not even on an item a source got wrong (the sink quarantined it).
            var raw = item switch
            {
                PipelineItem.Scored s => s.Post?.Post?.Raw,
                PipelineItem.Dropped d => d.Post,
                _ => null,
            };
            if (raw is { CreatedAt.UtcTicks: var ticks } && ticks <= now && Enum.IsDefined(raw.Source))
            {
                _newestPostTicks.AddOrUpdate(PostStore.SourceName(raw.Source), ticks, (_, known) => Math.Max(known, ticks));
            }
        }
    }

    /// <summary>A scoring stage finished one batch.</summary>
    public void Scored(string stage, TimeSpan elapsed) =>
        _scoring.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("stage", stage));

    /// <summary>A scraper's request to <paramref name="source"/> came back (or gave up) as <paramref name="outcome"/>.</summary>
    public void PageFetched(string source, string outcome, TimeSpan elapsed) =>
        _scrape.Record(elapsed.TotalSeconds, new("source", source), new("outcome", outcome));

    public void Dispose() => Meter.Dispose();

    private Histogram<double> Histogram(string name, string description, IReadOnlyList<double> buckets) =>
        Meter.CreateHistogram(name, "s", description, tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = buckets });

    private IEnumerable<Measurement<double>> ObserveLag()
    {
        var now = _clock.GetUtcNow().UtcTicks;
        return _newestPostTicks.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => new Measurement<double>(TimeSpan.FromTicks(now - kv.Value).TotalSeconds, new KeyValuePair<string, object?>("source", kv.Key)))
            .ToList();
    }
}
