using Akka.Configuration;
using Pipeline.Host.Settings;

namespace Pipeline.Host.Tests.Settings;

public sealed class ClusterSettingsTests
{
    private static readonly string ShippedConf = Path.Combine(AppContext.BaseDirectory, "pipeline.conf");

    private static Config Shipped(string overrides = "", Func<string, string?>? environment = null) =>
        ConfigurationFactory.ParseString(overrides)
            .WithFallback(SettingsLoader.Parse(File.ReadAllText(ShippedConf), environment ?? (_ => null)));

    [Fact]
    public void Shipped_configuration_is_a_cluster_of_one_on_loopback_with_keep_majority()
    {
        var cluster = SettingsLoader.Load(Shipped()).Cluster;

        Assert.Equal("127.0.0.1", cluster.Host);
        Assert.Equal(0, cluster.Port);
        Assert.Equal("127.0.0.1", cluster.BindHost);
        Assert.Equal(0, cluster.BindPort);
        Assert.Empty(cluster.SeedNodes);
        Assert.True(cluster.JoinsItself);
        Assert.Equal(SplitBrainStrategy.KeepMajority, cluster.SplitBrainResolver);
        Assert.Equal(TimeSpan.FromSeconds(20), cluster.StableAfter);
        Assert.Equal(TimeSpan.FromSeconds(10), cluster.AcceptableHeartbeatPause);
        Assert.Equal(ClusterSettings.Default, cluster with { SeedNodes = ClusterSettings.Default.SeedNodes });
    }

    [Fact]
    public void Cluster_settings_take_their_environment_overrides()
    {
        var environment = new Dictionary<string, string>
        {
            ["PIPELINE_CLUSTER_HOST"] = "node-b.internal",
            ["PIPELINE_CLUSTER_PORT"] = "4053",
            ["PIPELINE_CLUSTER_BIND_HOST"] = "0.0.0.0",
            ["PIPELINE_CLUSTER_BIND_PORT"] = "5053",
            ["PIPELINE_SEED_NODES"] = "akka.tcp://pipeline@node-a.internal:4053, akka.tcp://pipeline@10.0.0.7:4053/",
            ["PIPELINE_CLUSTER_SBR"] = "static-quorum",
            ["PIPELINE_CLUSTER_QUORUM_SIZE"] = "2",
            ["PIPELINE_CLUSTER_STABLE_AFTER"] = "7s",
            ["PIPELINE_CLUSTER_HEARTBEAT_PAUSE"] = "4s",
        };

        var cluster = SettingsLoader.Load(Shipped(environment: environment.GetValueOrDefault)).Cluster;

        Assert.Equal(("node-b.internal", 4053, "0.0.0.0", 5053), (cluster.Host, cluster.Port, cluster.BindHost, cluster.BindPort));
        Assert.Equal(["akka.tcp://pipeline@node-a.internal:4053", "akka.tcp://pipeline@10.0.0.7:4053"], cluster.SeedNodes);
        Assert.False(cluster.JoinsItself);
        Assert.Equal((SplitBrainStrategy.StaticQuorum, 2), (cluster.SplitBrainResolver, cluster.QuorumSize));
        Assert.Equal((TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(4)), (cluster.StableAfter, cluster.AcceptableHeartbeatPause));
    }

    [Fact]
    public void Bind_address_defaults_to_the_public_one()
    {
        var cluster = SettingsLoader.Load(Shipped("pipeline.cluster { host = \"10.1.2.3\", port = 4053 }")).Cluster;

        Assert.Equal(("10.1.2.3", 4053), (cluster.BindHost, cluster.BindPort));
    }

    [Fact]
    public void Seed_nodes_may_be_a_list_in_the_file()
    {
        var cluster = SettingsLoader.Load(Shipped("""
            pipeline.cluster.host = node-a
            pipeline.cluster.seed-nodes = ["akka.tcp://pipeline@node-a:4053", "akka.tcp://pipeline@node-b:4053"]
            """)).Cluster;

        Assert.Equal(["akka.tcp://pipeline@node-a:4053", "akka.tcp://pipeline@node-b:4053"], cluster.SeedNodes);
    }

