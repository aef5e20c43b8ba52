using System.Text.Json;
using Pipeline.Host.Scoring;

namespace Pipeline.Host.Http;

/// <summary>
/// <c>POST {path}</c>: switch a model without restarting. The folder comes from <c>?path=</c> or a
/// JSON body <c>{"path": "..."}</c>, else the configured model folder. 200 with the switch, 422 when
/// the folder is not a usable model (the old one keeps scoring), 409 when the stage is disabled.
/// The management port listens on loopback by default; expose it only where reloading is wanted.
/// </summary>
public static class ModelReloadEndpoint
{
    public static WebApplication MapModelReload<TReloader>(this WebApplication app, string path, string disabled)
        where TReloader : class, IModelReloader
    {
        app.MapPost(path, async (HttpContext context, IServiceProvider services) =>
        {
            if (services.GetService<TReloader>() is not { } reloader)
            {
                return Results.Json(new { error = disabled }, statusCode: StatusCodes.Status409Conflict);
            }

            string? folder = context.Request.Query["path"];
            if (folder is null && context.Request.ContentLength is not 0 && context.Request.HasJsonContentType())
            {
                try
                {
                    var body = await JsonSerializer.DeserializeAsync<ReloadRequest>(context.Request.Body, JsonOptions, context.RequestAborted);
                    folder = body?.Path;
                }
                catch (JsonException e)
                {
                    return Results.Json(new { error = $"body is not {{\"path\": \"...\"}}: {e.Message}" }, statusCode: StatusCodes.Status400BadRequest);
                }
            }

            return await reloader.ReloadAsync(folder, context.RequestAborted) switch
            {
                ModelReloadOutcome.Switched s => Results.Json(new { previousVersion = s.PreviousVersion, version = s.Version, path = s.Path, loadedAt = s.LoadedAt }),
                ModelReloadOutcome.Rejected r => Results.Json(new { error = r.Reason, version = r.CurrentVersion }, statusCode: StatusCodes.Status422UnprocessableEntity),
                ModelReloadOutcome.NotPublished n => Results.Json(new { error = n.Reason, version = n.CurrentVersion }, statusCode: StatusCodes.Status503ServiceUnavailable),
                _ => Results.StatusCode(StatusCodes.Status500InternalServerError),
            };
        });
        return app;
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private sealed record ReloadRequest(string? Path);
}
