using Akka.Actor;
using Akka.Event;
using Akka.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Pipeline.Host.Settings;

namespace Pipeline.Host.Retention;

/// <summary>
/// Keeps time for the purge on every node: every <see cref="RetentionSettings.Interval"/> it runs the job, whose database
/// lock lets one node purge at a time (the others skip, as alert detectors do). Thin: the job works off this actor's
/// thread; a tick during a run is dropped; a failure is reported by the job and never stops the actor.
/// </summary>
public sealed class RetentionActor : ReceiveActor, IWithTimers
{
    private const string TimerKey = "purge";
    private readonly RetentionSettings _settings;
    private readonly RetentionJob _job;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly CancellationTokenSource _stopping = new();
    private readonly string _node = Akka.Cluster.Cluster.Get(Context.System).SelfAddress.ToString();
    private bool _busy;

    public RetentionActor(RetentionSettings settings, RetentionJob job)
    {
        _settings = settings;
        _job = job;
        Receive<Tick>(_ => Run());
        Receive<RetentionRun>(_ => _busy = false);
        Receive<Status.Failure>(failure =>
        {
            _busy = false;
            if (!_stopping.IsCancellationRequested)
            {
                _log.Warning("Retention run stopped: {0}", failure.Cause.GetBaseException().Message);
            }
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(RetentionSettings settings, RetentionJob job) => Akka.Actor.Props.Create(() => new RetentionActor(settings, job));

    protected override void PreStart()
    {
        var policy = _settings.Policy;
        _log.Info("Retention on: kept posts {0}, dropped posts {1}, quarantine {2}; first purge in {3}, then every {4}",
            Describe(policy.KeptPosts), Describe(policy.DroppedPosts), Describe(policy.Quarantine), _settings.FirstRunAfter, _settings.Interval);
        Timers.StartPeriodicTimer(TimerKey, Tick.Instance, _settings.FirstRunAfter, _settings.Interval);
    }

    protected override void PostStop()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private void Run()
    {
        if (_busy)
        {
            return;
        }

        _busy = true;
        _job.RunAsync(_node, RetentionRun.ScheduleTrigger, _stopping.Token).PipeTo(Self);
    }

    private static string Describe(TimeSpan? period) => period is { } p ? $"{p.TotalDays:0.##} days" : "forever";

    private sealed record Tick
    {
        public static Tick Instance { get; } = new();
    }
}

/// <summary>Akka.Hosting registration of the scheduled purge (every node; the retention lock makes one purge at a time).</summary>
public static class RetentionHosting
{
    /// <summary>Starts the <see cref="RetentionActor"/>; the <see cref="RetentionStatus"/> and <see cref="NpgsqlDataSource"/> come from the service provider.</summary>
    public static AkkaConfigurationBuilder AddRetention(this AkkaConfigurationBuilder builder, PipelineSettings settings) =>
        builder.WithActors((system, registry, resolver) =>
        {
            var dataSource = resolver.GetService<NpgsqlDataSource>();
            var job = new RetentionJob(
                settings.Retention,
                dataSource,
                resolver.GetService<RetentionStatus>(),
                resolver.GetService<ILoggerFactory>().CreateLogger<RetentionJob>(),
                audit: (run, ct) => run.AuditAsync(dataSource, $"node:{run.Node} ({run.Trigger})", ct));
            registry.Register<RetentionActor>(system.ActorOf(RetentionActor.Props(settings.Retention, job), "retention"));
        });
}
