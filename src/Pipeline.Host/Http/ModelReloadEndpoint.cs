using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using Pipeline.Host.Scoring;
using Pipeline.Host.Settings;

namespace Pipeline.Host.Http;

/// <summary>
/// <c>POST {path}</c>: switch a model without restarting. The folder comes from <c>?path=</c> or a
/// JSON body <c>{"path": "..."}</c>, else the configured model folder. 200 with the switch, 422 when
/// the folder is not a usable model (the old one keeps scoring), 409 when the stage is disabled, 400 for
/// two paths and 415 for a body that is not JSON.
/// A folder given in the request must resolve (links followed, <c>..</c> taken) to one under
/// <c>pipeline.http.models-root</c>; any other gets 403 with one fixed body, whether it exists or not, so the
/// endpoint neither loads from nor tells about the rest of the disk. Access: <see cref="HttpSecurity.RequireAdmin{TBuilder}"/> on the <c>/admin</c> group.
/// Every request, whatever its answer, leaves one row in the audit trail (<see cref="AdminCaller.AuditAsync"/>).
/// <para>
/// The reload goes to every node of the cluster (<see cref="ModelReloadPropagator"/>), this one included, with the folder
/// relative to the models root: each node loads it from under its own root, with the same confinement. The status is
/// this node's outcome (200, 422, 503 as above); <c>cluster</c> in the answer lists the other members' outcomes
/// (<c>switched</c>, <c>rejected</c> with the reason, <c>not-published</c>) received within
/// <c>pipeline.model-reloads.ack-timeout</c>, and <c>notAnswered</c> the members that did not answer by then. A member
/// that misses it (down, joining later) catches up by itself; <c>model-consensus</c> in /ready says when all agree.
/// </para>
/// </summary>
public static class ModelReloadEndpoint
{
    /// <summary>Topic models; the folder defaults to <c>pipeline.topics.model-dir</c>.</summary>
    public const string TopicsPath = HttpSecurity.AdminPrefix + TopicsRoute;

    /// <summary>Sentiment models; the folder defaults to <c>pipeline.sentiment.model-dir</c> and is read as the configured <c>pipeline.sentiment.scorer</c> kind.</summary>
    public const string SentimentPath = HttpSecurity.AdminPrefix + SentimentRoute;

    /// <summary>The same answer for every refused folder: nothing in it depends on the path or the disk.</summary>
    public const string OutsideModelsRoot = "the folder is not under the models root (pipeline.http.models-root)";

    private const string TopicsRoute = "/topics/reload";
    private const string SentimentRoute = "/sentiment/reload";

    /// <param name="admin">The <c>/admin</c> route group.</param>
    public static IEndpointRouteBuilder MapModelReloads(this IEndpointRouteBuilder admin) => admin
        .MapModelReload<TopicModelReloader>(TopicsRoute, ModelKind.Topics, "topics are disabled (pipeline.topics.enabled = off)")
        .MapModelReload<SentimentModelReloader>(SentimentRoute, ModelKind.Sentiment, "sentiment is disabled (pipeline.sentiment.enabled = off)");

    private static IEndpointRouteBuilder MapModelReload<TReloader>(this IEndpointRouteBuilder app, string path, ModelKind kind, string disabled)
        where TReloader : class, IModelReloader
    {
        var action = kind == ModelKind.Topics ? "reload-topics" : "reload-sentiment";
        // One audit row per request, whatever its answer: the path asked for (as given) and the outcome.
        app.MapPost(path, async (HttpContext context, IServiceProvider services) =>
        {
            var (result, outcome, asked) = await ReloadAsync<TReloader>(context, services, kind, disabled);
            await AdminCaller.AuditAsync(context, action, new { path = asked }, outcome);
            return result;
        });
        return app;
    }

