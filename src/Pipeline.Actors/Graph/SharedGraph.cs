using Akka;
using Akka.Actor;
using Akka.Event;
using Akka.Pattern;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace Pipeline.Actors.Graph;

/// <summary>
/// Published on the node's event stream each time the scrapers' shared graph opens (at start and after every
/// restart). Whatever a producer ran into an earlier <paramref name="Generation"/> and has not seen committed is
/// lost with that graph: a scraper waiting for such a page fetches it again from its last persisted checkpoint.
/// </summary>
public sealed record SharedGraphRestarted(long Generation);

public enum SharedGraphPhase
{
    NotStarted,
    Running,

    /// <summary>Failed; waiting out the backoff before it is materialised again.</summary>
    Restarting,

    /// <summary>Stopping on purpose (the node is shutting down): reads nothing more, commits what is in flight.</summary>
    Draining,

    /// <summary>Stopped on purpose (the node is shutting down).</summary>
    Stopped,
}

/// <summary>What readiness and the status endpoint show of the shared graph.</summary>
/// <param name="Generation">How many times it has been materialised.</param>
/// <param name="Restarts">How many times it failed and was restarted (or is about to be).</param>
/// <param name="Since">When it entered <paramref name="Phase"/>.</param>
public sealed record SharedGraphState(
    SharedGraphPhase Phase, long Generation, int Restarts, string? LastFailure, DateTimeOffset? LastFailureAt, DateTimeOffset? Since)
{
    public static SharedGraphState NotStarted { get; } = new(SharedGraphPhase.NotStarted, 0, 0, null, null, null);
}

/// <summary>
/// The scrapers' way into the shared graph, valid across its restarts: each delivery goes to the graph running now
/// (a MergeHub sink, which is dead once its graph is), and the caller learns which generation took it, so that a
/// <see cref="SharedGraphRestarted"/> of a later generation tells it that its page may be lost.
/// Written by <see cref="SharedGraphRunner"/>, read from scraper and HTTP threads.
/// </summary>
public sealed class SharedGraphEntrance
{
    private readonly Lock _gate = new();
    private Sink<SourceItem, NotUsed>? _ingress;
    private SharedGraphState _state = SharedGraphState.NotStarted;
    private long _inFlight;

    public SharedGraphState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    /// <summary>
    /// Items run into the graph running now and not committed yet: the depth of its buffers (the MergeHub's, the
    /// batching stages', the sink's). Those of a failed graph are lost with it and no longer counted.
    /// </summary>
    public long InFlight => Math.Max(0, Interlocked.Read(ref _inFlight));

    /// <summary>
    /// Runs <paramref name="items"/> into the graph running now and returns its generation. While the graph is down
    /// nothing is run, and the generation returned is the failed one: the restart notice that follows covers them.
    /// </summary>
    public long Deliver(IEnumerable<SourceItem> items, IMaterializer materializer)
    {
        Sink<SourceItem, NotUsed>? ingress;
        long generation;
        lock (_gate)
        {
            (ingress, generation) = (_ingress, _state.Generation);
        }

        if (ingress is not null)
        {
            var batch = items as IReadOnlyCollection<SourceItem> ?? [.. items];
            Interlocked.Add(ref _inFlight, batch.Count);
            Source.From(batch).RunWith(ingress, materializer);
        }

        return generation;
    }

    internal long Opened(Sink<SourceItem, NotUsed> ingress, DateTimeOffset at)
    {
        lock (_gate)
        {
            _ingress = ingress;
            Interlocked.Exchange(ref _inFlight, 0);
            _state = _state with { Phase = SharedGraphPhase.Running, Generation = _state.Generation + 1, Since = at };
            return _state.Generation;
        }
    }

    /// <summary>The graph committed <paramref name="count"/> of the items it was given.</summary>
    internal void Committed(int count) => Interlocked.Add(ref _inFlight, -count);

    internal SharedGraphState Failed(string failure, DateTimeOffset at)
    {
        lock (_gate)
        {
            _ingress = null;
            _state = _state with
            {
                Phase = SharedGraphPhase.Restarting, Restarts = _state.Restarts + 1, LastFailure = failure, LastFailureAt = at, Since = at,
            };
            return _state;
        }
    }

    internal void Draining(DateTimeOffset at)
    {
        lock (_gate)
        {
            _ingress = null;
            _state = _state with { Phase = SharedGraphPhase.Draining, Since = at };
        }
    }

    internal void Stopped(DateTimeOffset at)
    {
        lock (_gate)
        {
            _ingress = null;
            _state = _state with { Phase = SharedGraphPhase.Stopped, Since = at };
        }
    }
}

