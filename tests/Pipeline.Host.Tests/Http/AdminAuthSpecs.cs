using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Pipeline.Host.Tests.Commands;

namespace Pipeline.Host.Tests.Http;

/// <summary>
/// <c>/admin/*</c> on the running service: the admin token (<c>PIPELINE_ADMIN_TOKEN</c>) when one is configured,
/// loopback callers only when none is. The reload endpoints stand for every admin endpoint: the guard is on the route group.
/// </summary>
public sealed class AdminAuthSpecs(PostgresFixture postgres)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };
    internal static readonly Dictionary<string, string> WithAdminToken = new() { ["PIPELINE_ADMIN_TOKEN"] = GuardedService.AdminToken };

    private static HttpRequestMessage Reload(Uri root, string? token = null, string path = "/admin/sentiment/reload")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(root, path));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return request;
    }

    [Fact]
    public async Task With_a_token_configured_a_reload_needs_it_401_without_or_with_a_wrong_one_and_200_with_it()
    {
        await using var service = await GuardedService.StartAsync(postgres, environment: WithAdminToken);

        using var without = await Http.SendAsync(Reload(service.Root));
        using var wrong = await Http.SendAsync(Reload(service.Root, "admin-token-7f3b"));
        using var wrongTopics = await Http.SendAsync(Reload(service.Root, "admin-token-7f3", "/admin/topics/reload"));
        using var right = await Http.SendAsync(Reload(service.Root, GuardedService.AdminToken));

        Assert.Equal(HttpStatusCode.Unauthorized, without.StatusCode);
        Assert.Equal("Bearer", Assert.Single(without.Headers.WwwAuthenticate).Scheme);
        Assert.Contains("PIPELINE_ADMIN_TOKEN", await without.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal("Bearer", Assert.Single(wrong.Headers.WwwAuthenticate).Scheme);
        // The guard answers before the endpoint: a disabled stage (topics are off) tells a stranger nothing either.
        Assert.Equal(HttpStatusCode.Unauthorized, wrongTopics.StatusCode);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Equal("lexicon-guarded", JsonDocument.Parse(await right.Content.ReadAsStringAsync()).RootElement.GetProperty("version").GetString());
    }

    [Fact]
    public async Task Every_endpoint_under_admin_is_guarded()
    {
        using var folder = new TempDirectory();
        var config = GuardedService.Configure(folder, "Host=unused", "pipeline.topics.enabled = on");
        await using var app = PipelineComposition.BuildService(Pipeline.Host.Settings.SettingsLoader.Load(config), config,
            Npgsql.NpgsqlDataSource.Create("Host=unused"), ["http://127.0.0.1:0"], environment: _ => null, sentimentScorers: _ => new LexiconSentimentScorer());

        var admin = ((Microsoft.AspNetCore.Routing.IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints)
            .OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/admin", StringComparison.OrdinalIgnoreCase) == true)
            .ToList();

        Assert.Equal(["/admin/forget", "/admin/sentiment/reload", "/admin/topics/reload"], admin.Select(e => e.RoutePattern.RawText).Order());
        Assert.All(admin, e => Assert.NotNull(e.Metadata.GetMetadata<Pipeline.Host.Http.HttpSecurity.AdminOnly>()));
    }

    [Fact]
    public async Task The_dashboard_credentials_do_not_open_admin_endpoints()
    {
        await using var service = await GuardedService.StartAsync(postgres, "pipeline.http.dashboard-auth = on", new Dictionary<string, string>
        {
            ["PIPELINE_ADMIN_TOKEN"] = GuardedService.AdminToken,
            ["PIPELINE_DASHBOARD_TOKEN"] = "dashboard-token",
        });

        using var response = await Http.SendAsync(Reload(service.Root, "dashboard-token"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Without_a_configured_token_a_loopback_caller_may_reload()
    {
        await using var service = await GuardedService.StartAsync(postgres);

        using var response = await Http.SendAsync(Reload(service.Root));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>
    /// The service listens on this machine's own network address and is called there, so the caller's address is
    /// not loopback: the real check on a real connection, not a unit test of the rule.
    /// </summary>
    [Fact]
    public async Task Without_a_configured_token_a_caller_beyond_loopback_is_refused_with_403()
    {
        var address = GuardedService.NetworkAddress();
        await using var service = await GuardedService.StartAsync(postgres,
            $"pipeline.http.host = \"{address}\"\npipeline.http.dashboard-auth = off", bind: address);

        using var response = await Http.SendAsync(Reload(service.Root));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("PIPELINE_ADMIN_TOKEN", await response.Content.ReadAsStringAsync());
    }
}

/// <summary>The reload verbs against a service that wants the token; in the console collection, since the verb prints.</summary>
[Collection(StandardErrorCollection.Name)]
public sealed class ReloadVerbAuthSpecs(PostgresFixture postgres)
{
    [Fact]
    public async Task The_reload_verb_sends_the_admin_token_from_the_environment_and_fails_without_it()
    {
        await using var service = await GuardedService.StartAsync(postgres, environment: AdminAuthSpecs.WithAdminToken);

        var withToken = await Pipeline.Host.Commands.ReloadModelCommand.SentimentAsync(
            null, service.Root, null, CancellationToken.None, AdminAuthSpecs.WithAdminToken.GetValueOrDefault);
        var withoutToken = await Pipeline.Host.Commands.ReloadModelCommand.SentimentAsync(
            null, service.Root, null, CancellationToken.None, _ => null);

        Assert.Equal(Pipeline.Host.Commands.ExitCodes.Ok, withToken);
        Assert.Equal(Pipeline.Host.Commands.ExitCodes.Failed, withoutToken);
    }
}
