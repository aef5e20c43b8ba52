using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Remote;
using Akka.Remote.Transport;
using Pipeline.Tests.Shared;

namespace Pipeline.Actors.Tests.Cluster;

/// <summary>
/// What the Split Brain Resolver decides for the strategy the service runs (keep-majority, issue 12), on real nodes:
/// separate actor systems in this process, clustered over loopback, partitioned by Akka's throttler transport
/// adapter, the same blackhole Akka's TestConductor uses. The resolver's decision types are internal to Akka.Cluster,
/// so the decision is observed where it matters: which nodes stay members and which ones down themselves.
/// Timings are shortened (the service's stable-after is 20s); the decision does not depend on them.
/// </summary>
public sealed class SplitBrainResolverSpecs
{
    private static readonly Config NodeConfig = ConfigurationFactory.ParseString("""
        akka {
          loglevel = WARNING
          actor.provider = cluster
          remote.dot-netty.tcp {
            hostname = 127.0.0.1
            port = 0
            applied-adapters = [trttl]
          }
          cluster {
            downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
            split-brain-resolver {
              active-strategy = keep-majority
              stable-after = 2s
            }
            failure-detector {
              heartbeat-interval = 200ms
              acceptable-heartbeat-pause = 1s
            }
            unreachable-nodes-reaper-interval = 200ms
            gossip-interval = 200ms
            leader-actions-interval = 200ms
          }
          coordinated-shutdown.exit-clr = off
        }
        """);

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact(Timeout = 90_000)]
    public async Task Three_nodes_split_two_to_one_the_two_down_the_one_and_the_one_downs_itself()
    {
        var nodes = await StartClusterAsync(3);
        try
        {
            var (majority, minority) = (nodes.Take(2).ToList(), nodes.Skip(2).ToList());

            await PartitionAsync(majority, minority);

            await AssertSurviveAlone(majority, minority);
            await AssertDownedThemselves(minority);
        }
        finally
        {
            await Task.WhenAll(nodes.Select(n => n.Terminate()));
        }
    }

    [Fact(Timeout = 90_000)]
    public async Task Four_nodes_split_two_to_two_the_side_with_the_lowest_address_keeps_running()
    {
        var nodes = await StartClusterAsync(4);
        try
        {
            // The lowest address: same host, so the lowest port. Each side has one node of the other's neighbours,
            // so that the outcome cannot come from which nodes joined first.
            var ordered = nodes.OrderBy(n => Address(n).Port).ToList();
            List<ActorSystem> lowest = [ordered[0], ordered[3]], other = [ordered[1], ordered[2]];

            await PartitionAsync(lowest, other);

            await AssertSurviveAlone(lowest, other);
            await AssertDownedThemselves(other);
        }
        finally
        {
            await Task.WhenAll(nodes.Select(n => n.Terminate()));
        }
    }

    private static Address Address(ActorSystem node) => Akka.Cluster.Cluster.Get(node).SelfAddress;

    private static async Task<List<ActorSystem>> StartClusterAsync(int size)
    {
        var nodes = Enumerable.Range(0, size).Select(i => ActorSystem.Create("pipeline", NodeConfig)).ToList();
        var seed = Address(nodes[0]);
        foreach (var node in nodes)
        {
            await Akka.Cluster.Cluster.Get(node).JoinAsync(seed, TestContext.Current.CancellationToken);
        }

        await Eventually.TrueAsync($"{size} nodes up", () => Task.FromResult(nodes.All(n =>
            Akka.Cluster.Cluster.Get(n).State.Members.Count(m => m.Status == MemberStatus.Up) == size)), Patience);
        return nodes;
    }

    /// <summary>Every message between the two sides dropped, both ways, from both sides: a clean network partition.</summary>
    private static async Task PartitionAsync(IReadOnlyList<ActorSystem> side, IReadOnlyList<ActorSystem> otherSide)
    {
        foreach (var (from, to) in side.SelectMany(a => otherSide.Select(b => (a, b))).SelectMany(p => new[] { p, (p.b, p.a) }))
        {
            Assert.True(await ((RemoteActorRefProvider)((ExtendedActorSystem)from).Provider).Transport.ManagementCommand(
                new SetThrottle(Address(to), ThrottleTransportAdapter.Direction.Both, Blackhole.Instance)));
        }
    }

    private static Task AssertSurviveAlone(IReadOnlyList<ActorSystem> survivors, IReadOnlyList<ActorSystem> downed) =>
        Eventually.TrueAsync("the surviving side removed the other side and runs on", () => Task.FromResult(survivors.All(n =>
        {
            var cluster = Akka.Cluster.Cluster.Get(n);
            Assert.False(cluster.IsTerminated, $"{cluster.SelfAddress} of the side that should survive downed itself");
            var members = cluster.State.Members.Select(m => m.Address).ToHashSet();
            return survivors.All(s => members.Contains(Address(s))) && downed.All(d => !members.Contains(Address(d)))
                   && cluster.State.Unreachable.Count == 0;
        })), Patience);

    private static Task AssertDownedThemselves(IReadOnlyList<ActorSystem> downed) =>
        Eventually.TrueAsync("the other side downed itself and shut down", () => Task.FromResult(downed.All(n =>
            Akka.Cluster.Cluster.Get(n).IsTerminated && n.WhenTerminated.IsCompleted)), Patience);
}
