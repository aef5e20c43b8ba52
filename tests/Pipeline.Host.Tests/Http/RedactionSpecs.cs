using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using Pipeline.Host.Http;

namespace Pipeline.Host.Tests.Http;

/// <summary>Secrets and local paths stay inside the process: status, probes and error texts show redacted forms.</summary>
public sealed class RedactionSpecs(PostgresFixture postgres)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>A loopback port nothing listens on: every fetch fails, so the scraper reports the instance with an error.</summary>
    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    [Fact]
    public async Task Status_sources_shows_a_nitter_instance_without_its_password()
    {
        var instance = $"http://scraper:hunter2-secret@127.0.0.1:{ClosedPort()}/";
        await using var service = await GuardedService.StartAsync(postgres, $$"""
            pipeline.scraping.nitter.enabled = on
            pipeline.scraping.nitter.instances = ["{{instance}}"]
            pipeline.scraping.request-interval = 0s
            pipeline.scraping.retry-min-backoff = 100ms
            pipeline.scraping.retry-max-backoff = 1s
            pipeline.companies = [{ id = northwind, name = "Northwind Bank", handles = ["@NorthwindHelp"], terms = ["northwind bank"] }]
            akka.loglevel = WARNING
            """);

        var status = await Eventually.ValueAsync(last => $"a scraper error in /status/sources (last: {last})",
            () => Http.GetStringAsync(new Uri(service.Root, "/status/sources")),
            s => s.Contains("lastError\":\"", StringComparison.Ordinal), TimeSpan.FromSeconds(60));

        var scraper = Assert.Single(JsonDocument.Parse(status).RootElement.EnumerateArray());
        var shown = Assert.Single(scraper.GetProperty("instances").EnumerateArray()).GetProperty("url").GetString();
        Assert.NotNull(scraper.GetProperty("lastError").GetString());
        Assert.DoesNotContain("hunter2", status, StringComparison.Ordinal);
        Assert.DoesNotContain("scraper:", status, StringComparison.Ordinal);
        Assert.StartsWith("http://***@127.0.0.1:", shown, StringComparison.Ordinal);
        Assert.Contains("***@127.0.0.1", scraper.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        using var ready = await Http.GetAsync(new Uri(service.Root, "/ready"));
        var readiness = await ready.Content.ReadAsStringAsync();
        TestContext.Current.TestOutputHelper?.WriteLine(readiness);
        Assert.DoesNotContain("hunter2", readiness, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", await Http.GetStringAsync(new Uri(service.Root, "/metrics")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ready_shows_folder_names_but_no_absolute_path_unless_the_caller_is_an_operator()
    {
        await using var service = await GuardedService.StartAsync(postgres, environment: AdminAuthSpecs.WithAdminToken);
        var modelFolder = Path.Combine(AppContext.BaseDirectory, "models");

        var anonymous = await Http.GetStringAsync(new Uri(service.Root, "/ready"));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(service.Root, "/ready"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", GuardedService.AdminToken);
        using var operatorResponse = await Http.SendAsync(request);
        var operatorView = await operatorResponse.Content.ReadAsStringAsync();

        var sentiment = JsonDocument.Parse(anonymous).RootElement.GetProperty("checks").EnumerateArray()
            .Single(c => c.GetProperty("name").GetString() == "sentiment-model");
        Assert.Equal("sentiment", sentiment.GetProperty("data").GetProperty("origin").GetString());
        Assert.Equal("lexicon-guarded", sentiment.GetProperty("data").GetProperty("version").GetString());
        foreach (var secret in new[] { modelFolder, service.Folder.Path, AppContext.BaseDirectory.TrimEnd('/'), "/tmp/", "/home/" })
        {
            Assert.DoesNotContain(JsonEncodedText.Encode(secret).ToString(), anonymous, StringComparison.Ordinal);
        }

        Assert.Contains(JsonEncodedText.Encode(Path.Combine(modelFolder, "sentiment")).ToString(), operatorView, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_database_is_reported_without_the_drivers_words()
    {
        await using var dataSource = Npgsql.NpgsqlDataSource.Create($"Host=127.0.0.1;Port={ClosedPort()};Username=writer;Password=hunter2;Timeout=2");

        var result = await new DatabaseHealthCheck(dataSource).CheckHealthAsync(new());

        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy, result.Status);
        Assert.Equal("database unreachable", result.Description);
        Assert.NotNull(result.Exception);
    }
}
