using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Akka;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Streams.Dsl;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Sources.Scraping;
using Pipeline.Host.Database;
using Pipeline.Host.Settings;

namespace Pipeline.Host.Tests.Http;

/// <summary>
/// The service with collection on (cluster of one, sharded scrapers, journal in PostgreSQL, the X API played by a
/// loopback server) when its shared graph fails and when its configuration loses a company.
/// </summary>
public sealed class ScraperSupervisionSpecs(PostgresFixture postgres)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private static readonly (string Id, string Name, string Handle)[] Banks =
    [
        ("northwind", "Northwind Bank", "NorthwindHelp"),
        ("contoso", "Contoso Bank", "ContosoCare"),
        ("fabrikam", "Fabrikam Bank", "FabrikamPay"),
    ];

    /// <param name="extra">HOCON that overrides the rest (another test turns sentiment on).</param>
    internal static (PipelineSettings Settings, Config Config) Configure(
        string connectionString, string folder, Uri api, IEnumerable<(string Id, string Name, string Handle)> banks, string extra = "")
    {
        var companies = string.Join(", ", banks.Select(b =>
            $$"""{ id = {{b.Id}}, name = "{{b.Name}}", handles = ["@{{b.Handle}}"], terms = ["{{b.Name.ToLowerInvariant()}}"], country = Nigeria, industry = Banking }"""));
        var config = ConfigurationFactory.ParseString($$"""
            pipeline.database.connection-string = "{{connectionString}}"
            pipeline.import.inbox = "{{folder}}/inbox"
            pipeline.import.files = []
            pipeline.topics.enabled = off
            pipeline.sentiment.enabled = off
            pipeline.sink.max-wait = 50ms
            pipeline.supervision.min-backoff = 2s
            pipeline.supervision.max-backoff = 10s
            pipeline.scraping.backfill-days = 1
            pipeline.scraping.poll-interval = 1h
            pipeline.scraping.request-interval = 0s
            pipeline.scraping.retry-min-backoff = 100ms
            pipeline.scraping.retry-max-backoff = 1s
            pipeline.scraping.diagnostics = "{{folder}}/diagnostics"
            pipeline.scraping.x-api.enabled = on
            pipeline.scraping.x-api.base-url = "{{api}}"
            pipeline.companies = [{{companies}}]
            akka.loglevel = WARNING
            {{extra}}
            """).WithFallback(SettingsLoader.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "pipeline.conf")), _ => null));
        return (SettingsLoader.Load(config), config);
    }

    internal static Func<string, string?> Token => name => name == "PIPELINE_X_BEARER_TOKEN" ? "secret-token" : null;

    [Fact]
    public async Task Shared_graph_that_fails_once_restarts_by_itself_and_stores_exactly_what_an_undisturbed_run_stores()
    {
        using var folder = new TempDirectory();
        var api = new SearchResults(Banks, pages: 6, perPage: 20, postedAround: DateTimeOffset.UtcNow.AddHours(-3));
        await using var server = await FakeHttpServer.StartAsync();
        server.Otherwise(api.Answer);
        var failure = new FailsOnce(atItem: 150);

        // Two services side by side on the same answers, each with its own database: one undisturbed, one whose graph fails once.
        await using var undisturbed = await RunAsync(folder.Combine("a"), server.BaseUrl, extraStages: null);
        await using var disturbed = await RunAsync(folder.Combine("b"), server.BaseUrl, extraStages: [failure.Stage]);
        using var watch = ReadinessWatch.Start(disturbed.Root);

        await AwaitAsync("every scraper of both services live", () => Task.FromResult(undisturbed.AllLive(Banks.Length) && disturbed.AllLive(Banks.Length)));
        await AwaitAsync("the graph running again", () => Task.FromResult(disturbed.Graph.State.Phase == SharedGraphPhase.Running && disturbed.Graph.State.Restarts == 1));
        var samples = await watch.StopAsync();

        // The injected failure happened, and the graph restarted within a bounded time, readiness following by itself.
        var failedAt = Assert.NotNull(failure.FailedAt);
        var down = samples.FirstOrDefault(s => s.At >= failedAt && s.Status == HttpStatusCode.ServiceUnavailable);
        Assert.True(down is not null, "/ready never answered 503 after the failure: " + string.Join(" | ", samples.TakeLast(5)));
        Assert.Contains("restarting with backoff (restart 1)", down.GraphCheck);
        Assert.Contains("InvalidOperationException: injected failure at item 150", down.GraphCheck);
        var up = samples.FirstOrDefault(s => s.At > down.At && s.Status == HttpStatusCode.OK);
        Assert.True(up is not null, "/ready did not come back to 200: " + string.Join(" | ", samples.TakeLast(5)));
        Assert.InRange(up.At - failedAt, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(30));
        var graphCheck = await GraphCheckAsync(disturbed.Root);
        Assert.Equal(("Healthy", 2L, 1L), (graphCheck.GetProperty("status").GetString(), graphCheck.GetProperty("data").GetProperty("generation").GetInt64(),
            graphCheck.GetProperty("data").GetProperty("restarts").GetInt64()));
        Assert.Contains("injected failure at item 150", graphCheck.GetProperty("data").GetProperty("lastFailure").GetString());
        Assert.Contains("pipeline_graph_restarts_total{graph=\"scrapers\"} 1\n", await Http.GetStringAsync(new Uri(disturbed.Root, "/metrics")));
        Assert.Contains("pipeline_graph_restarts_total{graph=\"scrapers\"} 0\n", await Http.GetStringAsync(new Uri(undisturbed.Root, "/metrics")));

        // The scrapers resumed: every one finished its backfill, at the same newest post as the undisturbed run's.
        Assert.Equal(undisturbed.NewestIds(), disturbed.NewestIds());

        // Nothing lost, nothing stored twice: the same rows as the undisturbed run, and as many as the API served.
        var expected = await RowsAsync(undisturbed.Database, "SELECT post_id, company_id, coalesce(drop_reason, 'kept') FROM pipeline.raw_posts ORDER BY 1");
        Assert.Equal(Banks.Length * 6 * 20, expected.Count);
        Assert.Equal(expected, await RowsAsync(disturbed.Database, "SELECT post_id, company_id, coalesce(drop_reason, 'kept') FROM pipeline.raw_posts ORDER BY 1"));
        const string perCompany = "SELECT company_id, count(*) FROM pipeline.scored_posts GROUP BY 1 ORDER BY 1";
        Assert.Equal(await RowsAsync(undisturbed.Database, perCompany), await RowsAsync(disturbed.Database, perCompany));
        // The rollup the dashboards read counts each post once: it equals an aggregate made afresh, and the undisturbed run's.
        const string rollup = """
            SELECT day, company_id, coalesce(topic_id, -99), coalesce(sentiment_label, '-'), sum(posts), sum(scored)
            FROM pipeline.daily_rollup GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
            """;
        const string fresh = """
            SELECT (created_at AT TIME ZONE 'UTC')::date, company_id, coalesce(topic_id, -99), coalesce(sentiment_label, '-'), count(*), count(sentiment_score)
            FROM pipeline.scored_posts GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
            """;
        Assert.Equal(await RowsAsync(disturbed.Database, fresh), await RowsAsync(disturbed.Database, rollup));
        Assert.Equal(await RowsAsync(undisturbed.Database, rollup), await RowsAsync(disturbed.Database, rollup));
    }

    [Fact]
    public async Task Remembered_scraper_of_a_company_removed_from_the_configuration_stops_with_one_log_line_and_is_not_started_again()
    {
        using var folder = new TempDirectory();
        var kept = Banks[0];
        // Same shard as the kept company's scraper: when the kept one has recovered, the removed one's shard has
        // recovered its remembered entities too, so its absence on the third start means it is no longer remembered.
        var removed = SameShardAs(kept);
        var api = new SearchResults([kept, removed], pages: 1, perPage: 5, postedAround: DateTimeOffset.UtcNow.AddHours(-3));
        await using var server = await FakeHttpServer.StartAsync();
        server.Otherwise(api.Answer);
        var connectionString = await postgres.CreateDatabaseAsync();
        var retired = $"Scraper x_api:{removed.Id} was remembered but company '{removed.Id}' is no longer in pipeline.companies";

        // First start: both companies are collected, so both entities are remembered.
        await using (var first = await RunAsync(folder.Path, server.BaseUrl, banks: [kept, removed], connectionString: connectionString))
        {
            await AwaitAsync("both scrapers live", () => Task.FromResult(first.AllLive(2)));
        }

        // Second start without it: the shard starts the remembered entity, which says so once and passivates.
        await using (var second = await RunAsync(folder.Path, server.BaseUrl, banks: [kept], connectionString: connectionString))
        {
            await AwaitAsync("the removed company's scraper retired", () => Task.FromResult(second.Logs.Count(l => l.Contains(retired, StringComparison.Ordinal)) == 1));
            var region = second.App.Services.GetRequiredService<ActorRegistry>().Get<ScraperRegion>();
            await AwaitAsync("the retired entity gone from its shard", async () =>
                !(await region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, TimeSpan.FromSeconds(10)))
                    .Shards.SelectMany(s => s.EntityIds).Contains(ScraperHosting.EntityId("x_api", new(removed.Id))));
            await AwaitAsync("the kept scraper live", () => Task.FromResult(second.AllLive(1)));
            Assert.Single(second.Logs, l => l.Contains(retired, StringComparison.Ordinal));
            Assert.DoesNotContain(second.Logs, l => l.Contains("x_api-" + removed.Id, StringComparison.Ordinal));
        }

        // Third start: passivation took it out of the remembered entities, so nothing of it starts again.
        await using (var third = await RunAsync(folder.Path, server.BaseUrl, banks: [kept], connectionString: connectionString))
        {
            await AwaitAsync("the kept scraper recovered", () => Task.FromResult(third.AllLive(1)));
            var region = third.App.Services.GetRequiredService<ActorRegistry>().Get<ScraperRegion>();
            var entities = (await region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, TimeSpan.FromSeconds(10))).Shards.SelectMany(s => s.EntityIds).ToList();
            Assert.Equal([ScraperHosting.EntityId("x_api", new(kept.Id))], entities);
            Assert.DoesNotContain(third.Logs, l => l.Contains($"x_api:{removed.Id}", StringComparison.Ordinal));
        }

        // It was asked for once, on the first start, and never since.
        Assert.Equal(1, api.Requests(removed.Id));
    }

    /// <summary>A company whose scraper lands in the same shard as <paramref name="bank"/>'s (found among a few made-up names).</summary>
    private static (string Id, string Name, string Handle) SameShardAs((string Id, string Name, string Handle) bank)
    {
        var shards = HashCodeMessageExtractor.Create(30, m => ((ScraperEnvelope)m).EntityId, m => m);
        string Shard(string id) => shards.ShardId(ScraperHosting.EntityId("x_api", new(id)), StartScraping.Instance);
        var id = Enumerable.Range(1, 1000).Select(i => $"tailspin{i}").First(id => Shard(id) == Shard(bank.Id));
        return (id, $"Tailspin Bank {id[8..]}", $"Tailspin{id[8..]}");
    }

    private async Task<Running> RunAsync(string folder, Uri api, IReadOnlyList<Flow<PipelineItem, PipelineItem, NotUsed>>? extraStages = null,
        IEnumerable<(string Id, string Name, string Handle)>? banks = null, string? connectionString = null)
    {
        var (settings, config) = Configure(connectionString ?? await postgres.CreateDatabaseAsync(), folder, api, banks ?? Banks);
        var database = await PipelineDatabase.OpenAsync(settings, NullLoggerFactory.Instance);
        var app = PipelineComposition.BuildService(settings, config, database.DataSource, ["http://127.0.0.1:0"],
            database.ConnectionString, Token, extraStages: extraStages);
        var logs = new CapturedLogs();
        // Before start: Akka's logger takes its loggers from this factory when the actor system starts.
        app.Services.GetRequiredService<ILoggerFactory>().AddProvider(logs);
        await app.StartAsync();
        return new Running(app, database, logs);
    }

    private sealed class Running(WebApplication app, PipelineDatabase database, CapturedLogs logs) : IAsyncDisposable
    {
        public WebApplication App => app;

        public PipelineDatabase Database => database;

        public Uri Root => RunningService.Root(app);

        public IReadOnlyList<string> Logs => logs.Lines;

        public SharedGraphEntrance Graph => app.Services.GetRequiredService<SharedGraphEntrance>();

        public bool AllLive(int scrapers) =>
            app.Services.GetRequiredService<SourceStatusBoard>().All is var all && all.Count == scrapers && all.All(s => s.Mode == "live");

        public IReadOnlyList<(string, long?)> NewestIds() =>
            app.Services.GetRequiredService<SourceStatusBoard>().All.Select(s => (s.Scraper, s.NewestId)).ToList();

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
            await database.DisposeAsync();
        }
    }

    private sealed class FailsOnce(int atItem)
    {
        private int _seen;
        private long _failedAtTicks;

        public DateTimeOffset? FailedAt => Interlocked.Read(ref _failedAtTicks) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

        public Flow<PipelineItem, PipelineItem, NotUsed> Stage => Flow.Create<PipelineItem>().Select(item =>
        {
            if (Interlocked.Increment(ref _seen) == atItem)
            {
                Interlocked.Exchange(ref _failedAtTicks, DateTimeOffset.UtcNow.UtcTicks);
                throw new InvalidOperationException($"injected failure at item {atItem}");
            }

            return item;
        });
    }

    /// <summary>/ready polled every 50 ms while it runs, each answer with the scraper-graph check's description.</summary>
    private sealed class ReadinessWatch : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly ConcurrentQueue<Sample> _samples = new();
        private Task _loop = Task.CompletedTask;

        public static ReadinessWatch Start(Uri root)
        {
            var watch = new ReadinessWatch();
            watch._loop = watch.LoopAsync(root);
            return watch;
        }

        public async Task<IReadOnlyList<Sample>> StopAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            return _samples.ToList();
        }

        private async Task LoopAsync(Uri root)
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    var at = DateTimeOffset.UtcNow;
                    using var response = await Http.GetAsync(new Uri(root, "/ready"), _stop.Token);
                    var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(_stop.Token)).RootElement;
                    var graph = body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == ScraperHosting.GraphCheck);
                    _samples.Enqueue(new Sample(at, response.StatusCode, $"{graph.GetProperty("status").GetString()}: {graph.GetProperty("description").GetString()}"));
                    await timer.WaitForNextTickAsync(_stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _stop.Dispose();
        }

        public sealed record Sample(DateTimeOffset At, HttpStatusCode Status, string GraphCheck);
    }

    private static async Task<JsonElement> GraphCheckAsync(Uri root)
    {
        using var response = await Http.GetAsync(new Uri(root, "/ready"));
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("checks").EnumerateArray()
            .Single(c => c.GetProperty("name").GetString() == ScraperHosting.GraphCheck).Clone();
    }

    private static async Task<List<string>> RowsAsync(PipelineDatabase database, string sql)
    {
        var rows = new List<string>();
        await using var command = database.DataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(string.Join(" | ", Enumerable.Range(0, reader.FieldCount).Select(i => Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture))));
        }

        return rows;
    }

    private static Task AwaitAsync(string what, Func<Task<bool>> condition) => Eventually.TrueAsync(what, condition, Patience);
}
