using System.Globalization;
using System.Reflection;
using Microsoft.AspNetCore.StaticFiles;
using Npgsql;
using Pipeline.Host.Http;
using Pipeline.Host.Settings;

namespace Pipeline.Host.Dashboard;

/// <summary>
/// The built-in dashboard: a page (embedded in this assembly, Chart.js vendored beside it, nothing from
/// the internet) at <c>/</c> and <c>/dashboard</c>, and the JSON it polls under <c>/api/dashboard/</c>.
/// Every API call takes the filters <c>company</c>, <c>from</c>, <c>to</c> (yyyy-MM-dd, UTC days) and <c>topic</c>
/// (each question says which apply). <c>/api/alerts/{id}/posts</c> is the link alert webhooks send.
/// </summary>
public static class DashboardEndpoints
{
    private const string ResourcePrefix = "dashboard/";
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    public static WebApplication MapDashboard(this WebApplication app)
    {
        var queries = new DashboardQueries(
            app.Services.GetRequiredService<NpgsqlDataSource>(), app.Services.GetRequiredService<ILogger<DashboardQueries>>());
        var settings = app.Services.GetRequiredService<PipelineSettings>().Dashboard;

        var pages = app.MapGroup(string.Empty).RequireDashboard();
        pages.MapGet("/", () => Page("index.html"));
        pages.MapGet("/dashboard", () => Page("index.html"));
        pages.MapGet("/dashboard/{**path}", (string path) => Page(path));

        var api = app.MapGroup("/api/dashboard").RequireDashboard().AddEndpointFilter(AnswerFailuresAsJson);
        api.MapGet("/options", (CancellationToken ct) =>
            queries.OptionsAsync((int)settings.RefreshInterval.TotalMilliseconds, settings.FeedSize, ct));
        api.MapGet("/topics", (HttpRequest request, CancellationToken ct) =>
            queries.TopicDistributionAsync(DashboardFilter.Parse(request.Query), ct));
        api.MapGet("/sentiment-histogram", (HttpRequest request, CancellationToken ct) =>
            queries.SentimentHistogramAsync(DashboardFilter.Parse(request.Query), ct));
        api.MapGet("/weekly-topics", (HttpRequest request, CancellationToken ct) =>
            queries.WeeklyTopicsAsync(DashboardFilter.Parse(request.Query), ct));
        api.MapGet("/company-sentiment", (HttpRequest request, CancellationToken ct) =>
            queries.CompanySentimentAsync(DashboardFilter.Parse(request.Query), ct));
        api.MapGet("/funnel", (HttpRequest request, CancellationToken ct) =>
            queries.FunnelAsync(DashboardFilter.Parse(request.Query), ct));
        api.MapGet("/feed", (HttpRequest request, CancellationToken ct) =>
        {
            var filter = DashboardFilter.Parse(request.Query);
            var limit = DashboardFilter.Number(request.Query, "limit", 1, 500, settings.FeedSize);
            var after = DashboardFilter.Value(request.Query, "after") is { } id
                ? long.TryParse(id, NumberStyles.Integer, CultureInfo.InvariantCulture, out var a) ? a
                    : throw new DashboardRequestException($"after: '{id}' is not a post id")
                : (long?)null;
            return queries.LatestPostsAsync(filter, limit, after, ct);
        });
        api.MapGet("/alerts", (HttpRequest request, CancellationToken ct) =>
            queries.AlertsAsync(DashboardFilter.Value(request.Query, "company"), DashboardFilter.Number(request.Query, "limit", 1, 200, 20), ct));
        api.MapGet("/hourly", (HttpRequest request, CancellationToken ct) =>
            queries.HourlyVolumeAsync(DashboardFilter.Parse(request.Query), ct));
        api.MapGet("/share-of-voice", (HttpRequest request, CancellationToken ct) =>
            queries.ShareOfVoiceAsync(DashboardFilter.Parse(request.Query).To, DashboardFilter.Number(request.Query, "weeks", 1, 52, 12), ct));
        api.MapGet("/emerging-topics", (CancellationToken ct) => queries.EmergingTopicsAsync(ct));
        api.MapGet("/topic-retrain", (CancellationToken ct) => queries.TopicRetrainNoteAsync(ct));
        api.MapGet("/company-table", (HttpRequest request, CancellationToken ct) =>
            queries.CompanyTableAsync(DashboardFilter.Parse(request.Query), ct));

        // The link alert webhooks carry: the alert and the posts behind it, under the dashboard's own access rule.
        var alerts = app.MapGroup("/api/alerts").RequireDashboard().AddEndpointFilter(AnswerFailuresAsJson);
        alerts.MapGet("/{id}/posts", async (string id, HttpRequest request, CancellationToken ct) =>
        {
            if (!long.TryParse(id, NumberStyles.Integer, CultureInfo.InvariantCulture, out var alertId))
            {
                throw new DashboardRequestException($"id: '{id}' is not an alert id");
            }

            var limit = DashboardFilter.Number(request.Query, "limit", 1, 500, 100);
            return await queries.AlertPostsAsync(alertId, limit, ct) is { } found
                ? Results.Ok(found)
                : Results.Json(new { error = $"alert {alertId} not found" }, statusCode: StatusCodes.Status404NotFound);
        });
        return app;
    }

    private static async ValueTask<object?> AnswerFailuresAsJson(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (DashboardRequestException e)
        {
            return Results.Json(new { error = e.Message }, statusCode: StatusCodes.Status400BadRequest);
        }
        catch (NpgsqlException e) when (!context.HttpContext.RequestAborted.IsCancellationRequested)
        {
            // The page keeps polling and shows this until the database answers again; the driver's words
            // (hosts, users) stay in the log.
            context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DashboardEndpoints))
                .LogWarning("Dashboard request {Path}: database unavailable ({Error})", context.HttpContext.Request.Path, e.GetBaseException().Message);
            return Results.Json(new { error = "database unavailable" }, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Still JSON, so the page shows what went wrong instead of failing to parse an empty body.
            context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DashboardEndpoints))
                .LogError(e, "Dashboard request {Path} failed", context.HttpContext.Request.Path);
            return Results.Json(new { error = $"{e.GetType().Name} (details in the service log)" }, statusCode: StatusCodes.Status500InternalServerError);
        }
    }

    private static IResult Page(string path)
    {
        var resource = typeof(DashboardEndpoints).Assembly.GetManifestResourceStream(ResourcePrefix + path);
        if (resource is null || path.Contains("..", StringComparison.Ordinal))
        {
            resource?.Dispose();
            return Results.NotFound();
        }

        var contentType = ContentTypes.TryGetContentType(path, out var type) ? type : "application/octet-stream";
        return Results.Stream(resource, contentType);
    }
}
