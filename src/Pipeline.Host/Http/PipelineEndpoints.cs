using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pipeline.Actors.Alerts;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Sources.Scraping;
using Pipeline.Models.Alerts;
using Pipeline.Models.Domain;

namespace Pipeline.Host.Http;

/// <summary>
/// The management port: the probe paths Kubernetes and Akka.Management users expect, and
/// Prometheus-style counters.
/// </summary>
public static class PipelineEndpoints
{
    public const string LiveTag = "live";
    public const string ReadyTag = "ready";

    public static WebApplication MapPipelineEndpoints(this WebApplication app)
    {
        var live = Options(check => check.Tags.Contains(LiveTag));
        var ready = Options(check => check.Tags.Contains(ReadyTag) || check.Tags.Contains(LiveTag));
        app.MapHealthChecks("/healthz/live", live);
        app.MapHealthChecks("/alive", live);
        app.MapHealthChecks("/healthz/ready", ready);
        app.MapHealthChecks("/ready", ready);
        app.MapGet("/metrics", (PipelineCounters counters, PipelineStatus imports, SourceStatusBoard sources, IServiceProvider services) =>
            Results.Text(Prometheus(counters, imports, sources, services.GetService<SharedGraphEntrance>(),
                services.GetService<Settings.PipelineSettings>()?.Alerts.Enabled == true ? services.GetService<AlertCounters>() : null), "text/plain; version=0.0.4"))
            .RequireDashboard();
        var status = app.MapGroup("/status").RequireDashboard();
        // Per scraper: mode, pages committed, last success and error, and each instance's pause.
        status.MapGet("/sources", (SourceStatusBoard board) => Results.Json(board.All));
        // Members, which node runs which scraper, shards per node, the last membership change (bounded by the regions' timeout).
        status.MapGet("/cluster", async (Cluster.ClusterStatusService cluster, CancellationToken ct) => Results.Json(await cluster.GetAsync(ct)));
        return app;
    }

