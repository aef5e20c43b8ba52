using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pipeline.Host.Settings;

namespace Pipeline.Host.Tests.Settings;

/// <summary>What <see cref="AkkaConfiguration.ConfigureNode"/> makes of the cluster settings, read back from a running node.</summary>
public sealed class AkkaConfigurationSpecs
{
    private static readonly string ShippedConf = Path.Combine(AppContext.BaseDirectory, "pipeline.conf");

    private static async Task<Config> EffectiveAsync(string overrides)
    {
        var config = ConfigurationFactory.ParseString(overrides)
            .WithFallback(SettingsLoader.Parse(File.ReadAllText(ShippedConf), _ => null));
        var settings = SettingsLoader.Load(config);
        using var host = Microsoft.Extensions.Hosting.Host.CreateDefaultBuilder()
            .ConfigureServices(services => services.AddAkka(ClusterSettings.SystemName, (akka, _) => akka.ConfigureNode(settings, config, null)))
            .Build();
        await host.StartAsync();
        var system = host.Services.GetRequiredService<ActorSystem>();
        Assert.Equal("pipeline", system.Name);
        var effective = system.Settings.Config;
        await host.StopAsync();
        return effective;
    }

    [Fact]
    public async Task Default_node_downs_with_keep_majority_after_twenty_quiet_seconds_and_tolerates_ten_seconds_without_heartbeats()
    {
        var config = await EffectiveAsync("akka.loglevel = WARNING");

        Assert.StartsWith("Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster", config.GetString("akka.cluster.downing-provider-class"));
        Assert.Equal("keep-majority", config.GetString("akka.cluster.split-brain-resolver.active-strategy"));
        Assert.Equal(TimeSpan.FromSeconds(20), config.GetTimeSpan("akka.cluster.split-brain-resolver.stable-after"));
        Assert.Equal(TimeSpan.FromSeconds(10), config.GetTimeSpan("akka.cluster.failure-detector.acceptable-heartbeat-pause"));
        Assert.Equal(1, config.GetInt("akka.cluster.min-nr-of-members"));
        Assert.Equal("127.0.0.1", config.GetString("akka.remote.dot-netty.tcp.public-hostname"));
    }

    [Fact]
    public async Task Static_quorum_reaches_the_resolver_with_its_size()
    {
        var config = await EffectiveAsync("""
            pipeline.cluster { split-brain-resolver = static-quorum, quorum-size = 2, stable-after = 5s }
            akka.loglevel = WARNING
            """);

        Assert.Equal("static-quorum", config.GetString("akka.cluster.split-brain-resolver.active-strategy"));
        Assert.Equal(2, config.GetInt("akka.cluster.split-brain-resolver.static-quorum.quorum-size"));
        Assert.Equal(TimeSpan.FromSeconds(5), config.GetTimeSpan("akka.cluster.split-brain-resolver.stable-after"));
    }

    [Fact]
    public async Task Split_brain_resolver_off_leaves_downing_to_an_operator()
    {
        var config = await EffectiveAsync("""
            pipeline.cluster.split-brain-resolver = off
            akka.loglevel = WARNING
            """);

        Assert.Equal(string.Empty, config.GetString("akka.cluster.downing-provider-class"));
    }
}
