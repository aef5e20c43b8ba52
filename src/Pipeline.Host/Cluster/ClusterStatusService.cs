using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Pipeline.Actors.Sources.Scraping;

namespace Pipeline.Host.Cluster;

/// <summary>Answers <c>GET /status/cluster</c>: the membership, and each member's scrapers asked from its region.</summary>
public sealed class ClusterStatusService(ActorSystem system, ClusterEventLog events, ScraperRoster roster)
{
    /// <summary>How long a member's region may take to answer; the whole query takes at most this long.</summary>
    public static readonly TimeSpan RegionTimeout = TimeSpan.FromSeconds(3);

    private readonly Lock _gate = new();
    private IReadOnlyDictionary<string, string> _placements = new Dictionary<string, string>();
    private DateTimeOffset? _lastMoved;

    public async Task<ClusterStatusView> GetAsync(CancellationToken ct)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var state = cluster.State;
        var regions = new Dictionary<Address, CurrentShardRegionState?>();
        if (roster.EntityIds.Count > 0)
        {
            var unreachable = state.Unreachable.Select(m => m.Address).ToHashSet();
            var asked = state.Members.Select(m => m.Address)
                .Where(a => ClusterView.IsHosting(state, a) && !unreachable.Contains(a))
                .Select(async address => (address, await AskRegionAsync(address, ct)));
            foreach (var (address, region) in await Task.WhenAll(asked))
            {
                regions[address] = region;
            }
        }

        lock (_gate)
        {
            var now = DateTimeOffset.UtcNow;
            var view = ClusterView.Build(state, cluster.SelfAddress, roster.EntityIds, regions, events.Last, _lastMoved, now);
            _lastMoved = ClusterView.Moved(_placements, view.Scrapers, _lastMoved, now);
            // The last node each scraper was seen on: one caught between nodes (no region has it) still counts as moved once placed.
            var placements = new Dictionary<string, string>(_placements, StringComparer.Ordinal);
            foreach (var placed in view.Scrapers.Where(s => s.Node is not null))
            {
                placements[placed.Entity] = placed.Node!;
            }

            _placements = placements;
            return view with { LastMoved = _lastMoved };
        }
    }

    /// <summary>
    /// Another node's region is reachable only by its path (the actor registry holds this node's alone), so here, unlike
    /// in the actors, an <see cref="ActorSelection"/> it is. Null when it does not answer within <see cref="RegionTimeout"/>.
    /// </summary>
    private async Task<CurrentShardRegionState?> AskRegionAsync(Address member, CancellationToken ct)
    {
        var path = new RootActorPath(member) / "system" / "sharding" / ScraperHosting.RegionName;
        try
        {
            return await system.ActorSelection(path).Ask<CurrentShardRegionState>(GetShardRegionState.Instance, RegionTimeout, ct);
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException or ActorNotFoundException)
        {
            return null;
        }
    }
}

/// <summary>Akka.Hosting registration of the cluster status's event recorder.</summary>
public static class ClusterStatusHosting
{
    public static AkkaConfigurationBuilder AddClusterStatus(this AkkaConfigurationBuilder builder) =>
        builder.WithActors((system, _, resolver) =>
            system.ActorOf(Props.Create(() => new ClusterEventRecorder(resolver.GetService<ClusterEventLog>())), "cluster-events"));
}
