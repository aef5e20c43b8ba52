using System.Diagnostics.Metrics;
using Pipeline.Actors.Alerts;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Sources.Scraping;
using Pipeline.Models.Alerts;
using Pipeline.Models.Domain;

namespace Pipeline.Host.Http;

/// <summary>
/// The totals the service has always shown on <c>/metrics</c>, as observable instruments on the host's
/// <see cref="PipelineMetrics.Meter"/>: read from the counters the stages keep when someone scrapes. Names and labels
/// are those scrapers have used since before the meter (docs/metrics.md).
/// </summary>
internal static class ServiceMetrics
{
    private static readonly (CheckOutcome Outcome, string Label)[] Outcomes =
        [(CheckOutcome.Ran, "ran"), (CheckOutcome.SkippedLocked, "skipped_locked"), (CheckOutcome.Failed, "failed")];

    public static void Observe(Meter meter, PipelineCounters counters, PipelineStatus imports, SourceStatusBoard sources,
        SharedGraphEntrance? scrapers, AlertCounters? alerts)
    {
        Counter(meter, "pipeline_posts_read_total", "Items read from sources.", () => counters.Read);
        Counter(meter, "pipeline_posts_kept_total", "Posts kept by cleaning.", () => counters.Kept);
        Counters(meter, "pipeline_posts_dropped_total", "Posts dropped by cleaning, by reason.", () =>
        {
            var dropped = counters.Dropped;
            return Enum.GetValues<DropReason>().Select(r => Labelled(dropped.GetValueOrDefault(r), ("reason", r.ToSnakeCase())));
        });
        Counter(meter, "pipeline_items_quarantined_total", "Items moved to quarantine.", () => counters.Quarantined);
        Counters(meter, "pipeline_items_quarantined_by_source_total",
            "Items moved to quarantine, by what refused them (a reader, clean, a scoring stage, sink).", () => ByKey(counters.QuarantinedBySource, "source"));
        Counter(meter, "pipeline_posts_repaired_text_total", "Posts with an unpaired surrogate replaced by U+FFFD.", () => counters.RepairedText);
        Counter(meter, "pipeline_posts_truncated_text_total", "Posts whose text was cut to pipeline.limits.max-text-length.", () => counters.TruncatedText);
        Counters(meter, "pipeline_posts_scoring_failed_stored_total",
            "Raw rows stored with raw_posts.failed_stage set (kept posts a scoring stage failed on), by stage.", () => ByKey(counters.UnscoredRows, "stage"));
        Counter(meter, "pipeline_items_committed_total", "Items committed to PostgreSQL.", () => counters.CommittedItems);
        Counter(meter, "pipeline_posts_stored_new_total", "Posts stored for the first time.", () => counters.NewPosts);
        Counter(meter, "pipeline_batches_committed_total", "Batches committed.", () => counters.Batches);
        Counter(meter, "pipeline_sink_retries_total", "Batch retries while the database was unavailable.", () => counters.SinkRetries);
        foreach (var (name, help, value) in new (string, string, Func<StageCounts, double>)[]
        {
            ("pipeline_stage_scored_total", "Posts a scoring stage gave a score.", c => c.Scored),
            ("pipeline_stage_failed_total", "Posts a scoring stage failed on (quarantined).", c => c.Failed),
            ("pipeline_stage_batch_retries_total", "Batches a scoring stage retried post by post after a failure.", c => c.BatchRetries),
            ("pipeline_stage_busy_seconds_total", "Time spent scoring, summed over parallel batches.", c => c.Busy.TotalSeconds),
        })
        {
            Counters(meter, name, help, () => counters.Stages.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => Labelled(value(s.Value), ("stage", s.Key))));
        }

        Counters(meter, "pipeline_graph_restarts_total", "Times a long-running graph failed and was started again, by graph.", () =>
            scrapers is null
                ? [Labelled(imports.Restarts, ("graph", "import"))]
                : [Labelled(imports.Restarts, ("graph", "import")), Labelled(scrapers.State.Restarts, ("graph", "scrapers"))]);
        Counters(meter, "pipeline_source_errors_total",
            "Errors a source reported beside or instead of its posts (X API partial errors), by source and type.", () =>
                sources.ErrorCounts.OrderBy(e => e.Key.Source, StringComparer.Ordinal).ThenBy(e => e.Key.Type, StringComparer.Ordinal)
                    .Select(e => Labelled(e.Value, ("source", e.Key.Source), ("type", e.Key.Type))));
        if (scrapers is not null)
        {
            meter.CreateObservableGauge("pipeline_graph_in_flight_items", () => new Measurement<long>(scrapers.InFlight, new KeyValuePair<string, object?>("graph", "scrapers")),
                description: "Items the scrapers ran into the shared graph that are not committed yet (in its MergeHub buffers, cleaning, scoring, batching or being written).");
        }

