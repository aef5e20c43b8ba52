using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Host.Database;
using Pipeline.Host.Settings;

namespace Pipeline.Host.Tests.Http;

/// <summary>
/// Model reloads across the cluster: each node a whole service (its own ActorSystem, HTTP port, models root and
/// database), clustered over remoting on loopback. Sentiment scorers named after their folder, so a version says
/// which folder a node loaded; a folder named <c>broken</c> is not a model on the node that says so.
/// </summary>
public sealed class ClusterReloadSpecs(PostgresFixture postgres)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_reload_on_a_cluster_of_one_goes_through_the_cluster_path_and_consensus_reports_the_new_version()
    {
        await using var node = await Node.StartAsync(postgres, remotingPort: 0, seedPort: null);

        using var response = await Http.PostAsJsonAsync(new Uri(node.Root, "/admin/sentiment/reload"), new { path = node.Folder("v2") });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("v2", body.GetProperty("version").GetString());
        var cluster = body.GetProperty("cluster");
        Assert.StartsWith("akka.tcp://pipeline@127.0.0.1:", cluster.GetProperty("node").GetString());
        Assert.Equal(0, cluster.GetProperty("nodes").GetArrayLength());
        Assert.Equal(0, cluster.GetProperty("notAnswered").GetArrayLength());
        var consensus = await node.ConsensusAsync(c => c.Versions.Values.All(v => v == "v2"));
        Assert.Equal("Healthy", consensus.Status);
        Assert.Single(consensus.Versions);
    }

    [Fact]
    public async Task A_reload_on_one_node_switches_the_other_a_late_joiner_catches_up_and_a_node_that_refuses_makes_consensus_degraded()
    {
        var portA = FreePort();
        await using var a = await Node.StartAsync(postgres, portA, seedPort: portA);

        // Before the second node exists: it must catch up when it joins.
        using (var first = await Http.PostAsJsonAsync(new Uri(a.Root, "/admin/sentiment/reload"), new { path = a.Folder("v2") }))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        await using var b = await Node.StartAsync(postgres, FreePort(), seedPort: portA, brokenOnThisNode: "broken");
        var joined = await b.ConsensusAsync(c => c.Versions.Count == 2 && c.Versions.Values.All(v => v == "v2"));
        Assert.Equal("Healthy", joined.Status);
        Assert.Equal("v2", await RunningServiceVersion(b.Root));
        await a.ConsensusAsync(c => c.Versions.Count == 2);

        using var second = await Http.PostAsJsonAsync(new Uri(a.Root, "/admin/sentiment/reload"), new { path = a.Folder("v3") });
        var answer = await second.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var other = Assert.Single(answer.GetProperty("cluster").GetProperty("nodes").EnumerateArray());
        Assert.Equal(b.Address, other.GetProperty("node").GetString());
        Assert.Equal("switched", other.GetProperty("result").GetString());
        Assert.Equal("v3", other.GetProperty("version").GetString());
        Assert.Equal("v3", await RunningServiceVersion(b.Root));
        Assert.Equal("Healthy", (await b.ConsensusAsync(c => c.Versions.Values.All(v => v == "v3"))).Status);

        // The node that took the request switches (200); the one that cannot load it keeps its model and says why.
        using var third = await Http.PostAsJsonAsync(new Uri(a.Root, "/admin/sentiment/reload"), new { path = a.Folder("broken") });
        var split = await third.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
        var refused = Assert.Single(split.GetProperty("cluster").GetProperty("nodes").EnumerateArray());
        Assert.Equal("rejected", refused.GetProperty("result").GetString());
        Assert.Equal("v3", refused.GetProperty("version").GetString());
        Assert.Contains("not a model here", refused.GetProperty("error").GetString());
        var degraded = await a.ConsensusAsync(c => c.Status == "Degraded");
        Assert.Equal("broken", degraded.Versions[a.Address]);
        Assert.Equal("v3", degraded.Versions[b.Address]);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync(new Uri(a.Root, "/ready"))).StatusCode);
    }

    private static async Task<string> RunningServiceVersion(Uri root) => (await RunningService.ModelAsync(root, "sentiment-model")).Version;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed record Consensus(string Status, Dictionary<string, string> Versions);

    private sealed class Node : IAsyncDisposable
    {
        private readonly TempDirectory _folder;
        private readonly PipelineDatabase _database;
        private readonly WebApplication _app;

        private Node(TempDirectory folder, PipelineDatabase database, WebApplication app, string address)
        {
            _folder = folder;
            _database = database;
            _app = app;
            Address = address;
            Root = RunningService.Root(app);
        }

        public Uri Root { get; }

        /// <summary>The node's cluster address, as the answers and the consensus check name it.</summary>
        public string Address { get; }

        /// <summary>A model folder under this node's own models root.</summary>
        public string Folder(string name) => _folder.Combine("models", name);

        /// <param name="remotingPort">0: any free port (a cluster of one that joins itself).</param>
        /// <param name="seedPort">The first node's remoting port; null: no seed nodes.</param>
        /// <param name="brokenOnThisNode">A folder name whose model this node cannot load.</param>
        public static async Task<Node> StartAsync(PostgresFixture postgres, int remotingPort, int? seedPort, string? brokenOnThisNode = null)
        {
            var folder = new TempDirectory();
            foreach (var name in new[] { "v1", "v2", "v3", "broken" })
            {
                Directory.CreateDirectory(folder.Combine("models", name));
            }

            var seeds = seedPort is { } port ? $"pipeline.cluster.seed-nodes = [\"akka.tcp://pipeline@127.0.0.1:{port}\"]" : string.Empty;
            var config = GuardedService.Configure(folder, await postgres.CreateDatabaseAsync(), $$"""
                pipeline.sentiment.model-dir = "{{folder.Combine("models", "v1")}}"
                pipeline.model-reloads.versions-interval = 200ms
                pipeline.model-reloads.ack-timeout = 20s
                pipeline.cluster.port = {{remotingPort}}
                {{seeds}}
                """);
            var settings = SettingsLoader.Load(config);
            var database = await PipelineDatabase.OpenAsync(settings, NullLoggerFactory.Instance);
            var app = PipelineComposition.BuildService(settings, config, database.DataSource, ["http://127.0.0.1:0"], database.ConnectionString,
                _ => null,
                sentimentScorers: s => Path.GetFileName(s.ModelDirectory) is var name && name == brokenOnThisNode
                    ? throw new SettingsException([$"{name} is not a model here"])
                    : new LexiconSentimentScorer(name));
            await app.StartAsync();
            var system = app.Services.GetRequiredService<Akka.Actor.ActorSystem>();
            return new Node(folder, database, app, Akka.Cluster.Cluster.Get(system).SelfAddress.ToString());
        }

        /// <summary>The <c>model-consensus</c> check once <paramref name="until"/> holds (the versions gossip takes a moment).</summary>
        public Task<Consensus> ConsensusAsync(Func<Consensus, bool> until) =>
            Eventually.ValueAsync(
                last => $"model-consensus never got there; last: {last?.Status} {string.Join(", ", last?.Versions.Select(v => $"{v.Key}={v.Value}") ?? [])}",
                ReadConsensusAsync, until, Patience);

        private async Task<Consensus> ReadConsensusAsync()
        {
            using var response = await Http.GetAsync(new Uri(Root, "/ready"));
            var check = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("checks").EnumerateArray()
                .Single(c => c.GetProperty("name").GetString() == "model-consensus");
            var versions = check.GetProperty("data").TryGetProperty("nodes", out var nodes)
                ? nodes.EnumerateObject().ToDictionary(n => n.Name, n => n.Value.GetProperty("sentiment").GetString()!)
                : [];
            return new Consensus(check.GetProperty("status").GetString()!, versions);
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            await _database.DisposeAsync();
            _folder.Dispose();
        }
    }
}
