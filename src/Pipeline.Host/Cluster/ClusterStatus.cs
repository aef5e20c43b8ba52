using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using static Akka.Cluster.ClusterEvent;

namespace Pipeline.Host.Cluster;

/// <summary>One member as <c>GET /status/cluster</c> shows it.</summary>
/// <param name="Age">1 for the oldest member that is up (keep-oldest keeps its side; singletons live there), 2 for the next…; 0 before it is up.</param>
/// <param name="Shards">Scraper shards this member hosts; null when its region did not answer.</param>
/// <param name="Scrapers">Scraper entities running on it; null when its region did not answer.</param>
public sealed record MemberView(
    string Address, string Status, IReadOnlyList<string> Roles, int Age, bool IsLeader, bool IsSelf, bool Reachable,
    int? Shards, int? Scrapers);

/// <summary>Where one scraper entity runs; <paramref name="Node"/> null: no answering region has it (moving, or its node did not answer).</summary>
public sealed record ScraperPlacement(string Entity, string? Node, string? Shard);

/// <summary>The last membership or reachability change this node saw.</summary>
public sealed record ClusterEventView(string Event, string Member, DateTimeOffset At);

/// <param name="Unanswered">Members whose scraper region was not asked (unreachable) or did not answer in time.</param>
/// <param name="LastMoved">When this node's status queries last saw a scraper on another node than the time before.</param>
public sealed record ClusterStatusView(
    string Self, string? Leader, int NodeCount, IReadOnlyList<MemberView> Members, IReadOnlyList<ScraperPlacement> Scrapers,
    IReadOnlyList<string> Unanswered, ClusterEventView? LastMemberEvent, DateTimeOffset? LastMoved, DateTimeOffset At);

/// <summary>The pure part of the cluster status: a view built from the membership and each region's shards.</summary>
public static class ClusterView
{
    /// <param name="expected">Every scraper entity there should be (sources × companies), listed even when no region has it.</param>
    /// <param name="regions">Each asked member's region state; null for a member that did not answer.</param>
    public static ClusterStatusView Build(
        CurrentClusterState state, Address self, IReadOnlyList<string> expected, IReadOnlyDictionary<Address, CurrentShardRegionState?> regions,
        ClusterEventView? lastEvent, DateTimeOffset? lastMoved, DateTimeOffset now)
    {
        var unreachable = state.Unreachable.Select(m => m.Address).ToHashSet();
        var placements = new Dictionary<string, (Address Node, string Shard)>(StringComparer.Ordinal);
        foreach (var (address, region) in regions)
        {
            foreach (var shard in region?.Shards ?? ImmutableHashSet<ShardState>.Empty)
            {
                foreach (var entity in shard.EntityIds)
                {
                    placements[entity] = (address, shard.ShardId);
                }
            }
        }

        // Member's up-number is internal; its age ordering is not.
        var ages = state.Members.Where(m => m.Status is MemberStatus.Up or MemberStatus.Leaving or MemberStatus.Exiting)
            .Order(Member.AgeOrdering).Select((m, i) => (m.Address, Age: i + 1)).ToDictionary(a => a.Address, a => a.Age);
        var members = state.Members
            .OrderBy(m => m.Address)
            .Select(m =>
            {
                var region = regions.GetValueOrDefault(m.Address);
                return new MemberView(
                    m.Address.ToString(), Kebab(m.Status), [.. m.Roles.Order(StringComparer.Ordinal)], ages.GetValueOrDefault(m.Address),
                    m.Address == state.Leader, m.Address == self, !unreachable.Contains(m.Address),
                    region?.Shards.Count(s => s.EntityIds.Count > 0), region?.Shards.Sum(s => s.EntityIds.Count));
            })
            .ToList();
        var scrapers = expected.Union(placements.Keys, StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .Select(e => placements.TryGetValue(e, out var p) ? new ScraperPlacement(e, p.Node.ToString(), p.Shard) : new ScraperPlacement(e, null, null))
            .ToList();
        var unanswered = state.Members.Select(m => m.Address).Where(a => regions.GetValueOrDefault(a) is null && IsHosting(state, a))
            .Order().Select(a => a.ToString()).ToList();
        return new ClusterStatusView(self.ToString(), state.Leader?.ToString(), state.Members.Count(m => m.Status != MemberStatus.Removed),
            members, scrapers, unanswered, lastEvent, lastMoved, now);
    }

    /// <summary>Members that may host shards: regions run on members from Up until they are removed.</summary>
    public static bool IsHosting(CurrentClusterState state, Address member) =>
        state.Members.Any(m => m.Address == member && m.Status is MemberStatus.Up or MemberStatus.WeaklyUp or MemberStatus.Leaving or MemberStatus.Exiting);

    /// <summary>When a scraper seen last time is now on another node, <paramref name="now"/>; otherwise <paramref name="lastMoved"/>.</summary>
    public static DateTimeOffset? Moved(
        IReadOnlyDictionary<string, string> before, IReadOnlyList<ScraperPlacement> after, DateTimeOffset? lastMoved, DateTimeOffset now) =>
        after.Any(p => p.Node is not null && before.TryGetValue(p.Entity, out var node) && node != p.Node) ? now : lastMoved;

    private static string Kebab(MemberStatus status) => status switch
    {
        MemberStatus.WeaklyUp => "weakly-up",
        _ => status.ToString().ToLowerInvariant(),
    };
}

/// <summary>The scraper entities this deployment runs (sources × companies); empty when scraping is off.</summary>
public sealed record ScraperRoster(IReadOnlyList<string> EntityIds)
{
    public static ScraperRoster None { get; } = new([]);
}

/// <summary>The last cluster event, written by <see cref="ClusterEventRecorder"/>, read by the status endpoint.</summary>
public sealed class ClusterEventLog
{
    private volatile ClusterEventView? _last;

    public ClusterEventView? Last => _last;

    public void Record(ClusterEventView view) => _last = view;
}

/// <summary>Keeps <see cref="ClusterEventLog"/> up to date with membership and reachability changes.</summary>
public sealed class ClusterEventRecorder : ReceiveActor
{
    public ClusterEventRecorder(ClusterEventLog log)
    {
        Receive<IMemberEvent>(e => log.Record(new ClusterEventView(Name(e), e.Member.Address.ToString(), DateTimeOffset.UtcNow)));
        Receive<UnreachableMember>(e => log.Record(new ClusterEventView(Name(e), e.Member.Address.ToString(), DateTimeOffset.UtcNow)));
        Receive<ReachableMember>(e => log.Record(new ClusterEventView(Name(e), e.Member.Address.ToString(), DateTimeOffset.UtcNow)));
    }

    protected override void PreStart() =>
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, InitialStateAsEvents, typeof(IMemberEvent), typeof(IReachabilityEvent));

    protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);

    private static string Name(object e) => e switch
    {
        MemberJoined => "joined",
        MemberWeaklyUp => "weakly-up",
        MemberUp => "up",
        MemberLeft => "left",
        MemberExited => "exited",
        MemberDowned => "downed",
        MemberRemoved => "removed",
        UnreachableMember => "unreachable",
        ReachableMember => "reachable",
        _ => e.GetType().Name,
    };
}
