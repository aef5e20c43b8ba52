using Akka;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Akka.Pattern;
using Akka.Persistence.Sql.Hosting;
using Akka.Remote.Hosting;
using Akka.Streams;
using Akka.Streams.Dsl;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pipeline.Actors.Graph;
using Pipeline.Models.Domain;

namespace Pipeline.Actors.Sources.Scraping;

/// <summary>Addresses one scraper entity (<c>nitter:gtbank</c>) through the shard region.</summary>
public sealed record ScraperEnvelope(string EntityId, object Message);

/// <summary>Wakes a scraper entity up (remember-entities keeps it running after that).</summary>
public sealed record StartScraping
{
    public static readonly StartScraping Instance = new();
}

/// <summary>Marker for the shard region in the actor registry.</summary>
public sealed class ScraperRegion;

/// <summary>Builds the <see cref="ISearchSource"/> instances of a source for a company's scraper.</summary>
public delegate IReadOnlyList<ISearchSource> SourceFactory(string source);

/// <summary>
/// Akka.Hosting composition of collection: a cluster of one (same code spreads over nodes),
/// journal and snapshots in PostgreSQL, one sharded scraper entity per company and source,
/// and the shared graph they all feed.
/// </summary>
public static class ScraperHosting
{
    public const string RegionName = "scrapers";

    public static AkkaConfigurationBuilder AddScrapers(
        this AkkaConfigurationBuilder builder,
        ScrapingSettings settings,
        IReadOnlyList<Company> companies,
        IReadOnlyList<string> sources,
        SourceFactory sourceFactory,
        string connectionString,
        SourceStatusBoard status,
        IReadOnlyList<string> readinessTags)
    {
        Sink<SourceItem, NotUsed>? ingress = null;
        Task? graphCompletion = null;
        var byId = companies.ToDictionary(c => c.Id.Value);
        var schedule = settings.Schedule(DateTimeOffset.UtcNow);

        return builder
            .WithRemoting(new RemoteOptions { HostName = "127.0.0.1", Port = 0 })
            .WithClustering(new ClusterOptions { MinimumNumberOfMembers = 1 })
            .WithAkkaClusterReadinessCheck(tags: readinessTags)
            // Scrapers wait for commit acknowledgements from this graph: if it has stopped, nothing is collected.
            .WithHealthCheck("scraper-graph", (_, _, _) => Task.FromResult(graphCompletion switch
            {
                null => HealthCheckResult.Unhealthy("the scrapers' graph has not started"),
                { IsFaulted: true } => HealthCheckResult.Unhealthy($"the scrapers' graph failed: {graphCompletion.Exception?.GetBaseException().Message}"),
                { IsCompleted: true } => HealthCheckResult.Unhealthy("the scrapers' graph has stopped"),
                _ => HealthCheckResult.Healthy("running"),
            }), tags: readinessTags)
            .WithSqlPersistence(connectionString, LinqToDB.ProviderName.PostgreSQL15, autoInitialize: true,
                journalBuilder: journal => journal.WithHealthCheck(HealthStatus.Unhealthy, "akka-persistence-journal", readinessTags))
            .WithActors((system, registry, resolver) =>
            {
                // A cluster of one joins itself; more nodes would list seed nodes instead.
                var cluster = Cluster.Get(system);
                cluster.Join(cluster.SelfAddress);
                var graph = resolver.GetService<PipelineGraph>();
                var (sink, killSwitch, completion) = graph.RunShared(system.Materializer());
                ingress = sink;
                graphCompletion = completion;
                CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseServiceUnbind, "stop-scraper-ingress", () =>
                {
                    killSwitch.Shutdown();
                    return Task.FromResult(Done.Instance);
                });
            })
            .WithShardRegion<ScraperRegion>(RegionName, entityId =>
                {
                    var (source, companyId) = Parse(entityId);
                    var spec = new ScraperSpec(byId[companyId], source, sourceFactory(source), schedule, settings.Backoff,
                        settings.SuspectPause,
                        ingress ?? throw new InvalidOperationException("The scraper ingress graph is not running."),
                        status, settings.Diagnostics);
                    // A scraper that keeps crashing is restarted with growing pauses; other scrapers are unaffected.
                    return BackoffSupervisor.Props(Backoff.OnFailure(
                        Props.Create(() => new ScraperActor(spec)), "scraper", settings.Backoff.Min, settings.Backoff.Max, 0.2, -1));
                },
                new ScraperMessageExtractor(),
                new ShardOptions
                {
                    RememberEntities = true,
                    RememberEntitiesStore = RememberEntitiesStore.Eventsourced,
                    StateStoreMode = StateStoreMode.DData,
                })
            .WithActors((_, registry) =>
            {
                var region = registry.Get<ScraperRegion>();
                foreach (var source in sources)
                {
                    foreach (var company in companies)
                    {
                        region.Tell(new ScraperEnvelope(EntityId(source, company.Id), StartScraping.Instance));
                    }
                }
            });
    }

    public static string EntityId(string source, CompanyId company) => $"{source}:{company}";

    private static (string Source, string Company) Parse(string entityId)
    {
        var colon = entityId.IndexOf(':', StringComparison.Ordinal);
        return (entityId[..colon], entityId[(colon + 1)..]);
    }

    private sealed class ScraperMessageExtractor() : HashCodeMessageExtractor(30)
    {
        public override string? EntityId(object message) => (message as ScraperEnvelope)?.EntityId;

        public override object? EntityMessage(object message) => (message as ScraperEnvelope)?.Message ?? message;
    }
}
