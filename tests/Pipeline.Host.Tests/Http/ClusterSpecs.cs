using System.Net;
using System.Text.Json;
using Akka.Actor;
using Akka.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Host.Database;
using Pipeline.Host.Demo;
using Pipeline.Host.Settings;

namespace Pipeline.Host.Tests.Http;

/// <summary>
/// The service as a cluster, in process: real Akka.Cluster nodes on loopback ports, the 13 default companies' scrapers
/// collecting from the simulated Nitter instance into one PostgreSQL, <c>GET /status/cluster</c> read as an operator would.
/// </summary>
public sealed class ClusterSpecs(PostgresFixture postgres)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private static (PipelineSettings Settings, DemoSettings Demo, Config Config) Configure(string connectionString, string folder)
    {
        var config = ConfigurationFactory.ParseString($$"""
            pipeline.database.connection-string = "{{connectionString}}"
            pipeline.demo.folder = "{{folder}}"
            pipeline.demo.backlog-days = 1
            pipeline.demo.backlog-posts-per-day = 100
            pipeline.demo.rate-limit-probability = 0
            pipeline.demo.slow-page-probability = 0
            pipeline.topics.enabled = off
            pipeline.sentiment.enabled = off
            # Shards move to a joining node at the next rebalance tick: soon, so that the test is short.
            akka.cluster.sharding.rebalance-interval = 1s
            akka.loglevel = WARNING
            """).WithFallback(SettingsLoader.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "pipeline.conf")), _ => null));
        return (SettingsLoader.Load(config), SettingsLoader.LoadDemo(config), config);
    }

    private static async Task<JsonElement> StatusAsync(WebApplication node)
    {
        using var response = await Http.GetAsync(new Uri(RunningService.Root(node), "/status/cluster"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static string Address(WebApplication node) => Akka.Cluster.Cluster.Get(node.Services.GetRequiredService<ActorSystem>()).SelfAddress.ToString();

    private static Dictionary<string, string?> Placements(JsonElement status) =>
        status.GetProperty("scrapers").EnumerateArray().ToDictionary(s => s.GetProperty("entity").GetString()!, s => s.GetProperty("node").GetString());

    private static IEnumerable<string> MemberStatuses(JsonElement status) =>
        status.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("status").GetString()!);

    [Fact]
    public async Task Cluster_of_one_shows_itself_as_the_only_member_running_all_thirteen_scrapers()
    {
        using var folder = new TempDirectory();
        var (settings, demo, config) = Configure(await postgres.CreateDatabaseAsync(), folder.Path);
        await using var simulator = await SimulatorServer.StartAsync(settings.Companies, demo.Simulation(DateTimeOffset.UtcNow), demo.Faults);
        var nodeSettings = demo.Apply(settings, simulator.BaseUrl);
        await using var database = await PipelineDatabase.OpenAsync(nodeSettings, NullLoggerFactory.Instance);
        await using var node = PipelineComposition.BuildService(nodeSettings, config, database.DataSource, ["http://127.0.0.1:0"], database.ConnectionString);
        await node.StartAsync();
        var self = Address(node);

        JsonElement status = default;
        await Eventually.TrueAsync("all thirteen scrapers placed", async () =>
        {
            status = await StatusAsync(node);
            return Placements(status).Values.Count(n => n is not null) == 13;
        }, Patience);

        Assert.Equal(self, status.GetProperty("self").GetString());
        Assert.Equal(1, status.GetProperty("nodeCount").GetInt32());
        var member = Assert.Single(status.GetProperty("members").EnumerateArray());
        Assert.Equal(self, member.GetProperty("address").GetString());
        Assert.Equal("up", member.GetProperty("status").GetString());
        Assert.True(member.GetProperty("isSelf").GetBoolean());
        Assert.True(member.GetProperty("isLeader").GetBoolean());
        Assert.True(member.GetProperty("reachable").GetBoolean());
        Assert.Equal(1, member.GetProperty("age").GetInt32());
        Assert.Equal(13, member.GetProperty("scrapers").GetInt32());
        Assert.InRange(member.GetProperty("shards").GetInt32(), 1, 13);
        Assert.Equal(settings.Companies.Select(c => $"nitter:{c.Id}").Order(StringComparer.Ordinal), Placements(status).Keys);
        Assert.All(Placements(status).Values, n => Assert.Equal(self, n));
        Assert.Empty(status.GetProperty("unanswered").EnumerateArray());
        Assert.Equal("up", status.GetProperty("lastMemberEvent").GetProperty("event").GetString());
    }

    [Fact]
    public async Task Second_node_joins_through_the_seed_takes_over_scrapers_and_hands_them_back_when_it_leaves()
    {
        using var folder = new TempDirectory();
        var (settings, demo, config) = Configure(await postgres.CreateDatabaseAsync(), folder.Path);
        await using var simulator = await SimulatorServer.StartAsync(settings.Companies, demo.Simulation(DateTimeOffset.UtcNow), demo.Faults);
        var nodeSettings = demo.Apply(settings, simulator.BaseUrl);
        await using var database = await PipelineDatabase.OpenAsync(nodeSettings, NullLoggerFactory.Instance);
        await using var a = PipelineComposition.BuildService(nodeSettings, config, database.DataSource, ["http://127.0.0.1:0"], database.ConnectionString);
        await a.StartAsync();
        var seed = Address(a);
        var b = PipelineComposition.BuildService(
            nodeSettings with { Cluster = nodeSettings.Cluster with { SeedNodes = [seed] } }, config, database.DataSource, ["http://127.0.0.1:0"],
            database.ConnectionString);
        await b.StartAsync();
        var joined = Address(b);

        // Both nodes answer for the whole cluster: two members up, every scraper on one of them, some on each.
        foreach (var node in new[] { a, b })
        {
            await Eventually.TrueAsync("scrapers spread over both nodes", async () =>
            {
                var status = await StatusAsync(node);
                var placements = Placements(status);
                return MemberStatuses(status).Count(s => s == "up") == 2
                    && placements.Count == 13 && placements.Values.All(n => n is not null)
                    && placements.Values.Contains(seed) && placements.Values.Contains(joined);
            }, Patience);
        }

        var spread = await StatusAsync(a);
        Assert.Equal(new[] { seed, joined }.Order(StringComparer.Ordinal), spread.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("address").GetString()!).Order(StringComparer.Ordinal));
        Assert.Equal(13, spread.GetProperty("members").EnumerateArray().Sum(m => m.GetProperty("scrapers").GetInt32()));

        // SIGTERM on b: its host stops, coordinated shutdown leaves the cluster and hands its shards over.
        var system = b.Services.GetRequiredService<ActorSystem>();
        await b.StopAsync();
        await b.DisposeAsync();
        Assert.True(system.WhenTerminated.IsCompleted);

        await Eventually.TrueAsync("b's scrapers running on a", async () =>
        {
            var status = await StatusAsync(a);
            return status.GetProperty("nodeCount").GetInt32() == 1
                && Placements(status).Values.All(n => n == seed);
        }, Patience);
        var alone = await StatusAsync(a);
        Assert.Equal(seed, Assert.Single(alone.GetProperty("members").EnumerateArray()).GetProperty("address").GetString());
        Assert.Equal(13, Placements(alone).Count);
        Assert.Equal("removed", alone.GetProperty("lastMemberEvent").GetProperty("event").GetString());
        Assert.Equal(joined, alone.GetProperty("lastMemberEvent").GetProperty("member").GetString());
        // a saw scrapers on b before, and now on itself.
        Assert.NotEqual(JsonValueKind.Null, alone.GetProperty("lastMoved").ValueKind);
    }
}
