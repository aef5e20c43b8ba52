using System.Text.Json;
using Npgsql;
using Pipeline.Actors.Storage;
using Pipeline.Host.Settings;

namespace Pipeline.Host.Http;

/// <summary>Who made an admin request, for the audit trail: the credential it showed and where it came from.</summary>
public static class AdminCaller
{
    public static string Describe(HttpContext context)
    {
        var credential = context.RequestServices.GetRequiredService<HttpGuard>().Identify(context) switch
        {
            Caller.Admin => "admin-token",
            Caller.Dashboard => "dashboard-credential",
            // Served only to loopback callers, and only while no admin token is set (HttpAccessRules.Admin).
            _ => "loopback-without-token",
        };
        return $"http:{credential}@{context.Connection.RemoteIpAddress}";
    }

    /// <summary>Writes the audit row; a failure to write it is logged, never turned into a failed answer for an action already done.</summary>
    public static async Task AuditAsync(HttpContext context, string action, object? parameters, string outcome)
    {
        var services = context.RequestServices;
        try
        {
            await AuditTrail.RecordAsync(services.GetRequiredService<NpgsqlDataSource>(), action, parameters, outcome, Describe(context), CancellationToken.None);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AdminCaller))
                .LogError(e, "Could not write the audit row of {Action} ({Outcome})", action, outcome);
        }
    }
}

/// <summary>
/// <c>POST /admin/forget</c> with <c>{"post": ID}</c> or <c>{"author": "HANDLE"}</c> (or <c>?post=</c> / <c>?author=</c>):
/// what <c>pipeline forget</c> does, on the running service (<see cref="DataSubjects.ForgetAsync"/>). 200 with the counts
/// removed, 400 for a request that names neither or both. Access: the admin token, as for the model reloads. Every
/// request leaves one audit row naming the subject by its tombstone, never by handle or id.
/// </summary>
public static class DataSubjectEndpoints
{
    public const string ForgetPath = HttpSecurity.AdminPrefix + ForgetRoute;

    private const string ForgetRoute = "/forget";

    /// <param name="admin">The <c>/admin</c> route group.</param>
    public static IEndpointRouteBuilder MapDataSubjects(this IEndpointRouteBuilder admin)
    {
        admin.MapPost(ForgetRoute, async (HttpContext context) =>
        {
            var (subject, problem) = await ReadSubjectAsync(context);
            if (subject is null)
            {
                await AdminCaller.AuditAsync(context, "forget", new { }, $"refused: {problem}");
                return Results.Json(new { error = problem }, statusCode: StatusCodes.Status400BadRequest);
            }

            var services = context.RequestServices;
            var dataSource = services.GetRequiredService<NpgsqlDataSource>();
            var keys = await PrivacyKeys.LoadAsync(dataSource, services.GetRequiredService<PrivacySecret>().Value, context.RequestAborted);
            var parameters = ForgetAudit.Parameters(keys, subject);
            ForgetReport report;
            try
            {
                report = await DataSubjects.ForgetAsync(dataSource, keys, subject,
                    services.GetRequiredService<PipelineSettings>().Scraping.Diagnostics, context.RequestAborted);
            }
            catch (Exception e)
            {
                await AdminCaller.AuditAsync(context, "forget", parameters, $"failed: {e.GetType().Name}");
                throw;
            }

            await AdminCaller.AuditAsync(context, "forget", parameters, ForgetAudit.Outcome(report));
            return Results.Json(report, JsonOptions);
        });
        return admin;
    }

    private static async Task<(DataSubject? Subject, string? Problem)> ReadSubjectAsync(HttpContext context)
    {
        string? post = context.Request.Query["post"];
        string? author = context.Request.Query["author"];
        if (post is null && author is null && context.Request.HasJsonContentType())
        {
            try
            {
                var body = await JsonSerializer.DeserializeAsync<ForgetRequest>(context.Request.Body, JsonOptions, context.RequestAborted);
                (post, author) = (body?.Post?.ToString(), body?.Author);
            }
            catch (JsonException e)
            {
                return (null, $"body is not {{\"post\": ID}} or {{\"author\": \"HANDLE\"}}: {e.Message}");
            }
        }

        var (subject, problem) = ForgetAudit.Subject(post, author);
        return post is null && author is null
            ? (null, problem + """: {"post": ID} or {"author": "HANDLE"} as a JSON body, or ?post=ID or ?author=HANDLE""")
            : (subject, problem);
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowReadingFromString,
    };

    private sealed record ForgetRequest(long? Post, string? Author);
}

/// <summary>What forget's request and audit row say, shared by the endpoint and the command.</summary>
public static class ForgetAudit
{
    /// <summary>The subject from a post id and/or a handle as given, or why there is none.</summary>
    public static (DataSubject? Subject, string? Problem) Subject(string? post, string? author) => (post, author) switch
    {
        (not null, not null) => (null, "give a post or an author, not both"),
        (not null, null) when long.TryParse(post, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) && id > 0
            => (new DataSubject.Post(id), null),
        (not null, null) => (null, $"post {post}: not a post id (a positive whole number)"),
        (null, not null) when PrivacyKeys.NormalizeHandle(author).Length > 0 => (new DataSubject.Author(author), null),
        _ => (null, "give a post id or an author's handle"),
    };

    /// <summary>The subject by kind and tombstone (16 hex digits of it): an auditor can tell two requests about the same subject apart from others, nobody can read the handle or id back.</summary>
    public static object Parameters(PrivacyKeys keys, DataSubject subject) => subject switch
    {
        DataSubject.Author a => new { subject = "author", tombstone = Convert.ToHexStringLower(keys.AuthorTombstone(a.Handle))[..16] },
        DataSubject.Post p => new { subject = "post", tombstone = Convert.ToHexStringLower(keys.PostTombstone(p.PostId))[..16] },
        _ => throw new ArgumentOutOfRangeException(nameof(subject)),
    };

    public static string Outcome(ForgetReport report) =>
        $"forgotten: {report.Posts} posts ({report.ScoredPosts} scored), {report.QuarantineEntries} quarantine entries, " +
        $"{report.DiagnosticsFiles} diagnostics files removed; {report.Tombstones} tombstones added";
}
