using Microsoft.AspNetCore.HostFiltering;
using Pipeline.Host.Settings;

namespace Pipeline.Host.Http;

/// <summary>
/// The management port's guards, in one place: security headers on every answer, HostFiltering (a foreign
/// <c>Host</c> gets 400, so a DNS-rebinding page cannot read the API), no unsafe request from another site
/// (403), and the filters route groups take: <see cref="RequireAdmin{TBuilder}"/> and <see cref="RequireDashboard{TBuilder}"/>.
/// </summary>
public static class HttpSecurity
{
    /// <summary>Every operation lives under this prefix, and gets <see cref="RequireAdmin{TBuilder}"/> through its route group.</summary>
    public const string AdminPrefix = "/admin";

    /// <summary>No inline script or style anywhere: an injected one would not run.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

    public static IServiceCollection AddHttpSecurity(this IServiceCollection services, HttpSettings http, HttpCredentials credentials)
    {
        services.AddSingleton(new HttpGuard(http, credentials));
        services.Configure<HostFilteringOptions>(o =>
        {
            o.AllowedHosts = [.. HttpAccessRules.AllowedHosts(http)];
            // The 400 names no host: what is allowed is nobody else's business.
            o.IncludeFailureMessage = false;
        });
        // The web host puts HostFiltering first through a startup filter of its own; ours goes ahead of it,
        // so that its 400 carries the security headers too.
        services.Insert(0, ServiceDescriptor.Transient<IStartupFilter, SecurityHeadersStartupFilter>());
        return services;
    }

    /// <summary>Refuses an unsafe request (POST, PUT, PATCH, DELETE) another site's page sent, whatever its path.</summary>
    public static WebApplication UseCrossSiteRefusal(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (HttpAccessRules.IsUnsafe(request.Method)
                && HttpAccessRules.IsCrossSite(request.Headers["Sec-Fetch-Site"].FirstOrDefault(), request.Headers.Origin.FirstOrDefault(),
                    request.Scheme, request.Host.Value ?? string.Empty))
            {
                await Results.Json(new { error = "cross-site request refused" }, statusCode: StatusCodes.Status403Forbidden).ExecuteAsync(context);
                return;
            }

            await next(context);
        });
        return app;
    }

    /// <summary><see cref="HttpAccessRules.Admin"/> on every endpoint of the group.</summary>
    public static TBuilder RequireAdmin<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(AdminOnly.Instance).AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var guard = http.RequestServices.GetRequiredService<HttpGuard>();
            return HttpAccessRules.Admin(guard.Identify(http), guard.Credentials.AdminToken is not null, http.Connection.RemoteIpAddress) switch
            {
                Access.Allowed => await next(context),
                Access.Challenge => Challenge(http, ["Bearer realm=\"pipeline-admin\""],
                    $"send Authorization: Bearer <the {HttpCredentials.AdminTokenVariable} token>"),
                _ => Results.Json(new { error = $"admin requests are served to loopback callers only while {HttpCredentials.AdminTokenVariable} is unset" },
                    statusCode: StatusCodes.Status403Forbidden),
            };
        });

    /// <summary><see cref="HttpAccessRules.Dashboard"/> on every endpoint of the group.</summary>
    public static TBuilder RequireDashboard<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var guard = http.RequestServices.GetRequiredService<HttpGuard>();
            return HttpAccessRules.Dashboard(guard.Identify(http), guard.Settings.DashboardAuthRequired) == Access.Allowed
                ? await next(context)
                : Challenge(http, guard.DashboardChallenges, "log in to the dashboard");
        });

    /// <summary>Marks an endpoint <see cref="RequireAdmin{TBuilder}"/> guards, so a test can find one under <c>/admin</c> that it does not.</summary>
    public sealed class AdminOnly
    {
        public static AdminOnly Instance { get; } = new();

        private AdminOnly()
        {
        }
    }

    private static IResult Challenge(HttpContext context, IReadOnlyList<string> challenges, string error)
    {
        context.Response.Headers.WWWAuthenticate = challenges.ToArray();
        return Results.Json(new { error }, statusCode: StatusCodes.Status401Unauthorized);
    }

    private sealed class SecurityHeadersStartupFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                // At start, not now: whatever answers (an endpoint, HostFiltering, a 404) may reset the headers first.
                context.Response.OnStarting(() =>
                {
                    var headers = context.Response.Headers;
                    headers.ContentSecurityPolicy = ContentSecurityPolicy;
                    headers.XContentTypeOptions = "nosniff";
                    headers.XFrameOptions = "DENY";
                    headers["Referrer-Policy"] = "no-referrer";
                    return Task.CompletedTask;
                });
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}

/// <summary>The settings and secrets the guards judge by, and who a request's credentials make its sender.</summary>
public sealed class HttpGuard(HttpSettings settings, HttpCredentials credentials)
{
    public HttpSettings Settings => settings;

    public HttpCredentials Credentials => credentials;

    /// <summary>Basic makes a browser ask for the password; Bearer tells a tool a token is expected.</summary>
    public IReadOnlyList<string> DashboardChallenges { get; } =
    [
        .. credentials.DashboardPassword is not null ? ["Basic realm=\"pipeline\", charset=\"UTF-8\""] : Array.Empty<string>(),
        .. credentials.DashboardToken is not null || credentials.AdminToken is not null ? ["Bearer realm=\"pipeline\""] : Array.Empty<string>(),
    ];

    public Caller Identify(HttpContext context) => credentials.Identify(context.Request.Headers.Authorization.FirstOrDefault());

    /// <summary>Someone who may read paths and database errors (on <c>/ready</c>): a dashboard or admin credential.</summary>
    public bool IsOperator(HttpContext context) => Identify(context) != Caller.Anonymous;
}