    private static async Task<(IResult Result, string Outcome, string? Path)> ReloadAsync<TReloader>(
        HttpContext context, IServiceProvider services, ModelKind kind, string disabled)
        where TReloader : class, IModelReloader
    {
        if (services.GetService<TReloader>() is null)
        {
            return (Results.Json(new { error = disabled }, statusCode: StatusCodes.Status409Conflict), $"refused: {disabled}", null);
        }

        var paths = context.Request.Query["path"];
        if (paths.Count > 1)
        {
            return (Results.Json(new { error = "give one path" }, statusCode: StatusCodes.Status400BadRequest), "refused: more than one path", null);
        }

        string? folder = paths;
        var hasBody = context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0;
        if (folder is null && hasBody && !context.Request.HasJsonContentType())
        {
            // A body we cannot read must not turn into "reload the configured folder".
            return (Results.Json(new { error = "send the body as application/json, or give ?path=" },
                statusCode: StatusCodes.Status415UnsupportedMediaType), "refused: body not JSON", null);
        }

        if (folder is null && hasBody)
        {
            try
            {
                var body = await JsonSerializer.DeserializeAsync<ReloadRequest>(context.Request.Body, JsonOptions, context.RequestAborted);
                folder = body?.Path;
            }
            catch (JsonException e)
            {
                return (Results.Json(new { error = $"body is not {{\"path\": \"...\"}}: {e.Message}" }, statusCode: StatusCodes.Status400BadRequest),
                    "refused: body not {\"path\": ...}", null);
            }
        }

        var asked = folder;
        string? relative = null;
        if (!string.IsNullOrWhiteSpace(folder))
        {
            var root = services.GetRequiredService<PipelineSettings>().Http.ModelsRoot;
            // What loads is the resolved folder, not the path as given; it travels relative to the root because
            // every node resolves it under its own.
            folder = HttpAccessRules.UnderRoot(root, SettingsLoader.ResolveShippedDirectory(folder.Trim()));
            relative = folder is null ? null : ModelFolders.Relative(root, folder);
            if (relative is null)
            {
                return (Results.Json(new { error = OutsideModelsRoot }, statusCode: StatusCodes.Status403Forbidden), $"refused: {OutsideModelsRoot}", asked);
            }
        }

        var propagator = await services.GetRequiredService<IRequiredActor<ModelReloadPropagator>>().GetAsync(context.RequestAborted);
        var report = await propagator.Ask<ClusterReloadReport>(new ModelReloadPropagator.Reload(kind, relative), cancellationToken: context.RequestAborted);
        var cluster = Cluster(report);
        var self = report.Self;
        // The status is this node's outcome: the others are reported, and converge on their own (see ModelReloadPropagator).
        return self.Result switch
        {
            NodeReloadResult.Switched => (Results.Json(new { previousVersion = self.PreviousVersion, version = self.Version, path = self.Path, loadedAt = self.LoadedAt, cluster }),
                $"switched from {self.PreviousVersion} to {self.Version}", asked),
            NodeReloadResult.Rejected => (Results.Json(new { error = self.Error, version = self.Version, cluster }, statusCode: StatusCodes.Status422UnprocessableEntity),
                $"rejected: {self.Error}; {self.Version} keeps scoring", asked),
            NodeReloadResult.NotPublished => (Results.Json(new { error = self.Error, version = self.Version, cluster }, statusCode: StatusCodes.Status503ServiceUnavailable),
                $"not published: {self.Error}", asked),
            _ => (Results.StatusCode(StatusCodes.Status500InternalServerError), "failed", asked),
        };
    }

    /// <summary>The other members' answers (no paths: each is on its own disk) and who did not answer in time.</summary>
    private static object Cluster(ClusterReloadReport report) => new
    {
        node = report.Self.Node,
        nodes = report.Others.Select(o => new { node = o.Node, result = ResultName(o.Result), version = o.Version, error = o.Error }).ToList(),
        notAnswered = report.NotAnswered,
    };

    private static string ResultName(NodeReloadResult result) => result switch
    {
        NodeReloadResult.Switched => "switched",
        NodeReloadResult.Rejected => "rejected",
        _ => "not-published",
    };

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private sealed record ReloadRequest(string? Path);
}
