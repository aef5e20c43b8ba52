using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pipeline.Actors.Sources.Scraping;

namespace Pipeline.Host.Http;

/// <summary>
/// The management port: the probe paths Kubernetes and Akka.Management users expect, and
/// the Prometheus metrics (<see cref="PrometheusExport"/>, docs/metrics.md).
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
        // Resolved now, not at the first scrape: the exporter sees only what is recorded after it starts listening.
        var export = app.Services.GetRequiredService<PrometheusExport>();
        app.MapGet("/metrics", async (HttpContext context) =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await export.WriteAsync(context.Response.Body, context.RequestAborted);
        }).RequireDashboard();
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
}
