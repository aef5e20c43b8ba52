using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Pipeline.Tests.Shared.Service;

/// <summary>
/// N nodes of the real program (<c>pipeline run</c>, one OS process each) on loopback: each its own remoting port
/// (fixed, so that a restarted node comes back at the same address) and management port, every node listing every
/// node as a seed (same list, same order), all on one database and one simulator.
/// </summary>
public sealed class LocalCluster : IDisposable
{
    private readonly SimulatedService _service;
    private readonly ServiceProcess?[] _nodes;
    private readonly List<ServiceProcess> _all = [];

    public LocalCluster(SimulatedService service, int nodes)
    {
        _service = service;
        Ports = Enumerable.Range(0, nodes).Select(_ => SimulatedService.FreePort()).ToArray();
        SeedNodes = string.Join(',', Ports.Select(Address));
        _nodes = new ServiceProcess?[nodes];
    }

    public IReadOnlyList<int> Ports { get; }

    /// <summary><c>PIPELINE_SEED_NODES</c> of every node.</summary>
    public string SeedNodes { get; }

    public int Count => _nodes.Length;

    /// <summary>The nodes' current starts (null: not started, or killed and not restarted).</summary>
    public ServiceProcess? this[int node] => _nodes[node];

    public IEnumerable<ServiceProcess> Running => _nodes.OfType<ServiceProcess>().Where(n => !n.HasExited);

    /// <summary>When the first node first started: the scrapers' backfill windows count from it.</summary>
    public DateTimeOffset? FirstStart => _all.Count == 0 ? null : _all.Min(n => n.StartedAt);

    public static string Address(int port) => string.Create(CultureInfo.InvariantCulture, $"akka.tcp://pipeline@127.0.0.1:{port}");

    public static string NodeName(int node) => $"node-{(char)('a' + node)}";

    public ServiceProcess Start(int node)
    {
        if (_nodes[node] is { HasExited: false })
        {
            throw new InvalidOperationException($"{NodeName(node)} is running");
        }

        // A node coming back lists the others only: as the first seed with the full list it joins itself when the others
        // do not answer within seed-node-timeout (busy on two cores), and forms a second cluster beside the running one.
        var restart = _nodes[node] is not null;
        var seeds = Count == 1 ? string.Empty
            : restart ? string.Join(',', Ports.Where((_, i) => i != node).Select(Address))
            : SeedNodes;
        var process = _service.Launch(NodeName(node), new Dictionary<string, string>
        {
            ["PIPELINE_CLUSTER_HOST"] = "127.0.0.1",
            ["PIPELINE_CLUSTER_PORT"] = Ports[node].ToString(CultureInfo.InvariantCulture),
            ["PIPELINE_SEED_NODES"] = seeds,
        });
        _nodes[node] = process;
        _all.Add(process);
        return process;
    }

    public void StartAll()
    {
        for (var i = 0; i < Count; i++)
        {
            Start(i);
        }
    }

    /// <summary>SIGKILL: no leave, no drain; the others must notice it is gone.</summary>
    public async Task KillAsync(int node)
    {
        if (_nodes[node] is { } process)
        {
            await process.KillAsync();
        }
    }

    /// <summary>SIGTERM and wait for the exit (graceful leave and drain).</summary>
    public async Task TerminateAsync(int node, TimeSpan patience)
    {
        if (_nodes[node] is { } process)
        {
            await process.TerminateAsync(patience);
        }
    }

    /// <summary><c>GET /status/cluster</c> of the first running node that answers.</summary>
    public async Task<ClusterSnapshot?> ViewAsync(CancellationToken ct, int? from = null)
    {
        foreach (var node in from is { } only ? Running.Where(n => n == _nodes[only]) : Running)
        {
            if (await node.JsonAsync("status/cluster", ct) is JsonObject json)
            {
                return ClusterSnapshot.Parse(json);
            }
        }

        return null;
    }

    /// <summary>Every start's last lines, for a failure report.</summary>
    public string Tails(int lines)
    {
        var text = new StringBuilder();
        foreach (var process in _all)
        {
            text.Append("\n----- ").Append(process.Name).Append(" start ").Append(process.Number)
                .Append(process.ExitCodeIfExited is { } code ? $" (exited, code {code})" : " (running)").Append(", last lines of ")
                .Append(process.LogFile).Append(" -----\n").Append(process.Tail(lines)).Append('\n');
        }

        return text.ToString();
    }

    public void Dispose()
    {
        foreach (var process in _all)
        {
            process.Dispose();
        }
    }
}

/// <summary>What <c>GET /status/cluster</c> says: the members and where every scraper entity runs.</summary>
/// <param name="Members">Address → status (<c>Up</c>, <c>Leaving</c>…).</param>
/// <param name="Scrapers">Scraper entity id (<c>nitter:gtbank</c>) → the address of the node hosting it.</param>
public sealed record ClusterSnapshot(IReadOnlyDictionary<string, string> Members, IReadOnlyDictionary<string, string> Scrapers, string Json)
{
    public IReadOnlyList<string> Up => Members.Where(m => m.Value.Equals("Up", StringComparison.OrdinalIgnoreCase)).Select(m => m.Key).ToList();

    /// <summary>Nodes hosting at least one scraper, with how many.</summary>
    public IReadOnlyDictionary<string, int> ScrapersPerNode => Scrapers.GroupBy(s => s.Value).ToDictionary(g => g.Key, g => g.Count());

    public override string ToString() => Json;

    public static ClusterSnapshot Parse(JsonObject json)
    {
        var members = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Property(json, "members") is JsonArray list)
        {
            foreach (var member in list.OfType<JsonObject>())
            {
                if (Text(member, "address") is { } address)
                {
                    members[Normalise(address)] = Text(member, "status") ?? "?";
                }
            }
        }

        var scrapers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in json)
        {
            if (!name.Contains("scraper", StringComparison.OrdinalIgnoreCase) && !name.Contains("entit", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            switch (value)
            {
                case JsonObject map:
                    foreach (var (entity, node) in map)
                    {
                        if ((node is JsonValue ? node.ToString() : node is JsonObject o ? Text(o, "node") ?? Text(o, "address") : null) is { } at)
                        {
                            scrapers[entity] = Normalise(at);
                        }
                    }

                    break;
                case JsonArray array:
                    foreach (var item in array.OfType<JsonObject>())
                    {
                        if ((Text(item, "entity") ?? Text(item, "entityId") ?? Text(item, "id") ?? Text(item, "scraper")) is { } entity
                            && (Text(item, "node") ?? Text(item, "address")) is { } at)
                        {
                            scrapers[entity] = Normalise(at);
                        }
                    }

                    break;
            }
        }

        return new ClusterSnapshot(members, scrapers, json.ToJsonString());
    }

    private static string Normalise(string address) => address.TrimEnd('/');

    private static JsonNode? Property(JsonObject json, string name) =>
        json.FirstOrDefault(p => p.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;

    private static string? Text(JsonObject json, string name) => Property(json, name) is JsonValue value ? value.ToString() : null;
}
