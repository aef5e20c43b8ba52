using System.Text.Json;
using Akka.Actor;
using Akka.Streams;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Sources;
using Pipeline.Actors.Sources.Scraping;
using Pipeline.Actors.Sources.Nitter;
using Pipeline.Actors.Sources.XApi;
using Pipeline.Actors.Tests.Support;
using Pipeline.Models.Domain;

namespace Pipeline.Actors.Tests.Sources.Scraping;

/// <summary>A scraper wired as the service wires it: fake X API servers on loopback, the shared graph, a real database.</summary>
internal sealed class ScraperHarness : IAsyncDisposable
{
    public static readonly Company Northwind = new(new CompanyId("northwind"), "Northwind Bank",
        ["@NorthwindBank", "@NorthwindHelp"], ["northwind bank", "northwind"], "Nigeria", "Banking");

    private readonly HttpClient _http = new();
    private IActorRef? _graph;

    private ScraperHarness(TestDatabase database, IReadOnlyList<FakeHttpServer> servers, TempDirectory folder)
    {
        Database = database;
        Servers = servers;
        Folder = folder;
    }

    public TestDatabase Database { get; }

    public IReadOnlyList<FakeHttpServer> Servers { get; }

    public TempDirectory Folder { get; }

    public SourceStatusBoard Status { get; } = new();

    public PipelineCounters Counters { get; } = new();

    public static async Task<ScraperHarness> StartAsync(PostgresFixture postgres, int servers = 1)
    {
        var database = await TestDatabase.CreateAsync(postgres);
        var fakes = new List<FakeHttpServer>();
        for (var i = 0; i < servers; i++)
        {
            fakes.Add(await FakeHttpServer.StartAsync());
        }

        return new ScraperHarness(database, fakes, new TempDirectory());
    }

    /// <summary>The shared graph's entrance, as the scrapers use it (its state is what readiness reports).</summary>
    public SharedGraphEntrance Entrance { get; } = new();

    /// <summary>
    /// Starts the supervised shared graph once (as the service does), with <paramref name="scoring"/> between cleaning and the sink.
    /// </summary>
    public IActorRef Graph(ActorSystem system, IReadOnlyList<Akka.Streams.Dsl.Flow<PipelineItem, PipelineItem, Akka.NotUsed>>? scoring = null,
        SupervisionSettings? supervision = null) =>
        _graph ??= system.ActorOf(SharedGraphRunner.Props(Database.Graph(Counters, scoring: scoring), Entrance,
            supervision ?? new SupervisionSettings(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2), 0.2)), "scraper-graph");

    /// <summary>Starts a scraper actor for <see cref="Northwind"/> over every fake server, playing the X API or, with <paramref name="nitter"/>, Nitter instances.</summary>
    /// <param name="supervised">Under its backoff supervisor, as the service runs it.</param>
    /// <param name="wrap">Wraps each instance's source (a test's fault injection).</param>
    public IActorRef Scraper(ActorSystem system, ScrapeSchedule? schedule = null, TimeSpan? timeout = null, string? name = null, bool nitter = false,
        InputLimits? limits = null, bool supervised = false, Func<ISearchSource, ISearchSource>? wrap = null, string? diagnostics = null,
        RetryBackoff? backoff = null)
    {
        Graph(system);
        // As in the service, where the cluster's join takes far longer: a scraper that delivered before the graph
        // opened would fetch its first page twice, and tests serving pages in order would see them shifted.
        if (!SpinWait.SpinUntil(() => Entrance.State.Phase != SharedGraphPhase.NotStarted, TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException("The shared graph did not open within 30 s.");
        }

        var spec = Spec(schedule, timeout, nitter, limits, wrap, diagnostics, backoff);
        var props = supervised ? ScraperActor.Supervised(spec) : Props.Create(() => new ScraperActor(spec));
        return system.ActorOf(props, name ?? "scraper-" + Guid.NewGuid().ToString("N")[..6]);
    }

    public ScraperSpec Spec(ScrapeSchedule? schedule = null, TimeSpan? timeout = null, bool nitter = false, InputLimits? limits = null,
        Func<ISearchSource, ISearchSource>? wrap = null, string? diagnostics = null, RetryBackoff? backoff = null)
    {
        var options = new XSearchOptions(Timeout: timeout ?? TimeSpan.FromSeconds(5)) { Limits = limits ?? InputLimits.Default };
        var nitterOptions = new NitterSourceOptions("PipelineTests/1.0", timeout ?? TimeSpan.FromSeconds(5)) { Limits = limits ?? InputLimits.Default };
        return new ScraperSpec(Northwind, nitter ? "nitter" : "x_api",
            Servers.Select(s => (wrap ?? (source => source))(nitter
                ? new NitterSource(_http, s.BaseUrl, nitterOptions)
                : new XApiSource(_http, s.BaseUrl, "test-token", options))).ToList(),
            schedule ?? Backfill(),
            backoff ?? new RetryBackoff(TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(2)),
            TimeSpan.FromSeconds(30),
            Entrance,
            Status,
            diagnostics ?? Folder.Combine("diagnostics"));
    }

    /// <summary>One backfill window covering yesterday and today, then live polls an hour apart (none in a test).</summary>
    public static ScrapeSchedule Backfill() =>
        new(DateTimeOffset.UtcNow.AddDays(-1), TimeSpan.FromDays(7), TimeSpan.FromHours(1), TimeSpan.Zero);

    public ScraperStatus StatusNow => Assert.Single(Status.All);

    /// <summary>An X API recent-search body with these post ids, all mentioning Northwind Bank.</summary>
    public static string Page(IEnumerable<long> ids, string? nextToken = null)
    {
        var data = ids.Select(id => new Dictionary<string, object>
        {
            ["id"] = id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["text"] = $"Northwind Bank app failed my transfer again, ref {id}",
            ["author_id"] = "42",
            ["created_at"] = DateTimeOffset.UtcNow.AddHours(-2).ToString("yyyy-MM-dd'T'HH:mm:ss'.000Z'"),
            ["lang"] = "en",
            ["public_metrics"] = new Dictionary<string, int> { ["like_count"] = 1, ["retweet_count"] = 0, ["reply_count"] = 0, ["quote_count"] = 0 },
        }).ToList();
        var meta = new Dictionary<string, object> { ["result_count"] = data.Count };
        if (nextToken is not null)
        {
            meta["next_token"] = nextToken;
        }

        var body = new Dictionary<string, object> { ["meta"] = meta };
        if (data.Count > 0)
        {
            body["data"] = data;
            body["includes"] = new { users = new[] { new { id = "42", name = "Ada", username = "ada_obi" } } };
        }

        return JsonSerializer.Serialize(body);
    }

    public const string SearchPath = "/2/tweets/search/recent";

    public Task<List<long>> StoredIdsAsync() => StoredPosts.IdsAsync(Database.DataSource);

    public async ValueTask DisposeAsync()
    {
        _graph?.Tell(PoisonPill.Instance);
        foreach (var server in Servers)
        {
            await server.DisposeAsync();
        }

        await Database.DisposeAsync();
        Folder.Dispose();
        _http.Dispose();
    }
}
