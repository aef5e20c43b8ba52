using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Pipeline.Host.Settings;

namespace Pipeline.Host.Tests.Http;

/// <summary><c>pipeline.http.dashboard-auth</c>: what asks for a login, what takes one, and what stays open for orchestrators.</summary>
public sealed class DashboardAuthSpecs(PostgresFixture postgres)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private static readonly string[] Covered = ["/", "/dashboard", "/dashboard/dashboard.js", "/api/dashboard/options", "/api/dashboard/alerts", "/metrics", "/status/sources"];
    private static readonly string[] Probes = ["/healthz/live", "/healthz/ready", "/alive", "/ready"];

    private static readonly Dictionary<string, string> Credentials = new()
    {
        ["PIPELINE_DASHBOARD_USER"] = "ops",
        ["PIPELINE_DASHBOARD_PASSWORD"] = "correct horse",
        ["PIPELINE_DASHBOARD_TOKEN"] = "dashboard-token-91",
        ["PIPELINE_ADMIN_TOKEN"] = GuardedService.AdminToken,
    };

    private static async Task<HttpResponseMessage> GetAsync(Uri root, string path, AuthenticationHeaderValue? authorization = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(root, path));
        request.Headers.Authorization = authorization;
        return await Http.SendAsync(request);
    }

    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    private static async Task<HttpStatusCode[]> StatusesAsync(Uri root, IEnumerable<string> paths, AuthenticationHeaderValue? authorization = null) =>
        await Task.WhenAll(paths.Select(async path =>
        {
            using var response = await GetAsync(root, path, authorization);
            return response.StatusCode;
        }));

    [Fact]
    public async Task When_on_the_dashboard_metrics_and_status_answer_401_without_credentials_and_200_with_basic_bearer_or_the_admin_token()
    {
        await using var service = await GuardedService.StartAsync(postgres, "pipeline.http.dashboard-auth = on", Credentials);

        using var challenge = await GetAsync(service.Root, "/");
        Assert.Equal(HttpStatusCode.Unauthorized, challenge.StatusCode);
        Assert.Equal(["Basic", "Bearer"], challenge.Headers.WwwAuthenticate.Select(h => h.Scheme).Order());
        Assert.All(await StatusesAsync(service.Root, Covered), s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        Assert.All(await StatusesAsync(service.Root, Covered, Basic("ops", "wrong")), s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        Assert.All(await StatusesAsync(service.Root, Covered, Basic("pipeline", "correct horse")), s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        Assert.All(await StatusesAsync(service.Root, Covered, new AuthenticationHeaderValue("Bearer", "dashboard-token-9")),
            s => Assert.Equal(HttpStatusCode.Unauthorized, s));

        Assert.All(await StatusesAsync(service.Root, Covered, Basic("ops", "correct horse")), s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.All(await StatusesAsync(service.Root, Covered, new AuthenticationHeaderValue("Bearer", "dashboard-token-91")),
            s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.All(await StatusesAsync(service.Root, Covered, new AuthenticationHeaderValue("Bearer", GuardedService.AdminToken)),
            s => Assert.Equal(HttpStatusCode.OK, s));
        // Orchestrators probe without credentials.
        Assert.All(await StatusesAsync(service.Root, Probes), s => Assert.Equal(HttpStatusCode.OK, s));
        // The link alert webhooks carry asks for the same login before it says whether the alert exists.
        Assert.Equal([HttpStatusCode.Unauthorized], await StatusesAsync(service.Root, ["/api/alerts/1/posts"]));
        Assert.Equal([HttpStatusCode.NotFound], await StatusesAsync(service.Root, ["/api/alerts/1/posts"], Basic("ops", "correct horse")));
    }

    [Fact]
    public async Task Auto_is_off_while_bound_to_loopback()
    {
        await using var service = await GuardedService.StartAsync(postgres);

        Assert.All(await StatusesAsync(service.Root, Covered), s => Assert.Equal(HttpStatusCode.OK, s));
    }

    [Fact]
    public async Task Auto_is_on_when_bound_beyond_loopback()
    {
        var address = GuardedService.NetworkAddress();
        await using var service = await GuardedService.StartAsync(postgres, $"pipeline.http.host = \"{address}\"",
            new Dictionary<string, string> { ["PIPELINE_DASHBOARD_TOKEN"] = "dashboard-token-91" }, bind: address);

        Assert.All(await StatusesAsync(service.Root, Covered), s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        Assert.All(await StatusesAsync(service.Root, Covered, new AuthenticationHeaderValue("Bearer", "dashboard-token-91")),
            s => Assert.Equal(HttpStatusCode.OK, s));
    }

    [Theory]
    [InlineData("pipeline.http.dashboard-auth = on", "pipeline.http.dashboard-auth = on")]
    [InlineData("pipeline.http.host = \"0.0.0.0\"", "pipeline.http.dashboard-auth = auto, and pipeline.http.host = \"0.0.0.0\"")]
    public void A_login_without_a_credential_stops_start_up_naming_the_setting_and_the_variables(string hocon, string expected)
    {
        using var folder = new TempDirectory();
        var config = GuardedService.Configure(folder, "Host=unused", hocon);
        var settings = SettingsLoader.Load(config);

        var error = Assert.Throws<SettingsException>(() => PipelineComposition.BuildService(
            settings, config, Npgsql.NpgsqlDataSource.Create("Host=unused"), ["http://127.0.0.1:0"], environment: _ => null,
            sentimentScorers: _ => new LexiconSentimentScorer()));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains("PIPELINE_DASHBOARD_PASSWORD", error.Message, StringComparison.Ordinal);
        Assert.Contains("PIPELINE_DASHBOARD_TOKEN", error.Message, StringComparison.Ordinal);
    }
}