    [Theory]
    [InlineData("pipeline.cluster.seed-nodes = [\"http://node-a:4053\"]", "pipeline.cluster.seed-nodes: \"http://node-a:4053\" is not an akka.tcp address (akka.tcp://pipeline@host:port)")]
    [InlineData("pipeline.cluster.seed-nodes = [\"node-a:4053\"]", "pipeline.cluster.seed-nodes: \"node-a:4053\" is not an akka.tcp address")]
    [InlineData("pipeline.cluster.seed-nodes = [\"akka.tcp://other@node-a:4053\"]", "pipeline.cluster.seed-nodes: \"akka.tcp://other@node-a:4053\" names actor system 'other'; every node's system is 'pipeline'")]
    [InlineData("pipeline.cluster.seed-nodes = [\"akka.tcp://node-a:4053\"]", "names actor system ''; every node's system is 'pipeline'")]
    [InlineData("pipeline.cluster.seed-nodes = [\"akka.tcp://pipeline@node-a\"]", "pipeline.cluster.seed-nodes: \"akka.tcp://pipeline@node-a\" needs a port between 1 and 65535")]
    [InlineData("pipeline.cluster.seed-nodes = [\"akka.tcp://pipeline@node-a:0\"]", "needs a port between 1 and 65535")]
    [InlineData("pipeline.cluster.seed-nodes = [\"akka.tcp://pipeline@node-a:4053/user/x\"]", "has a path; a seed node is only a system, host and port")]
    [InlineData("pipeline.cluster.host = \"http://node-a\"", "pipeline.cluster.host = \"http://node-a\": must be a host name or an IP address")]
    [InlineData("pipeline.cluster.host = \"\"", "pipeline.cluster.host: must not be empty")]
    [InlineData("pipeline.cluster.port = 70000", "pipeline.cluster.port = 70000: must be between 0 and 65535")]
    [InlineData("pipeline.cluster.bind-port = lots", "pipeline.cluster.bind-port = \"lots\": must be a whole number")]
    [InlineData("pipeline.cluster.split-brain-resolver = keep-referee", "pipeline.cluster.split-brain-resolver = \"keep-referee\": must be one of keep-majority, static-quorum, keep-oldest, off")]
    [InlineData("pipeline.cluster.split-brain-resolver = static-quorum", "pipeline.cluster.quorum-size = 0: split-brain-resolver = static-quorum needs")]
    [InlineData("pipeline.cluster.stable-after = 0s", "pipeline.cluster.stable-after = 0s: must be between 1s and 600s")]
    [InlineData("pipeline.cluster.acceptable-heartbeat-pause = soon", "pipeline.cluster.acceptable-heartbeat-pause = \"soon\": must be a duration")]
    [InlineData("pipeline.cluster.seed-nodes = [\"akka.tcp://pipeline@10.0.0.7:4053\"]", "pipeline.cluster.host = \"127.0.0.1\" is a loopback address, but seed nodes are on other hosts: set it (PIPELINE_CLUSTER_HOST)")]
    public void Invalid_cluster_setting_stops_start_up_naming_the_setting(string overrides, string expected)
    {
        var error = Assert.Throws<SettingsException>(() => SettingsLoader.Load(Shipped(overrides)));

        Assert.Contains(error.Problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Seed_nodes_on_loopback_are_fine_for_a_cluster_on_one_machine()
    {
        var cluster = SettingsLoader.Load(Shipped("pipeline.cluster.seed-nodes = [\"akka.tcp://pipeline@127.0.0.1:4053\", \"akka.tcp://pipeline@localhost:4054\"]")).Cluster;

        Assert.Equal(2, cluster.SeedNodes.Count);
    }
}
