using System.Globalization;
using Akka.Configuration;

namespace Pipeline.Host.Settings;

public static partial class SettingsLoader
{
    public const string SeedNodeScheme = "akka.tcp";

    /// <summary>Reads <c>pipeline.cluster</c>; every problem is added to <paramref name="reader"/>'s list.</summary>
    private static ClusterSettings LoadCluster(Reader reader, Config config)
    {
        var host = reader.String("pipeline.cluster.host");
        var port = reader.Int("pipeline.cluster.port", 0, 65535);
        // Empty: the node listens where it is reached, the usual case outside containers and NAT.
        var bindHost = reader.OptionalString("pipeline.cluster.bind-host") ?? host;
        var bindPort = reader.OptionalString("pipeline.cluster.bind-port") is null ? port : reader.Int("pipeline.cluster.bind-port", 0, 65535);
        foreach (var (path, name) in new[] { ("pipeline.cluster.host", host), ("pipeline.cluster.bind-host", bindHost) })
        {
            if (name.Length > 0 && !IsHostName(name))
            {
                reader.Problem($"{path} = \"{name}\": must be a host name or an IP address (no scheme or port)");
            }
        }

        var seeds = SeedNodes(reader, config, "pipeline.cluster.seed-nodes");
        var strategy = reader.Choice("pipeline.cluster.split-brain-resolver", new Dictionary<string, SplitBrainStrategy>
        {
            ["keep-majority"] = SplitBrainStrategy.KeepMajority,
            ["static-quorum"] = SplitBrainStrategy.StaticQuorum,
            ["keep-oldest"] = SplitBrainStrategy.KeepOldest,
            ["off"] = SplitBrainStrategy.Off,
        });
        var quorum = reader.Int("pipeline.cluster.quorum-size", 0, 1_000);
        if (strategy == SplitBrainStrategy.StaticQuorum && quorum < 1)
        {
            reader.Problem("pipeline.cluster.quorum-size = 0: split-brain-resolver = static-quorum needs the members a side must keep " +
                "(more than half of the cluster's size, PIPELINE_CLUSTER_QUORUM_SIZE)");
        }

        var settings = new ClusterSettings(
            host, port, bindHost, bindPort, seeds, strategy, quorum,
            reader.Bool("pipeline.cluster.down-if-alone"),
            reader.Duration("pipeline.cluster.stable-after", TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10)),
            reader.Duration("pipeline.cluster.acceptable-heartbeat-pause", TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5)));

        // Seed nodes on other machines would be told to reach this node at a loopback address: they never could.
        if (seeds.Count > 0 && IsLoopback(host) && seeds.Any(s => !IsLoopback(new Uri(s).Host)))
        {
            reader.Problem($"pipeline.cluster.host = \"{host}\" is a loopback address, but seed nodes are on other hosts: set it " +
                "(PIPELINE_CLUSTER_HOST) to the name or address the other nodes reach this one at");
        }

        return settings;
    }

    /// <summary>
    /// Seed node addresses, each <c>akka.tcp://pipeline@host:port</c>: a list, or one comma-separated string (the form an
    /// environment variable gives). Normalised (no trailing slash) so they compare equal to Akka's own addresses.
    /// </summary>
    private static IReadOnlyList<string> SeedNodes(Reader reader, Config config, string path)
    {
        IEnumerable<string> values = !config.HasPath(path) ? []
            : config.GetValue(path).IsArray() ? config.GetStringList(path)
            : (config.GetString(path) ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var seeds = new List<string>();
        foreach (var value in values.Select(v => v.Trim()).Where(v => v.Length > 0))
        {
            if (SeedNodeProblem(value) is { } problem)
            {
                reader.Problem($"{path}: \"{value}\" {problem}");
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
        || (System.Net.IPAddress.TryParse(host.Trim('[', ']'), out var address) && System.Net.IPAddress.IsLoopback(address));
}