    private static HealthCheckOptions Options(Func<HealthCheckRegistration, bool> predicate) => new()
    {
        Predicate = predicate,
        ResponseWriter = WriteJson,
        ResultStatusCodes =
        {
            [HealthStatus.Healthy] = StatusCodes.Status200OK,
            [HealthStatus.Degraded] = StatusCodes.Status200OK,
            [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
        },
    };

    /// <summary><c>data</c> keys only an operator sees (absolute paths).</summary>
    public static readonly IReadOnlySet<string> PrivateKeys = new HashSet<string>(StringComparer.Ordinal) { "path" };

    /// <summary>
    /// The probes answer anyone (orchestrators need them), so what they show anyone is bare: no absolute path, no
    /// driver error. A caller with the admin token or a dashboard credential also gets <see cref="PrivateKeys"/> and each check's <c>error</c>.
    /// </summary>
    private static Task WriteJson(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var operatorCaller = context.RequestServices.GetRequiredService<HttpGuard>().IsOperator(context);
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.Select(e => new
            {
                name = e.Key,
                status = e.Value.Status.ToString(),
                description = e.Value.Description,
                durationMs = Math.Round(e.Value.Duration.TotalMilliseconds, 1),
                tags = e.Value.Tags,
                data = operatorCaller ? e.Value.Data : e.Value.Data.Where(d => !PrivateKeys.Contains(d.Key)).ToDictionary(),
                error = operatorCaller ? e.Value.Exception?.GetBaseException().Message : null,
            }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }

    private static string Prometheus(PipelineCounters counters, PipelineStatus imports, SourceStatusBoard sources, SharedGraphEntrance? scrapers, AlertCounters? alerts)
    {
        var text = new StringBuilder();
        void Counter(string name, string help, long value, string labels = "")
        {
            if (labels.Length == 0)
            {
                text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
                text.Append("# TYPE ").Append(name).Append(" counter\n");
            }

            text.Append(name).Append(labels).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        void Labelled(string name, string help, string label, IReadOnlyDictionary<string, long> values)
        {
            text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            text.Append("# TYPE ").Append(name).Append(" counter\n");
            foreach (var (key, value) in values.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                Counter(name, string.Empty, value, $"{{{label}=\"{Escape(key)}\"}}");
            }
        }

        Counter("pipeline_posts_read_total", "Items read from sources.", counters.Read);
        Counter("pipeline_posts_kept_total", "Posts kept by cleaning.", counters.Kept);
        text.Append("# HELP pipeline_posts_dropped_total Posts dropped by cleaning, by reason.\n# TYPE pipeline_posts_dropped_total counter\n");
        foreach (var reason in Enum.GetValues<DropReason>())
        {
            Counter("pipeline_posts_dropped_total", string.Empty, counters.Dropped.GetValueOrDefault(reason), $"{{reason=\"{reason.ToSnakeCase()}\"}}");
        }

        Counter("pipeline_items_quarantined_total", "Items moved to quarantine.", counters.Quarantined);
        Labelled("pipeline_items_quarantined_by_source_total",
            "Items moved to quarantine, by what refused them (a reader, clean, a scoring stage, sink).", "source", counters.QuarantinedBySource);
        Counter("pipeline_posts_repaired_text_total", "Posts with an unpaired surrogate replaced by U+FFFD.", counters.RepairedText);
        Counter("pipeline_posts_truncated_text_total", "Posts whose text was cut to pipeline.limits.max-text-length.", counters.TruncatedText);
        Labelled("pipeline_posts_scoring_failed_stored_total",
            "Raw rows stored with raw_posts.failed_stage set (kept posts a scoring stage failed on), by stage.", "stage", counters.UnscoredRows);
        Counter("pipeline_items_committed_total", "Items committed to PostgreSQL.", counters.CommittedItems);
        Counter("pipeline_posts_stored_new_total", "Posts stored for the first time.", counters.NewPosts);
        Counter("pipeline_batches_committed_total", "Batches committed.", counters.Batches);
        Counter("pipeline_sink_retries_total", "Batch retries while the database was unavailable.", counters.SinkRetries);
        var stages = counters.Stages;
        if (stages.Count > 0)
        {
            text.Append("# HELP pipeline_stage_scored_total Posts a scoring stage gave a score.\n# TYPE pipeline_stage_scored_total counter\n");
            foreach (var (stage, counts) in stages)
            {
                Counter("pipeline_stage_scored_total", string.Empty, counts.Scored, $"{{stage=\"{stage}\"}}");
            }

            text.Append("# HELP pipeline_stage_failed_total Posts a scoring stage failed on (quarantined).\n# TYPE pipeline_stage_failed_total counter\n");
            foreach (var (stage, counts) in stages)
            {
                Counter("pipeline_stage_failed_total", string.Empty, counts.Failed, $"{{stage=\"{stage}\"}}");
            }

            text.Append("# HELP pipeline_stage_batch_retries_total Batches a scoring stage retried post by post after a failure.\n# TYPE pipeline_stage_batch_retries_total counter\n");
            foreach (var (stage, counts) in stages)
            {
                Counter("pipeline_stage_batch_retries_total", string.Empty, counts.BatchRetries, $"{{stage=\"{stage}\"}}");
            }

            text.Append("# HELP pipeline_stage_busy_seconds_total Time spent scoring, summed over parallel batches.\n# TYPE pipeline_stage_busy_seconds_total counter\n");
            foreach (var (stage, counts) in stages)
            {
                text.Append("pipeline_stage_busy_seconds_total{stage=\"").Append(stage).Append("\"} ")
                    .Append(counts.Busy.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)).Append('\n');
            }
        }

        text.Append("# HELP pipeline_graph_restarts_total Times a long-running graph failed and was started again, by graph.\n# TYPE pipeline_graph_restarts_total counter\n");
        Counter("pipeline_graph_restarts_total", string.Empty, imports.Restarts, "{graph=\"import\"}");
        if (scrapers is not null)
        {
            Counter("pipeline_graph_restarts_total", string.Empty, scrapers.State.Restarts, "{graph=\"scrapers\"}");
        }

        text.Append("# HELP pipeline_source_errors_total Errors a source reported beside or instead of its posts (X API partial errors), by source and type.\n# TYPE pipeline_source_errors_total counter\n");
        foreach (var ((source, type), count) in sources.ErrorCounts.OrderBy(e => e.Key.Source, StringComparer.Ordinal).ThenBy(e => e.Key.Type, StringComparer.Ordinal))
        {
            Counter("pipeline_source_errors_total", string.Empty, count, $"{{source=\"{Escape(source)}\",type=\"{Escape(type)}\"}}");
        }

        if (alerts is not null)
        {
            AppendAlerts(text, alerts);
        }

        RuntimeMetrics.AppendTo(text);
        return text.ToString();
    }

    /// <summary>The alert detector's and the webhook sender's metrics (this node's: checks another node ran are counted there).</summary>
    private static void AppendAlerts(StringBuilder text, AlertCounters alerts)
    {
        void Header(string name, string type, string help) =>
            text.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        void Line(string name, string labels, string value) => text.Append(name).Append(labels).Append(' ').Append(value).Append('\n');
        static string Whole(long value) => value.ToString(CultureInfo.InvariantCulture);

        Header("pipeline_alert_checks_total", "counter", "Alert checks, by outcome (skipped_locked: another detector held the lock).");
        var checks = alerts.Checks;
        foreach (var (outcome, label) in new[] { (CheckOutcome.Ran, "ran"), (CheckOutcome.SkippedLocked, "skipped_locked"), (CheckOutcome.Failed, "failed") })
        {
            Line("pipeline_alert_checks_total", $"{{outcome=\"{label}\"}}", Whole(checks.GetValueOrDefault(outcome)));
        }

        Header("pipeline_alerts_raised_total", "counter", "Alerts this node opened, by signal and severity.");
        var raised = alerts.Raised;
        foreach (var signal in Enum.GetValues<AlertSignal>())
        {
            foreach (var severity in Enum.GetValues<AlertSeverity>())
            {
                Line("pipeline_alerts_raised_total", $"{{signal=\"{AlertSignals.Name(signal)}\",severity=\"{AlertSeverities.Name(severity)}\"}}",
                    Whole(raised.GetValueOrDefault((signal, severity))));
            }
        }

        Header("pipeline_alerts_escalated_total", "counter", "Alerts this node escalated (severity rose; once per alert).");
        Line("pipeline_alerts_escalated_total", string.Empty, Whole(alerts.Escalated));
        Header("pipeline_alert_check_duration_seconds", "gauge", "Duration of the last check this node ran (load history, detect, apply).");
        Line("pipeline_alert_check_duration_seconds", string.Empty,
            (alerts.LastCheckDuration ?? TimeSpan.Zero).TotalSeconds.ToString("0.######", CultureInfo.InvariantCulture));

        var endpoints = alerts.Endpoints.OrderBy(e => e.Key, StringComparer.Ordinal).ToList();
        foreach (var (name, help, value) in new (string, string, Func<EndpointCounts, long>)[]
        {
            ("pipeline_webhook_deliveries_total", "Webhook events delivered (2xx), by endpoint.", c => c.Delivered),
            ("pipeline_webhook_failures_total", "Webhook attempts that failed (no answer or not 2xx), by endpoint.", c => c.Failed),
            ("pipeline_webhook_abandoned_total", "Webhook events given up after delivery.max-attempts, by endpoint.", c => c.Abandoned),
        })
        {
            Header(name, "counter", help);
            foreach (var (endpoint, counts) in endpoints)
            {
                Line(name, $"{{endpoint=\"{Escape(endpoint)}\"}}", Whole(value(counts)));
            }
        }

        Header("pipeline_webhook_pending", "gauge", "Webhook events queued and neither delivered nor abandoned (as of this node's last poll).");
        Line("pipeline_webhook_pending", string.Empty, Whole(alerts.Pending));
    }

    /// <summary>A label value as the text format wants it: backslash, quote and line feed escaped.</summary>
    private static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