/// <summary>
/// Owns one materialisation of <see cref="PipelineGraph.RunShared"/> (MergeHub → clean → score → commit): opens the
/// <see cref="SharedGraphEntrance"/> on it and announces it, and fails when the graph does, for whatever reason, so
/// that its backoff supervisor (<see cref="Props"/>) materialises a fresh graph after a pause. The graph's stages run
/// under this actor's materializer and die with it: nothing of a failed graph lingers.
/// </summary>
public sealed class SharedGraphRunner : ReceiveActor
{
    private readonly PipelineGraph _graph;
    private readonly SharedGraphEntrance _entrance;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private UniqueKillSwitch? _killSwitch;
    private IActorRef? _drainRequester;

    public SharedGraphRunner(PipelineGraph graph, SharedGraphEntrance entrance)
    {
        _graph = graph;
        _entrance = entrance;

        Receive<GraphEnded>(OnEnded);
        Receive<Drain>(_ =>
        {
            _drainRequester = Sender;
            _entrance.Draining(DateTimeOffset.UtcNow);
            _killSwitch?.Shutdown();
        });
    }

    /// <summary>
    /// The runner under a backoff supervisor: any failure (of the graph, or of its materialisation) is followed by a
    /// fresh graph after <see cref="SupervisionSettings.MinBackoff"/>, doubling up to <see cref="SupervisionSettings.MaxBackoff"/>;
    /// the backoff resets once a graph has run for <see cref="SupervisionSettings.MaxBackoff"/>.
    /// </summary>
    public static Props Props(PipelineGraph graph, SharedGraphEntrance entrance, SupervisionSettings supervision) =>
        BackoffSupervisor.Props(Backoff.OnFailure(
                Akka.Actor.Props.Create(() => new SharedGraphRunner(graph, entrance)),
                "graph", supervision.MinBackoff, supervision.MaxBackoff, supervision.RandomFactor, -1)
            .WithAutoReset(supervision.MaxBackoff)
            // The default decider stops a child that failed in its constructor or PreStart; here every failure restarts.
            // The runner logs the failure itself, with what the graph was doing.
            .WithSupervisorStrategy(new OneForOneStrategy(_ => Directive.Restart, loggingEnabled: false))
            // A drain asked for while no graph runs has nothing to wait for.
            .WithReplyWhileStopped(Drained.Instance));

    protected override void PreStart()
    {
        try
        {
            var entrance = _entrance;
            var (ingress, killSwitch, completion) = _graph.RunShared(Context.Materializer(), batch => entrance.Committed(batch.Items.Count));
            _killSwitch = killSwitch;
            completion.PipeTo(Self, success: () => new GraphEnded(null), failure: e => new GraphEnded(e));
            var generation = _entrance.Opened(ingress, DateTimeOffset.UtcNow);
            if (generation > 1)
            {
                _log.Warning("The scrapers' graph is running again (generation {0}); scrapers with a page in flight fetch it again", generation);
            }

            Context.System.EventStream.Publish(new SharedGraphRestarted(generation));
        }
        catch (Exception e)
        {
            Fail($"could not be materialised: {Describe(e)}", e);
            throw;
        }
    }

    protected override void PostStop() => _killSwitch?.Shutdown();

    private void OnEnded(GraphEnded ended)
    {
        if (_drainRequester is not null)
        {
            // The node is stopping: a graph that fails on its way down (the database gone with the batch in flight) is
            // not started again, and the drain has nothing left to wait for. What was not committed is fetched again
            // at the next start, as after any failure.
            if (ended.Error is { } drainError)
            {
                _log.Warning("The scrapers' graph failed while draining: {0}; uncommitted pages are fetched again next start", Describe(drainError));
            }

            _entrance.Stopped(DateTimeOffset.UtcNow);
            _drainRequester.Tell(Drained.Instance);
            Context.Stop(Self);
            return;
        }

        // A MergeHub source never completes by itself: completion without a drain is a failure too.
        var failure = ended.Error is { } error ? $"failed: {Describe(error)}" : "completed although nothing asked it to stop";
        Fail(failure, ended.Error);
        throw new SharedGraphFailedException($"The scrapers' graph {failure}", ended.Error);
    }

    private void Fail(string failure, Exception? error)
    {
        var state = _entrance.Failed(failure, DateTimeOffset.UtcNow);
        _log.Error(error, "The scrapers' graph {0}; restarting it with backoff (restart {1})", failure, state.Restarts);
    }

    private static string Describe(Exception error)
    {
        var root = error is AggregateException aggregate ? aggregate.GetBaseException() : error;
        return $"{root.GetType().Name}: {root.Message}";
    }

    /// <summary>Stop reading, let what is in flight reach the database, then answer <see cref="Drained"/>.</summary>
    public sealed record Drain
    {
        public static readonly Drain Instance = new();
    }

    public sealed record Drained
    {
        public static readonly Drained Instance = new();
    }

    private sealed record GraphEnded(Exception? Error);
}

/// <summary>Thrown by <see cref="SharedGraphRunner"/> so that its supervisor restarts it.</summary>
internal sealed class SharedGraphFailedException(string message, Exception? inner) : Exception(message, inner);
