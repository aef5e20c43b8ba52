using System.Text.Json;
using Pipeline.Host.Scoring;

namespace Pipeline.Host.Http;

/// <summary>
/// <c>POST /admin/topics/reload</c>: switch the topic model without restarting. The folder comes
/// from <c>?path=</c> or a JSON body <c>{"path": "..."}</c>, else <c>pipeline.topics.model-dir</c>.
/// The management port listens on loopback by default; expose it only where reloading is wanted.
/// </summary>
public static class TopicAdminEndpoints
{
    public const string ReloadPath = "/admin/topics/reload";

    public static WebApplication MapTopicAdmin(this WebApplication app)
    {
        app.MapPost(ReloadPath, async (HttpContext context, IServiceProvider services) =>
        {
            if (services.GetService<TopicModelReloader>() is not { } reloader)
            {
                return Results.Json(new { error = "topics are disabled (pipeline.topics.enabled = off)" }, statusCode: StatusCodes.Status409Conflict);
            }

            string? path = context.Request.Query["path"];
            if (path is null && context.Request.ContentLength is not 0 && context.Request.HasJsonContentType())
            {
                try
                {
                    var body = await JsonSerializer.DeserializeAsync<ReloadRequest>(context.Request.Body, JsonOptions, context.RequestAborted);
                    path = body?.Path;
                }
                catch (JsonException e)
                {
                    return Results.Json(new { error = $"body is not {{\"path\": \"...\"}}: {e.Message}" }, statusCode: StatusCodes.Status400BadRequest);
                }
            }

            return await reloader.ReloadAsync(path, context.RequestAborted) switch
            {
                TopicReloadOutcome.Switched s => Results.Json(new { previousVersion = s.PreviousVersion, version = s.Version, path = s.Path, loadedAt = s.LoadedAt }),
                TopicReloadOutcome.Rejected r => Results.Json(new { error = r.Reason, version = r.CurrentVersion }, statusCode: StatusCodes.Status422UnprocessableEntity),
                TopicReloadOutcome.NotPublished n => Results.Json(new { error = n.Reason, version = n.CurrentVersion }, statusCode: StatusCodes.Status503ServiceUnavailable),
                _ => Results.StatusCode(StatusCodes.Status500InternalServerError),
            };
        });
        return app;
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private sealed record ReloadRequest(string? Path);
}
