using Akka.Actor;
using Akka.Event;
using Akka.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Pipeline.Host.Settings;

namespace Pipeline.Host.Scoring;

/// <summary>
/// Keeps time for scheduled retraining on every node: first puts the latest retrained model back in use (a restart must
/// not go back to the configured one), then every <see cref="TopicRetrainSettings.CheckEvery"/> asks the job whether a
/// run is due. The job's database lock lets one node run at a time; the others skip. Thin: the job does the work off this
/// actor's thread; a failed check is logged once per streak and never stops the actor.
/// </summary>
public sealed class TopicRetrainerActor : ReceiveActor, IWithTimers
{
    private const string TimerKey = "check";
    private readonly TopicRetrainSettings _settings;
    private readonly TopicRetrainJob _job;
    private readonly TopicRetrainStatus _status;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly CancellationTokenSource _stopping = new();
    private readonly string _node = Akka.Cluster.Cluster.Get(Context.System).SelfAddress.ToString();
    private readonly List<IActorRef> _waiting = [];
    private bool _restored;
    private bool _busy;
    private bool _requested;
    private int _failedInARow;

    public TopicRetrainerActor(TopicRetrainSettings settings, TopicRetrainJob job, TopicRetrainStatus status)
    {
        _settings = settings;
        _job = job;
        _status = status;
        Receive<Check>(_ => Next(requested: false));
        Receive<RetrainNow>(_ =>
        {
            _waiting.Add(Sender);
            _requested = true;
            Next(requested: true);
        });
        Receive<Restored>(OnRestored);
        Receive<Ran>(OnRan);
        Receive<Failed>(OnFailed);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Retrain now whatever the schedule says (still on one node at a time); answered with <see cref="RetrainFinished"/>.</summary>
    public sealed record RetrainNow
    {
        public static RetrainNow Instance { get; } = new();
    }

    /// <summary>The run a <see cref="RetrainNow"/> led to; null when another node held the lock.</summary>
    public sealed record RetrainFinished(TopicRetrainRecord? Run);

    private sealed record Check
    {
        public static Check Instance { get; } = new();
    }

    private sealed record Restored(string What);

    private sealed record Ran(TopicRetrainRecord? Run, bool Requested);

    private sealed record Failed(Exception Error, bool Requested);

    public static Props Props(TopicRetrainSettings settings, TopicRetrainJob job, TopicRetrainStatus status) =>
        Akka.Actor.Props.Create(() => new TopicRetrainerActor(settings, job, status));

    protected override void PreStart()
    {
        Next(requested: false);
        Timers.StartPeriodicTimer(TimerKey, Check.Instance, _settings.FirstCheckAfter, _settings.CheckEvery);
    }

    protected override void PostStop()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    /// <summary>One thing at a time: the restore until it worked, then runs; a tick during a run is dropped, a request waits for the next turn.</summary>
    private void Next(bool requested)
    {
        if (_busy)
        {
            return;
        }

        _busy = true;
        if (!_restored)
        {
            _job.RestoreAsync(_stopping.Token).PipeTo(Self, success: what => new Restored(what), failure: e => new Failed(e, false));
            return;
        }

        _requested = false;
        _job.RunAsync(_node, requested, _stopping.Token).PipeTo(Self, success: run => new Ran(run, requested), failure: e => new Failed(e, requested));
    }

    private void OnRestored(Restored message)
    {
        _busy = false;
        _restored = true;
        _log.Info("Topic retraining on: {0}; first check in {1}, then every {2}", message.What, _settings.FirstCheckAfter, _settings.CheckEvery);
        Recovered();
        if (_requested)
        {
            Next(requested: true);
        }
    }

    private void OnRan(Ran message)
    {
        _busy = false;
        Recovered();
        if (message.Requested)
        {
            Reply(new RetrainFinished(message.Run));
        }

        if (_requested)
        {
            Next(requested: true);
        }
    }

    private void OnFailed(Failed message)
    {
        _busy = false;
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        _status.CheckFailed(message.Error, DateTimeOffset.UtcNow + _settings.CheckEvery);
        if (message.Requested)
        {
            Reply(new Status.Failure(message.Error));
        }

        // Once per streak: a database away for a day must not log every check.
        if (_failedInARow++ == 0)
        {
            _log.Warning("Topic retrain check failed ({0}: {1}); trying again every {2} and saying so once it works",
                message.Error.GetBaseException().GetType().Name, message.Error.GetBaseException().Message, _settings.CheckEvery);
        }

        if (_requested)
        {
            Next(requested: true);
        }
    }

    private void Recovered()
    {
        if (_failedInARow > 0)
        {
            _log.Info("Topic retrain checks work again after {0} failed in a row", _failedInARow);
            _failedInARow = 0;
        }
    }

    private void Reply(object answer)
    {
        foreach (var asker in _waiting)
        {
            asker.Tell(answer);
        }

        _waiting.Clear();
    }
}

/// <summary>Akka.Hosting registration of scheduled topic retraining (every node; a database lock makes one run at a time).</summary>
public static class TopicRetrainHosting
{
    /// <summary>
    /// Starts the <see cref="TopicRetrainerActor"/>; the <see cref="TopicModelReloader"/>, <see cref="TopicRetrainStatus"/> and
    /// <see cref="NpgsqlDataSource"/> come from the service provider, the swap goes through the node's <see cref="ModelReloadPropagator"/>.
    /// </summary>
    public static AkkaConfigurationBuilder AddTopicRetrainer(this AkkaConfigurationBuilder builder, PipelineSettings settings) =>
        builder.WithActors((system, registry, resolver) =>
        {
            var job = new TopicRetrainJob(
                settings.TopicRetrain,
                settings.Cleaning.DomainStopwords,
                settings.Http.ModelsRoot,
                resolver.GetService<TopicModelReloader>(),
                resolver.GetService<NpgsqlDataSource>(),
                async (folder, ct) =>
                {
                    var propagator = await ActorRegistry.For(system).GetAsync<ModelReloadPropagator>(ct);
                    // Loading a model folder on every node takes seconds; the propagator answers within its ack timeout after that.
                    return await propagator.Ask<ClusterReloadReport>(new ModelReloadPropagator.Reload(ModelKind.Topics, folder), TimeSpan.FromMinutes(5), ct);
                },
                resolver.GetService<TopicRetrainStatus>(),
                resolver.GetService<ILoggerFactory>().CreateLogger<TopicRetrainJob>());
            var retrainer = system.ActorOf(TopicRetrainerActor.Props(settings.TopicRetrain, job, resolver.GetService<TopicRetrainStatus>()), "topic-retrainer");
            registry.Register<TopicRetrainerActor>(retrainer);
        });
}
