using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pipeline.Host.Http;

namespace Pipeline.Host.Scoring;

/// <summary>A model this node can switch: its reloader and the version it runs now.</summary>
public sealed record ReloadTarget(IModelReloader Reloader, Func<string> CurrentVersion);

/// <summary>The latest member list and reports, written by <see cref="ModelReloadPropagator"/> and read by the <c>model-consensus</c> check.</summary>
public sealed class ModelConsensusBoard
{
    private volatile Snapshot _snapshot = new([], new Dictionary<string, NodeModels>());

    public HealthCheckResult Evaluate()
    {
        var snapshot = _snapshot;
        return snapshot.Members.Count == 0
            ? HealthCheckResult.Degraded("this node has not joined the cluster yet")
            : ModelConsensus.Evaluate(snapshot.Members, snapshot.Reports);
    }

    internal void Publish(IReadOnlyCollection<string> members, IReadOnlyDictionary<string, NodeModels> reports) =>
        _snapshot = new Snapshot(members, reports);

    private sealed record Snapshot(IReadOnlyCollection<string> Members, IReadOnlyDictionary<string, NodeModels> Reports);
}

/// <summary>
/// One per node. Takes this node's reload requests and publishes them on <see cref="ReloadTopic"/>; every node
/// (this one included, so a cluster of one takes the same path) switches when it hears one and answers the
/// request's collector. Each node also publishes what it runs on <see cref="VersionsTopic"/>: that feeds
/// <c>model-consensus</c>, and a node that was down or missed a publish adopts the newest desired model it hears of.
/// </summary>
public sealed class ModelReloadPropagator : ReceiveActor, IWithUnboundedStash, IWithTimers
{
    public const string ReloadTopic = "model-reloads";
    public const string VersionsTopic = "model-versions";

    private readonly IReadOnlyDictionary<ModelKind, ReloadTarget> _targets;
    private readonly string _modelsRoot;
    private readonly ModelConsensusBoard _board;
    private readonly TimeSpan _ackTimeout;
    private readonly TimeSpan _versionsInterval;
    private readonly IActorRef _mediator = DistributedPubSub.Get(Context.System).Mediator;
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly string _self;
    private readonly Dictionary<ModelKind, KindState> _kinds = [];
    private readonly Dictionary<string, List<IActorRef>> _superseded = [];
    private readonly HashSet<string> _up = [];
    private readonly Dictionary<string, NodeModels> _reports = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private int _pendingAcks = 2;

    public ModelReloadPropagator(
        IReadOnlyDictionary<ModelKind, ReloadTarget> targets, string modelsRoot, ModelConsensusBoard board, TimeSpan ackTimeout, TimeSpan versionsInterval)
    {
        _targets = targets;
        _modelsRoot = modelsRoot;
        _board = board;
        _ackTimeout = ackTimeout;
        _versionsInterval = versionsInterval;
        _self = _cluster.SelfAddress.ToString();
        Subscribing();
    }

    public IStash Stash { get; set; } = null!;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(
        IReadOnlyDictionary<ModelKind, ReloadTarget> targets, string modelsRoot, ModelConsensusBoard board, TimeSpan ackTimeout, TimeSpan versionsInterval) =>
        Akka.Actor.Props.Create(() => new ModelReloadPropagator(targets, modelsRoot, board, ackTimeout, versionsInterval));

