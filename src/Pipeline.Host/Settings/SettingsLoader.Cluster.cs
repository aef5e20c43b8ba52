using System.Globalization;

namespace Pipeline.Host.Settings;

public static partial class SettingsLoader
{
    public const string SeedNodeScheme = "akka.tcp";

    private const string SeedNodeForm = "(akka.tcp://pipeline@host:port)";

    private static ClusterSettings Cluster(SettingsReader r)
    {
        var host = r.String("host");
        var port = r.Int("port", 0, 65535);
        // Empty: the node listens where it is reached, the usual case outside containers and NAT.
        var bindHost = r.OptionalString("bind-host") ?? host;
        var bindPort = r.OptionalString("bind-port") is null ? port : r.Int("bind-port", 0, 65535);
        foreach (var (key, name) in new[] { ("host", host), ("bind-host", bindHost) })
            r.Check(name.Length == 0 || IsHostName(name), $"{r.Name(key)} = \"{name}\": must be a host name or an IP address (no scheme or port)");
        var seeds = SeedNodes(r, "seed-nodes");
        var strategy = r.Choice("split-brain-resolver", new Dictionary<string, SplitBrainStrategy>
        {
            ["keep-majority"] = SplitBrainStrategy.KeepMajority, ["static-quorum"] = SplitBrainStrategy.StaticQuorum,
            ["keep-oldest"] = SplitBrainStrategy.KeepOldest, ["off"] = SplitBrainStrategy.Off,
        });
        var quorum = r.Int("quorum-size", 0, 1_000);
        r.Check(strategy != SplitBrainStrategy.StaticQuorum || quorum >= 1, $"{r.Name("quorum-size")} = 0: split-brain-resolver = static-quorum needs the " +
            "members a side must keep (more than half of the cluster's size, PIPELINE_CLUSTER_QUORUM_SIZE)");
        // Seed nodes on other machines would be told to reach this node at a loopback address: they never could.
        r.Check(seeds.Count == 0 || !HttpSettings.IsLoopback(host) || seeds.All(s => HttpSettings.IsLoopback(new Uri(s).Host)), $"{r.Name("host")} = \"{host}\" is a loopback " +
            "address, but seed nodes are on other hosts: set it (PIPELINE_CLUSTER_HOST) to the name or address the other nodes reach this one at");
        return new ClusterSettings(host, port, bindHost, bindPort, seeds, strategy, quorum, r.Bool("down-if-alone"),
            r.Duration("stable-after", "1s", "10m"), r.Duration("acceptable-heartbeat-pause", "1s", "5m"));
    }

    /// <summary>
    /// Seed node addresses, each <c>akka.tcp://pipeline@host:port</c>, normalised (no trailing slash) so they compare
    /// equal to Akka's own addresses.
    /// </summary>
    private static List<string> SeedNodes(SettingsReader r, string path) =>
        r.List(path).Select(value => (value, problem: SeedNodeProblem(value)))
            .Where(seed => r.Check(seed.problem is null, $"{r.Name(path)}: \"{seed.value}\" {seed.problem}"))
            .Select(seed => new Uri(seed.value))
            .Select(address => string.Create(CultureInfo.InvariantCulture, $"{SeedNodeScheme}://{ClusterSettings.SystemName}@{address.Host}:{address.Port}"))
            .Distinct(StringComparer.OrdinalIgnoreCase).ToList();

    /// <summary>Why <paramref name="value"/> is not a seed node address; null when it is one.</summary>
    private static string? SeedNodeProblem(string value) =>
        !Uri.TryCreate(value, UriKind.Absolute, out var address) || address.Scheme != SeedNodeScheme ? $"is not an {SeedNodeScheme} address {SeedNodeForm}"
        : address.UserInfo != ClusterSettings.SystemName
            ? $"names actor system '{address.UserInfo}'; every node's system is '{ClusterSettings.SystemName}' {SeedNodeForm}"
        : address.Host.Length == 0 || !IsHostName(address.Host) ? $"has no valid host {SeedNodeForm}"
        : address.IsDefaultPort || address.Port is < 1 or > 65535 || !value.Contains($":{address.Port}", StringComparison.Ordinal)
            ? $"needs a port between 1 and 65535 {SeedNodeForm}"
        : address.AbsolutePath is not ("/" or "") || address.Query.Length > 0 || address.Fragment.Length > 0
            ? $"has a path; a seed node is only a system, host and port {SeedNodeForm}"
        : null;

    private static bool IsHostName(string name) =>
        Uri.CheckHostName(name.Trim('[', ']')) is UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6;
}
