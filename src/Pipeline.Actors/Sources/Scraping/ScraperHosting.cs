using System.Globalization;
using Akka;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Event;
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

/// <summary>Marker for the shared graph's backoff supervisor in the actor registry.</summary>
public sealed class SharedScraperGraph;

/// <summary>
/// Akka.Hosting composition of collection: a cluster of one (same code spreads over nodes),
/// journal and snapshots in PostgreSQL, one sharded scraper entity per company and source,
/// and the shared graph they all feed, restarted with backoff whenever it fails.
/// </summary>
public static class ScraperHosting
{
    public const string RegionName = "scrapers";
    public const string GraphCheck = "scraper-graph";

    /// <param name="entrance">The shared graph's entrance; also read by readiness (and whoever shows its restarts).</param>
    /// <param name="supervision">How the shared graph is restarted (<c>pipeline.supervision</c>).</param>
    /// <param name="drainTimeout">How long a shutdown waits for the pages in flight to be committed.</param>
    public static AkkaConfigurationBuilder AddScrapers(
        this AkkaConfigurationBuilder builder,
        ScrapingSettings settings,
        IReadOnlyList<Company> companies,
        IReadOnlyList<string> sources,
        SourceFactory sourceFactory,
        string connectionString,
        SourceStatusBoard status,
        SharedGraphEntrance entrance,
        SupervisionSettings supervision,
        IReadOnlyList<string> readinessTags,
        TimeSpan? drainTimeout = null)
    {
        var byId = companies.ToDictionary(c => c.Id.Value);
        var enabled = sources.ToHashSet(StringComparer.Ordinal);
        var schedule = settings.Schedule(DateTimeOffset.UtcNow);

        return builder
            .WithRemoting(new RemoteOptions { HostName = "127.0.0.1", Port = 0 })
            .WithClustering(new ClusterOptions { MinimumNumberOfMembers = 1 })
            .WithAkkaClusterReadinessCheck(tags: readinessTags)
            // Scrapers wait for commit acknowledgements from this graph: while it is down, nothing is collected.
            .WithHealthCheck(GraphCheck, (_, _, _) => Task.FromResult(GraphHealth(entrance.State)), tags: readinessTags)
            // The owner makes the journal's tables (migration V008): the service runs as a writer that may not create any.
            .WithSqlPersistence(connectionString, LinqToDB.ProviderName.PostgreSQL15, autoInitialize: false,
                journalBuilder: journal => journal.WithHealthCheck(HealthStatus.Unhealthy, "akka-persistence-journal", readinessTags))
            .WithActors((system, registry, resolver) =>
            {
                // A cluster of one joins itself; more nodes would list seed nodes instead.
                var cluster = Cluster.Get(system);
                cluster.Join(cluster.SelfAddress);
                var graph = system.ActorOf(SharedGraphRunner.Props(resolver.GetService<PipelineGraph>(), entrance, supervision), "scraper-graph");
                registry.Register<SharedScraperGraph>(graph);
                var drain = drainTimeout ?? TimeSpan.FromSeconds(30);
                CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseServiceUnbind, "stop-scraper-ingress", async () =>
                {
                    try
                    {
                        await graph.Ask<SharedGraphRunner.Drained>(SharedGraphRunner.Drain.Instance, drain);
                    }
                    catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
                    {
                        system.Log.Warning("The scrapers' graph did not drain within {0}; uncommitted pages are fetched again next start", drain);
                    }

                    return Done.Instance;
                });
            })
            .WithShardRegion<ScraperRegion>(RegionName, entityId =>
                {
                    if (Retired(entityId, byId, enabled) is { } reason)
                    {
                        return Props.Create(() => new RetiredScraper(entityId, reason));
                    }

                    var (source, companyId) = Parse(entityId)!.Value;
                    var spec = new ScraperSpec(byId[companyId], source, sourceFactory(source), schedule, settings.Backoff,
                        settings.SuspectPause, entrance, status, settings.Diagnostics);
                    // A scraper that keeps crashing is restarted with growing pauses; other scrapers are unaffected.
                    return ScraperActor.Supervised(spec);
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

    /// <summary>Readiness of the shared graph: Unhealthy while it is down, with why and how often; its numbers in the data.</summary>
    public static HealthCheckResult GraphHealth(SharedGraphState state)
    {
        var data = new Dictionary<string, object>
        {
            ["phase"] = state.Phase.ToString(),
            ["generation"] = state.Generation,
            ["restarts"] = state.Restarts,
        };
        if (state.LastFailure is { } failure)
        {
            data["lastFailure"] = failure;
            data["lastFailureAt"] = state.LastFailureAt!.Value.ToString("O", CultureInfo.InvariantCulture);
        }

        var since = state.Since?.ToString("O", CultureInfo.InvariantCulture);
        var history = state.Restarts == 0 ? string.Empty : $"; restarted {state.Restarts} time(s), last failure at {data["lastFailureAt"]}: {state.LastFailure}";
        return state.Phase switch
        {
            SharedGraphPhase.Running => HealthCheckResult.Healthy($"running since {since}{history}", data),
            SharedGraphPhase.Restarting => HealthCheckResult.Unhealthy(
                $"the scrapers' graph {state.LastFailure} at {since}; restarting with backoff (restart {state.Restarts})", data: data),
            SharedGraphPhase.Draining => HealthCheckResult.Unhealthy($"the scrapers' graph is draining: the node is stopping (since {since})", data: data),
            SharedGraphPhase.Stopped => HealthCheckResult.Unhealthy($"the scrapers' graph has stopped (since {since})", data: data),
            _ => HealthCheckResult.Unhealthy("the scrapers' graph has not started", data: data),
        };
    }

    /// <summary>Why an entity the shard remembers has no scraper any more; null when it has one.</summary>
    private static string? Retired(string entityId, IReadOnlyDictionary<string, Company> companies, IReadOnlySet<string> sources) =>
        Parse(entityId) switch
        {
            null => "its id is not source:company",
            var (source, _) when !sources.Contains(source) => $"source '{source}' is not enabled in pipeline.scraping",
            var (_, company) when !companies.ContainsKey(company) => $"company '{company}' is no longer in pipeline.companies",
            _ => null,
        };

    private static (string Source, string Company)? Parse(string entityId)
    {
        var colon = entityId.IndexOf(':', StringComparison.Ordinal);
        return colon <= 0 || colon == entityId.Length - 1 ? null : (entityId[..colon], entityId[(colon + 1)..]);
    }

    private sealed class ScraperMessageExtractor() : HashCodeMessageExtractor(30)
    {
        public override string? EntityId(object message) => (message as ScraperEnvelope)?.EntityId;

        public override object? EntityMessage(object message) => (message as ScraperEnvelope)?.Message ?? message;
    }
}
