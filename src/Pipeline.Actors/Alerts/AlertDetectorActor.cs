using Akka.Actor;
using Akka.Event;
using Akka.Hosting;

namespace Pipeline.Actors.Alerts;

/// <summary>
/// Runs an alert check every <see cref="AlertSettings.CheckInterval"/>. Every node runs one; the database lock in
/// <see cref="AlertStore.CheckAsync"/> lets one of them work at a time and the others skip. Thin: the store reads and
/// writes, the core decides; this actor keeps time, counts, logs and tells the webhook sender when rows were queued.
/// A failed check is counted and logged once per streak of failures; it never stops the actor.
/// </summary>
public sealed class AlertDetectorActor : ReceiveActor, IWithTimers
{
    private const string TimerKey = "check";
    private readonly AlertSettings _settings;
    private readonly AlertStore _store;
    private readonly AlertCounters _counters;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly CancellationTokenSource _stopping = new();
    private bool _checking;
    private int _failedInARow;

    public AlertDetectorActor(AlertSettings settings, AlertStore store, AlertCounters counters)
    {
        _settings = settings;
        _store = store;
        _counters = counters;
        Receive<Check>(_ => StartCheck());
        Receive<Checked>(OnChecked);
        Receive<CheckFailed>(OnFailed);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Runs a check now (besides the timer's), e.g. after a test wrote posts.</summary>
    public sealed record Check
    {
        public static Check Instance { get; } = new();
    }

    private sealed record Checked(CheckReport Report);

    private sealed record CheckFailed(Exception Error, TimeSpan Duration);

    protected override void PreStart() =>
        Timers.StartPeriodicTimer(TimerKey, Check.Instance, _settings.CheckInterval, _settings.CheckInterval);

    protected override void PostStop()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private void StartCheck()
    {
        // A check slower than the interval is not stacked on: the next tick after it finishes runs the next one.
        if (_checking)
        {
            return;
        }

        _checking = true;
        var started = DateTimeOffset.UtcNow;
        _store.CheckAsync(_settings.Rules, _settings.Webhooks, _stopping.Token).PipeTo(Self,
            success: report => new Checked(report),
            failure: error => new CheckFailed(error, DateTimeOffset.UtcNow - started));
    }

    private void OnChecked(Checked message)
    {
        _checking = false;
        var report = message.Report;
        _counters.CheckFinished(report.Outcome, report.Duration, DateTimeOffset.UtcNow);
        if (_failedInARow > 0)
        {
            _log.Info("Alert checks work again after {0} failed in a row", _failedInARow);
            _failedInARow = 0;
        }

        foreach (var alert in report.OpenedAlerts)
        {
            _counters.AlertRaised(alert.Signal, alert.Severity);
            _log.Warning("Alert {0} opened: {1} {2}: {3}", alert.AlertId, Models.Alerts.AlertSeverities.Name(alert.Severity),
                Models.Alerts.AlertSignals.Name(alert.Signal), alert.Summary);
        }

        foreach (var alert in report.EscalatedAlerts)
        {
            _counters.AlertEscalated();
            _log.Warning("Alert {0} escalated to {1}: {2}", alert.AlertId, Models.Alerts.AlertSeverities.Name(alert.Severity), alert.Summary);
        }

        if (report.Resolved > 0)
        {
            _log.Info("{0} alert(s) resolved: quiet for their cooldown", report.Resolved);
        }

        // New outbox rows go out now rather than at the sender's next poll.
        if (report.DeliveriesQueued > 0 && ActorRegistry.For(Context.System).TryGet<WebhookDeliveryActor>(out var sender))
        {
            sender.Tell(WebhookDeliveryActor.DeliveriesQueued.Instance);
        }
    }

    private void OnFailed(CheckFailed message)
    {
        _checking = false;
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        _counters.CheckFinished(CheckOutcome.Failed, message.Duration, DateTimeOffset.UtcNow);
        // Once per streak: a database that is away for an hour must not write sixty identical warnings.
        if (_failedInARow++ == 0)
        {
            _log.Warning("Alert check failed ({0}: {1}); trying again every {2} and saying so once it works",
                message.Error.GetBaseException().GetType().Name, message.Error.GetBaseException().Message, _settings.CheckInterval);
        }
    }
}
