namespace Pipeline.Host.Settings;

/// <summary><c>pipeline.cluster.split-brain-resolver</c>: the strategies of Akka's Split Brain Resolver that we wire.</summary>
public enum SplitBrainStrategy
{
    /// <summary>The side with more than half of the members stays up; a tie keeps the side with the lowest address.</summary>
    KeepMajority,

    /// <summary>A side with at least <see cref="ClusterSettings.QuorumSize"/> members stays up; both may go down.</summary>
    StaticQuorum,

    /// <summary>The side with the oldest member stays up.</summary>
    KeepOldest,

    /// <summary>No automatic downing: an operator downs unreachable members (scrapers on them do not move meanwhile).</summary>
    Off,
}

/// <summary><c>pipeline.cluster</c>: how this node is reached, whom it joins, and how a partition is resolved.</summary>
/// <param name="Host">The host name or address other nodes reach this one at (advertised in its address).</param>
/// <param name="Port">The port other nodes reach this one at; 0: a random free port (only a cluster of one can use it).</param>
/// <param name="BindHost">The interface the node listens on; differs from <paramref name="Host"/> behind NAT or in a container.</param>
/// <param name="BindPort">The port the node listens on; differs from <paramref name="Port"/> when a port is mapped.</param>
/// <param name="SeedNodes">Addresses (<c>akka.tcp://pipeline@host:port</c>) joined at start; none: the node joins itself.</param>
/// <param name="QuorumSize">Members a side needs to stay up under <see cref="SplitBrainStrategy.StaticQuorum"/>.</param>
/// <param name="DownIfAlone">Under <see cref="SplitBrainStrategy.KeepOldest"/>: the oldest member downs itself when it is cut off alone.</param>
/// <param name="StableAfter">How long membership must be still before the resolver decides.</param>
/// <param name="AcceptableHeartbeatPause">How long heartbeats may be missing before a member is unreachable.</param>
public sealed record ClusterSettings(
    string Host,
    int Port,
    string BindHost,
    int BindPort,
    IReadOnlyList<string> SeedNodes,
    SplitBrainStrategy SplitBrainResolver,
    int QuorumSize,
    bool DownIfAlone,
    TimeSpan StableAfter,
    TimeSpan AcceptableHeartbeatPause)
{
    /// <summary>The actor system's name: part of every node's address, so every node and seed address must use it.</summary>
    public const string SystemName = "pipeline";

    public static ClusterSettings Default { get; } = new(
        "127.0.0.1", 0, "127.0.0.1", 0, [], SplitBrainStrategy.KeepMajority, 0, true, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(10));

    /// <summary>No seed nodes: a cluster of one, which joins itself.</summary>
    public bool JoinsItself => SeedNodes.Count == 0;
}
