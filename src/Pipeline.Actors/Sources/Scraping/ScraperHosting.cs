using System.Globalization;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;
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
/// Akka.Hosting registration of collection: one sharded scraper entity per company and source (remember-entities, so
/// they keep running, and move to the surviving nodes from their persisted checkpoints), each feeding the shared graph
/// of the node it runs on. Remoting, clustering and the journal are the Host's (<c>AkkaConfiguration</c>).
/// </summary>
public static class ScraperHosting
{
    public const string RegionName = "scrapers";
    public const string GraphCheck = "scraper-graph";

    /// <summary>Registers the shard region and wakes every scraper up; the node's <see cref="SharedGraphEntrance"/> comes from the service provider.</summary>
    public static AkkaConfigurationBuilder AddScrapers(
        this AkkaConfigurationBuilder builder,
        ScrapingSettings settings,
        IReadOnlyList<Company> companies,
        IReadOnlyList<string> sources,
        SourceFactory sourceFactory,
        SourceStatusBoard status)
    {
        var byId = companies.ToDictionary(c => c.Id.Value);
        var enabled = sources.ToHashSet(StringComparer.Ordinal);
        var schedule = settings.Schedule(DateTimeOffset.UtcNow);

        return builder
            .WithShardRegion<ScraperRegion>(RegionName, (_, _, resolver) =>
                {
                    var entrance = resolver.GetService<SharedGraphEntrance>();
                    var metrics = resolver.GetService<PipelineMetrics>();
                    return entityId =>
                    {
                        if (Retired(entityId, byId, enabled) is { } reason)
                        {
                            return Props.Create(() => new RetiredScraper(entityId, reason));
                        }

                        var (source, companyId) = Parse(entityId)!.Value;
                        var spec = new ScraperSpec(byId[companyId], source, sourceFactory(source), schedule, settings.Backoff,
                            settings.SuspectPause, entrance, status, settings.Diagnostics, metrics);
                        // A scraper that keeps crashing is restarted with growing pauses; other scrapers are unaffected.
                        return ScraperActor.Supervised(spec);
                    };
                },
                new ScraperMessageExtractor(),
                new ShardOptions
                {
                    RememberEntities = true,
                    RememberEntitiesStore = RememberEntitiesStore.Eventsourced,
                    StateStoreMode = StateStoreMode.DData,
                })
            .WithActors((system, registry) =>
            {
                // Every node asks for every entity: the shard that owns it starts it once, wherever that shard lives.
                // Asked again every WakeInterval, because a shard that cannot load its remembered entities in time (three
                // nodes starting on two cores) drops the wake-up it was sent, and that scraper would never start.
                // A running scraper ignores the message.
                var region = registry.Get<ScraperRegion>();
                foreach (var source in sources)
                {
                    foreach (var company in companies)
                    {
                        system.Scheduler.ScheduleTellRepeatedly(TimeSpan.Zero, WakeInterval, region,
                            new ScraperEnvelope(EntityId(source, company.Id), StartScraping.Instance), ActorRefs.NoSender);
                    }
                }
            });
    }

    /// <summary>How often every node asks for every configured scraper to be running.</summary>
    public static readonly TimeSpan WakeInterval = TimeSpan.FromSeconds(30);

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
