using System.Text.Json;
using Akka.Actor;
using Akka.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Host.Database;
using Pipeline.Host.Settings;
using static Pipeline.Tests.Shared.FakeHttpServer;

namespace Pipeline.Host.Tests.Http;

/// <summary>
/// The service with collection on: cluster of one, sharded scraper entities, journal in
/// PostgreSQL, the X API played by a loopback server.
/// </summary>
public sealed class ScrapingServiceSpecs(PostgresFixture postgres)
{
    private const string SearchPath = "/2/tweets/search/recent";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static (PipelineSettings Settings, Config Config) Configure(string connectionString, string folder, Uri api)
    {
        var config = ConfigurationFactory.ParseString($$"""
            pipeline.database.connection-string = "{{connectionString}}"
            pipeline.import.inbox = "{{folder}}/inbox"
            pipeline.import.files = []
            pipeline.topics.enabled = off
            pipeline.sentiment.enabled = off
            pipeline.sink.max-wait = 50ms
            pipeline.scraping.backfill-days = 1
            pipeline.scraping.poll-interval = 1h
            pipeline.scraping.request-interval = 0s
            pipeline.scraping.retry-min-backoff = 100ms
            pipeline.scraping.retry-max-backoff = 1s
            pipeline.scraping.diagnostics = "{{folder}}/diagnostics"
            pipeline.scraping.x-api.enabled = on
            pipeline.scraping.x-api.base-url = "{{api}}"
            pipeline.companies = [{ id = northwind, name = "Northwind Bank", handles = ["@NorthwindHelp"], terms = ["northwind bank"], country = Nigeria, industry = Banking }]
            akka.loglevel = WARNING
            """).WithFallback(SettingsLoader.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "pipeline.conf")), _ => null));
        return (SettingsLoader.Load(config), config);
    }

    private static string Page(IEnumerable<long> ids, string? next) => JsonSerializer.Serialize(new
    {
        data = ids.Select(id => new
        {
            id = id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            text = $"Northwind Bank reversal still pending, ref {id}",
            author_id = "42",
            created_at = DateTimeOffset.UtcNow.AddHours(-3).ToString("yyyy-MM-dd'T'HH:mm:ss'.000Z'"),
            lang = "en",
        }),
        includes = new { users = new[] { new { id = "42", username = "ada_obi", name = "Ada" } } },
        meta = next is null ? (object)new { result_count = 2 } : new { result_count = 2, next_token = next },
    });

    private static Func<string, string?> Environment(string token) => name => name == "PIPELINE_X_BEARER_TOKEN" ? token : null;

    [Fact]
    public async Task Node_killed_mid_backfill_resumes_from_the_journal_with_no_gap_and_no_duplicate()
    {
        using var folder = new TempDirectory();
        await using var api = await StartAsync();
        api.Then(SearchPath, Respond(200, Page([1001, 1002], "P2"), "application/json"))
            .Then(SearchPath, Respond(200, Page([1003, 1004], "P3"), "application/json"))
            .Then(SearchPath, Respond(200, Page([1005, 1006], "P4"), "application/json"))
            .Then(SearchPath, Respond(200, Page([1007, 1008], "P5"), "application/json", delay: TimeSpan.FromSeconds(60)))
            .Then(SearchPath, Respond(200, Page([1007, 1008], "P5"), "application/json"))
            .Then(SearchPath, Respond(200, Page([1009, 1010], null), "application/json"));
        var (settings, config) = Configure(await postgres.CreateDatabaseAsync(), folder.Path, api.BaseUrl);
        await using var database = await PipelineDatabase.OpenAsync(settings, NullLoggerFactory.Instance);

        var first = PipelineComposition.BuildService(settings, config, database.DataSource, ["http://127.0.0.1:0"],
            database.ConnectionString, Environment("secret-token"));
        await first.StartAsync();
        await AwaitAsync(() => api.Requests.Count >= 4);
        // A crash: the actor system goes away while the fourth page is in flight.
        await first.Services.GetRequiredService<ActorSystem>().Terminate();
        await first.DisposeAsync();

        var second = PipelineComposition.BuildService(settings, config, database.DataSource, ["http://127.0.0.1:0"],
            database.ConnectionString, Environment("secret-token"));
        await second.StartAsync();
        await using var _ = second;
        await AwaitAsync(async () => (await StoredPosts.IdsAsync(database.DataSource)).Count == 10);

        Assert.Equal(Enumerable.Range(1001, 10).Select(i => (long)i), await StoredPosts.IdsAsync(database.DataSource));
        Assert.Contains("next_token=P4", api.Requests[4].Query);
        Assert.Equal(6, api.Requests.Count);
        Assert.All(api.Requests, r => Assert.Equal("Bearer secret-token", r.Headers["Authorization"]));

        var root = new Uri(second.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        using var http = new HttpClient();
        await AwaitAsync(async () => (await http.GetAsync(new Uri(root, "/healthz/ready"))).IsSuccessStatusCode);
        var ready = await http.GetStringAsync(new Uri(root, "/healthz/ready"));
        Assert.Contains("akka-persistence-journal", ready);
        Assert.Contains("scraper-graph", ready);
        Assert.Contains("cluster", ready, StringComparison.OrdinalIgnoreCase);
        // The status is published after the last checkpoint reaches the journal, a moment after the rows.
        JsonElement scraper = default;
        await AwaitAsync(async () =>
        {
            var status = JsonDocument.Parse(await http.GetStringAsync(new Uri(root, "/status/sources"))).RootElement;
            scraper = Assert.Single(status.EnumerateArray());
            return scraper.GetProperty("mode").GetString() == "live";
        });
        Assert.Equal("x_api-northwind", scraper.GetProperty("scraper").GetString());
        Assert.Equal(1010, scraper.GetProperty("newestId").GetInt64());
    }

    [Fact]
    public async Task Scraping_without_a_bearer_token_stops_start_up_naming_the_variable()
    {
        using var folder = new TempDirectory();
        var (settings, config) = Configure("Host=unused", folder.Path, new Uri("http://127.0.0.1:9/"));

        var error = Assert.Throws<SettingsException>(() => PipelineComposition.BuildService(
            settings, config, Npgsql.NpgsqlDataSource.Create("Host=unused"), ["http://127.0.0.1:0"], "Host=unused", _ => null));

        Assert.Contains("PIPELINE_X_BEARER_TOKEN", error.Message);
    }

    private static Task AwaitAsync(Func<bool> condition) => Eventually.TrueAsync("the awaited condition", condition, Patience);

    private static Task AwaitAsync(Func<Task<bool>> condition) => Eventually.TrueAsync("the awaited condition", condition, Patience);
}
