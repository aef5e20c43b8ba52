using System.Globalization;
using System.Net;

namespace Pipeline.Host.Settings;

public static partial class SettingsLoader
{
    public const string SeedNodeScheme = "akka.tcp";

    private static ClusterSettings Cluster(SettingsReader r)
    {
        var host = r.String("host");
        var port = r.Int("port", 0, 65535);
        // Empty: the node listens where it is reached, the usual case outside containers and NAT.
        var bindHost = r.OptionalString("bind-host") ?? host;
        var bindPort = r.OptionalString("bind-port") is null ? port : r.Int("bind-port", 0, 65535);
        foreach (var (key, name) in new[] { ("host", host), ("bind-host", bindHost) })
        {
            r.Check(name.Length == 0 || IsHostName(name), $"{r.Name(key)} = \"{name}\": must be a host name or an IP address (no scheme or port)");
        }

        var seeds = SeedNodes(r, "seed-nodes");
        var strategy = r.Choice("split-brain-resolver", new Dictionary<string, SplitBrainStrategy>
        {
            ["keep-majority"] = SplitBrainStrategy.KeepMajority,
            ["static-quorum"] = SplitBrainStrategy.StaticQuorum,
            ["keep-oldest"] = SplitBrainStrategy.KeepOldest,
            ["off"] = SplitBrainStrategy.Off,
        });
        var quorum = r.Int("quorum-size", 0, 1_000);
        r.Check(strategy != SplitBrainStrategy.StaticQuorum || quorum >= 1, $"{r.Name("quorum-size")} = 0: split-brain-resolver = static-quorum needs the " +
            "members a side must keep (more than half of the cluster's size, PIPELINE_CLUSTER_QUORUM_SIZE)");
        // Seed nodes on other machines would be told to reach this node at a loopback address: they never could.
        r.Check(seeds.Count == 0 || !IsLoopback(host) || seeds.All(s => IsLoopback(new Uri(s).Host)), $"{r.Name("host")} = \"{host}\" is a loopback " +
            "address, but seed nodes are on other hosts: set it (PIPELINE_CLUSTER_HOST) to the name or address the other nodes reach this one at");
        return new ClusterSettings(host, port, bindHost, bindPort, seeds, strategy, quorum, r.Bool("down-if-alone"),
            r.Duration("stable-after", TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10)),
            r.Duration("acceptable-heartbeat-pause", TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5)));
    }

    /// <summary>
    /// Seed node addresses, each <c>akka.tcp://pipeline@host:port</c>, normalised (no trailing slash) so they compare
    /// equal to Akka's own addresses.
    /// </summary>
    private static List<string> SeedNodes(SettingsReader r, string path)
    {
        var seeds = new List<string>();
        foreach (var value in r.List(path))
        {
            var problem = SeedNodeProblem(value);
            if (!r.Check(problem is null, $"{r.Name(path)}: \"{value}\" {problem}"))
            {
                continue;
            }

            var address = new Uri(value);
            var seed = string.Create(CultureInfo.InvariantCulture, $"{SeedNodeScheme}://{ClusterSettings.SystemName}@{address.Host}:{address.Port}");
            if (!seeds.Contains(seed, StringComparer.OrdinalIgnoreCase))
            {
                seeds.Add(seed);
            }
        }

        return seeds;
    }

    /// <summary>Why <paramref name="value"/> is not a seed node address; null when it is one.</summary>
    private static string? SeedNodeProblem(string value)
    {
        const string Form = "(akka.tcp://pipeline@host:port)";
        if (!Uri.TryCreate(value, UriKind.Absolute, out var address) || address.Scheme != SeedNodeScheme)
        {
            return $"is not an {SeedNodeScheme} address {Form}";
        }

        if (address.UserInfo != ClusterSettings.SystemName)
        {
            return $"names actor system '{address.UserInfo}'; every node's system is '{ClusterSettings.SystemName}' {Form}";
        }

        if (address.Host.Length == 0 || !IsHostName(address.Host))
        {
            return $"has no valid host {Form}";
        }

        if (address.IsDefaultPort || address.Port is < 1 or > 65535 || !value.Contains($":{address.Port}", StringComparison.Ordinal))
        {
            return $"needs a port between 1 and 65535 {Form}";
        }

        return address.AbsolutePath is "/" or "" && address.Query.Length == 0 && address.Fragment.Length == 0
            ? null
            : $"has a path; a seed node is only a system, host and port {Form}";
    }

    private static bool IsHostName(string name) =>
        Uri.CheckHostName(name.Trim('[', ']')) is UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6;

    private static bool IsLoopback(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