    protected override void PreStart()
    {
        _mediator.Tell(new Subscribe(ReloadTopic, Self));
        _mediator.Tell(new Subscribe(VersionsTopic, Self));
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent));
        Timers.StartPeriodicTimer("versions", PublishVersions.Instance, TimeSpan.Zero, _versionsInterval);
    }

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    /// <summary>Until both topics are subscribed: a request published now would miss this very node.</summary>
    private void Subscribing()
    {
        Receive<SubscribeAck>(_ =>
        {
            if (--_pendingAcks == 0)
            {
                Become(Ready);
                Stash.UnstashAll();
            }
        });
        Receive<Reload>(_ => Stash.Stash());
        Common();
    }

    private void Ready()
    {
        Receive<Reload>(reload =>
        {
            var desired = new DesiredModel(Guid.NewGuid().ToString("N"), reload.Kind, reload.Folder, DateTimeOffset.UtcNow, _self);
            // Whoever is Up now is asked; a member joining later catches up through the versions it hears. An
            // unreachable one is reported as not answering without being waited for: it cannot answer in time.
            var unreachable = _cluster.State.Unreachable.Select(m => m.Address.ToString()).ToHashSet();
            var expected = _up.Append(_self).Distinct().ToList();
            var collector = Context.ActorOf(ReloadCollector.Props(_self, expected, [.. expected.Where(n => !unreachable.Contains(n))], _ackTimeout, Sender));
            _mediator.Tell(new Publish(ReloadTopic, new ReloadRequested(desired, collector)));
        });
        Receive<ReloadRequested>(request => OnRequested(request.Desired, request.ReplyTo));
        Receive<SubscribeAck>(_ => { });
        Common();
    }

    private void Common()
    {
        Receive<Applied>(OnApplied);
        Receive<NodeModels>(OnReport);
        Receive<PublishVersions>(_ => PublishOwn());
        Receive<ClusterEvent.MemberUp>(e => Member(e.Member, up: true));
        Receive<ClusterEvent.MemberJoined>(_ => { });
        Receive<ClusterEvent.MemberWeaklyUp>(_ => { });
        Receive<ClusterEvent.IMemberEvent>(e => Member(e.Member, up: false));
    }

    private void OnRequested(DesiredModel desired, IActorRef replyTo)
    {
        var state = _kinds.GetValueOrDefault(desired.Kind);
        if (desired.Supersedes(state?.Desired))
        {
            Apply(desired, replyTo);
        }
        else if (state is not null && state.Desired == desired)
        {
            // Heard of it through another node's versions first: answer with how it went (or will go).
            if (state.Outcome is { } outcome)
            {
                replyTo.Tell(outcome);
            }
            else
            {
                state.Waiting.Add(replyTo);
            }
        }
        else
        {
            replyTo.Tell(new NodeReloadOutcome(_self, NodeReloadResult.Rejected, CurrentVersion(desired.Kind) ?? "(disabled)",
                Error: $"superseded by a newer reload ({state?.Desired?.RequestId})"));
        }
    }

    private void Apply(DesiredModel desired, IActorRef replyTo)
    {
        if (_kinds.GetValueOrDefault(desired.Kind) is { Outcome: null } loading)
        {
            // Still loading: whoever waits for it gets its answer when it is done.
            _superseded[loading.Desired.RequestId] = loading.Waiting;
        }

        var state = new KindState(desired);
        state.Waiting.Add(replyTo);
        _kinds[desired.Kind] = state;
        if (!_targets.TryGetValue(desired.Kind, out var target))
        {
            Self.Tell(new Applied(desired, new NodeReloadOutcome(_self, NodeReloadResult.Rejected, "(disabled)",
                Error: $"{ModelConsensus.Name(desired.Kind)} are disabled on this node")));
            return;
        }

        string? folder = null;
        if (desired.Folder is not null && (folder = ModelFolders.Resolve(_modelsRoot, desired.Folder)) is null)
        {
            Self.Tell(new Applied(desired, new NodeReloadOutcome(_self, NodeReloadResult.Rejected, target.CurrentVersion(), Error: ModelReloadEndpoint.OutsideModelsRoot)));
            return;
        }

        _log.Info("Reloading the {0} model from {1} (request {2} from {3})",
            ModelConsensus.Name(desired.Kind), desired.Folder ?? "the configured folder", desired.RequestId, desired.RequestedBy);
        var self = _self;
        target.Reloader.ReloadAsync(folder).PipeTo(Self,
            success: outcome => new Applied(desired, NodeReloadOutcome.From(self, outcome)),
            failure: e => new Applied(desired, new NodeReloadOutcome(self, NodeReloadResult.NotPublished, target.CurrentVersion(), Error: e.Message)));
    }

    private void OnApplied(Applied applied)
    {
        if (_kinds.GetValueOrDefault(applied.Desired.Kind) is { } state && state.Desired == applied.Desired)
        {
            state.Outcome = applied.Outcome;
            foreach (var waiting in state.Waiting)
            {
                waiting.Tell(applied.Outcome);
            }

            state.Waiting.Clear();
        }
        else if (_superseded.Remove(applied.Desired.RequestId, out var waiting))
        {
            foreach (var asker in waiting)
            {
                asker.Tell(applied.Outcome);
            }
        }

        PublishOwn();
    }

    private void OnReport(NodeModels report)
    {
        if (report.Node == _self)
        {
            return;
        }

        _reports[report.Node] = report;
        foreach (var kind in Enum.GetValues<ModelKind>())
        {
            if (report[kind]?.Desired is { } desired && desired.Supersedes(_kinds.GetValueOrDefault(kind)?.Desired))
            {
                _log.Info("Catching up with {0}: {1} model request {2} from {3}", report.Node, ModelConsensus.Name(kind), desired.RequestId, desired.RequestedBy);
                Apply(desired, ActorRefs.Nobody);
            }
        }

        UpdateBoard();
    }

    private void Member(Member member, bool up)
    {
        var address = member.Address.ToString();
        if (up)
        {
            _up.Add(address);
        }
        else if (member.Status is MemberStatus.Leaving or MemberStatus.Exiting or MemberStatus.Down or MemberStatus.Removed)
        {
            _up.Remove(address);
            _reports.Remove(address);
        }

        UpdateBoard();
    }

    private void PublishOwn()
    {
        var own = new NodeModels(_self, State(ModelKind.Topics), State(ModelKind.Sentiment));
        _reports[_self] = own;
        _mediator.Tell(new Publish(VersionsTopic, own));
        UpdateBoard();
    }

    private NodeModelState? State(ModelKind kind) =>
        _targets.TryGetValue(kind, out var target) ? new NodeModelState(target.CurrentVersion(), _kinds.GetValueOrDefault(kind)?.Desired) : null;

    private string? CurrentVersion(ModelKind kind) => _targets.TryGetValue(kind, out var target) ? target.CurrentVersion() : null;

    private void UpdateBoard()
    {
        if (!_up.Contains(_self))
        {
            return;
        }

        _board.Publish([.. _up], _reports.Where(r => _up.Contains(r.Key)).ToDictionary());
    }

    /// <summary>This node's request: published to every node; answered with a <see cref="ClusterReloadReport"/>.</summary>
    /// <param name="Folder">Relative to the models root; null: each node's configured folder.</param>
    public sealed record Reload(ModelKind Kind, string? Folder);

    /// <summary>On <see cref="ReloadTopic"/>: switch to <paramref name="Desired"/>, tell <paramref name="ReplyTo"/> how it went.</summary>
    public sealed record ReloadRequested(DesiredModel Desired, IActorRef ReplyTo);

    private sealed record Applied(DesiredModel Desired, NodeReloadOutcome Outcome);

    private sealed record PublishVersions
    {
        public static readonly PublishVersions Instance = new();
    }

    private sealed class KindState(DesiredModel desired)
    {
        public DesiredModel Desired { get; } = desired;

        public NodeReloadOutcome? Outcome { get; set; }

        public List<IActorRef> Waiting { get; } = [];
    }
}

