using System.Globalization;
using Akka.Actor;
using Akka.Cluster;
using ClusterSettings = Pipeline.Host.Settings.ClusterSettings;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Hosting;
using Akka.Persistence.Sql.Hosting;
using Akka.Remote.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pipeline.Host.Http;
using Pipeline.Host.Settings;

namespace Pipeline.Host;

/// <summary>
/// The node's Akka infrastructure in one place, from typed settings: remoting, the cluster and its split brain
/// resolver, the journal, and Akka's own health checks. The actors (importer, scrapers' graph, shard region) are
/// added by their own extension methods in <see cref="PipelineComposition"/>.
/// </summary>
public static class AkkaConfiguration
{
    /// <param name="config">The whole configuration file; its <c>akka { }</c> section (log levels, phase timeouts) applies.</param>
    /// <param name="journalConnectionString">The scrapers' journal and snapshots (Akka.Persistence.Sql); null: no persistence (nothing sharded runs).</param>
    public static AkkaConfigurationBuilder ConfigureNode(
        this AkkaConfigurationBuilder akka, PipelineSettings settings, Akka.Configuration.Config config, string? journalConnectionString)
    {
        var cluster = settings.Cluster;
        akka.AddHocon(config, HoconAddMode.Prepend)
            .AddHocon(Timings(cluster), HoconAddMode.Prepend)
            .ConfigureLoggers(loggers => loggers.AddLoggerFactory())
            // Akka's hostname is what it binds; public-hostname is what it writes in its address for others to reach.
            .WithRemoting(new RemoteOptions
            {
                HostName = cluster.BindHost,
                Port = cluster.BindPort,
                PublicHostName = cluster.Host,
                PublicPort = cluster.Port,
            })
            .WithClustering(new ClusterOptions
            {
                // Also with seed nodes: a single node left after the others died or left must keep collecting for every company.
                MinimumNumberOfMembers = 1,
                SeedNodes = [.. cluster.SeedNodes],
                SplitBrainResolver = SplitBrainResolver(cluster),
            })
            .WithActorSystemLivenessCheck(tags: [PipelineEndpoints.LiveTag])
            .WithAkkaClusterReadinessCheck(tags: [PipelineEndpoints.ReadyTag]);

        if (journalConnectionString is not null)
        {
            // The owner makes the journal's tables (migration V008): the service runs as a writer that may not create any.
            akka.WithSqlPersistence(journalConnectionString, LinqToDB.ProviderName.PostgreSQL15, autoInitialize: false,
                journalBuilder: journal => journal.WithHealthCheck(HealthStatus.Unhealthy, "akka-persistence-journal", [PipelineEndpoints.ReadyTag]));
        }

        if (cluster.JoinsItself)
        {
            // A cluster of one: its address (random port by default) is only known once remoting is up.
            akka.WithActors((system, _) =>
            {
                var self = Akka.Cluster.Cluster.Get(system);
                self.Join(self.SelfAddress);
            });
        }

        return akka;
    }

    /// <summary>The strategy as Akka.Cluster.Hosting writes it; null for <c>off</c>, whose downing provider <see cref="Timings"/> removes.</summary>
    public static SplitBrainResolverOption? SplitBrainResolver(ClusterSettings cluster) => cluster.SplitBrainResolver switch
    {
        SplitBrainStrategy.KeepMajority => new KeepMajorityOption(),
        SplitBrainStrategy.StaticQuorum => new StaticQuorumOption { QuorumSize = cluster.QuorumSize },
        SplitBrainStrategy.KeepOldest => new KeepOldestOption { DownIfAlone = cluster.DownIfAlone },
        _ => null,
    };

    /// <summary>What <see cref="ClusterOptions"/> has no property for: the resolver's patience and the failure detector's.</summary>
    public static string Timings(ClusterSettings cluster)
    {
        var hocon = string.Create(CultureInfo.InvariantCulture, $$"""
            akka.cluster.split-brain-resolver.stable-after = {{(long)cluster.StableAfter.TotalMilliseconds}}ms
            akka.cluster.failure-detector.acceptable-heartbeat-pause = {{(long)cluster.AcceptableHeartbeatPause.TotalMilliseconds}}ms
            """);
        // Akka 1.5 downs with the resolver (keep-majority) unless told otherwise.
        return cluster.SplitBrainResolver == SplitBrainStrategy.Off ? hocon + "\nakka.cluster.downing-provider-class = \"\"" : hocon;
    }
}