        if (alerts is not null)
        {
            ObserveAlerts(meter, alerts);
        }

        // The managed heap: only the process itself knows it (RSS, threads and open files are readable from outside
        // through /proc), and the soak benchmark follows it over hours.
        meter.CreateObservableGauge("dotnet_gc_heap_size_bytes", () => GC.GetGCMemoryInfo().HeapSizeBytes,
            description: "Managed heap size after the last garbage collection.");
        meter.CreateObservableGauge("dotnet_gc_committed_bytes", () => GC.GetGCMemoryInfo().TotalCommittedBytes,
            description: "Memory the garbage collector has committed.");
        meter.CreateObservableGauge("dotnet_gc_allocated_bytes", () => GC.GetTotalMemory(forceFullCollection: false),
            description: "Managed heap in use now, garbage not yet collected included.");
    }

    /// <summary>The alert detector's and the webhook sender's metrics (this node's: checks another node ran are counted there).</summary>
    private static void ObserveAlerts(Meter meter, AlertCounters alerts)
    {
        Counters(meter, "pipeline_alert_checks_total", "Alert checks, by outcome (skipped_locked: another detector held the lock).", () =>
        {
            var checks = alerts.Checks;
            return Outcomes.Select(o => Labelled(checks.GetValueOrDefault(o.Outcome), ("outcome", o.Label)));
        });
        Counters(meter, "pipeline_alerts_raised_total", "Alerts this node opened, by signal and severity.", () =>
        {
            var raised = alerts.Raised;
            return Enum.GetValues<AlertSignal>().SelectMany(signal => Enum.GetValues<AlertSeverity>().Select(severity =>
                Labelled(raised.GetValueOrDefault((signal, severity)), ("signal", AlertSignals.Name(signal)), ("severity", AlertSeverities.Name(severity)))));
        });
        Counter(meter, "pipeline_alerts_escalated_total", "Alerts this node escalated (severity rose; once per alert).", () => alerts.Escalated);
        meter.CreateObservableGauge("pipeline_alert_check_duration_seconds", () => (alerts.LastCheckDuration ?? TimeSpan.Zero).TotalSeconds,
            description: "Duration of the last check this node ran (load history, detect, apply).");
        foreach (var (name, help, value) in new (string, string, Func<EndpointCounts, long>)[]
        {
            ("pipeline_webhook_deliveries_total", "Webhook events delivered (2xx), by endpoint.", c => c.Delivered),
            ("pipeline_webhook_failures_total", "Webhook attempts that failed (no answer or not 2xx), by endpoint.", c => c.Failed),
            ("pipeline_webhook_abandoned_total", "Webhook events given up after delivery.max-attempts, by endpoint.", c => c.Abandoned),
        })
        {
            Counters(meter, name, help, () => ByKey(alerts.Endpoints.ToDictionary(e => e.Key, e => value(e.Value), StringComparer.Ordinal), "endpoint"));
        }

        meter.CreateObservableGauge("pipeline_webhook_pending", () => alerts.Pending,
            description: "Webhook events queued and neither delivered nor abandoned (as of this node's last poll).");
    }

    private static void Counter(Meter meter, string name, string help, Func<long> value) =>
        meter.CreateObservableCounter(name, value, description: help);

    private static void Counters(Meter meter, string name, string help, Func<IEnumerable<Measurement<double>>> values) =>
        meter.CreateObservableCounter(name, () => values().ToList(), description: help);

    private static IEnumerable<Measurement<double>> ByKey(IReadOnlyDictionary<string, long> values, string label) =>
        values.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => Labelled(kv.Value, (label, kv.Key)));

    private static Measurement<double> Labelled(double value, params (string Key, string Value)[] labels) =>
        new(value, labels.Select(l => new KeyValuePair<string, object?>(l.Key, l.Value)));
}