/// <summary>
/// Gathers the answers to one request: replies once every expected member answered, or at the timeout with
/// whoever did; never before this node's own answer, whose outcome is the HTTP status.
/// </summary>
internal sealed class ReloadCollector : ReceiveActor, IWithTimers
{
    private readonly Dictionary<string, NodeReloadOutcome> _answers = [];
    private readonly TimeSpan _timeout;

    /// <param name="expected">The members asked: who of them did not answer is reported.</param>
    /// <param name="waitFor">The members worth waiting for (the reachable ones).</param>
    public ReloadCollector(string self, IReadOnlyCollection<string> expected, IReadOnlyCollection<string> waitFor, TimeSpan timeout, IActorRef asker)
    {
        _timeout = timeout;
        var timedOut = false;
        Receive<NodeReloadOutcome>(answer =>
        {
            _answers[answer.Node] = answer;
            TryFinish();
        });
        Receive<TimedOut>(_ =>
        {
            timedOut = true;
            TryFinish();
        });
        void TryFinish()
        {
            if (_answers.ContainsKey(self) && (timedOut || waitFor.All(_answers.ContainsKey)))
            {
                asker.Tell(ClusterReloadReport.Collate(self, expected, _answers));
                Context.Stop(Self);
            }
        }

    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string self, IReadOnlyCollection<string> expected, IReadOnlyCollection<string> waitFor, TimeSpan timeout, IActorRef asker) =>
        Akka.Actor.Props.Create(() => new ReloadCollector(self, expected, waitFor, timeout, asker));

    protected override void PreStart() => Timers.StartSingleTimer("timeout", TimedOut.Instance, _timeout);

    private sealed record TimedOut
    {
        public static readonly TimedOut Instance = new();
    }
}
