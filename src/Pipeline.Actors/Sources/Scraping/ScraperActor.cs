using System.Diagnostics;
using Akka;
using Akka.Actor;
using Akka.Event;
using Akka.Pattern;
using Akka.Persistence;
using Akka.Streams;
using Akka.Streams.Dsl;
using Pipeline.Actors.Graph;
using Pipeline.Models.Domain;

namespace Pipeline.Actors.Sources.Scraping;

/// <summary>Everything one scraper needs: whom it scrapes, where, and where its pages go.</summary>
/// <param name="Source">Source name for ids, logs and quarantine (<c>nitter</c>, <c>x_api</c>).</param>
/// <param name="Instances">One <see cref="ISearchSource"/> per instance, in rotation order.</param>
/// <param name="Ingress">The shared graph's entrance, valid across its restarts (see <see cref="SharedGraphRunner"/>).</param>
/// <param name="Diagnostics">Folder where pages that could not be parsed are saved.</param>
/// <param name="Metrics">Where each fetch's duration is recorded; none when null (tests that do not look).</param>
public sealed record ScraperSpec(
    Company Company,
    string Source,
    IReadOnlyList<ISearchSource> Instances,
    ScrapeSchedule Schedule,
    RetryBackoff Backoff,
    TimeSpan SuspectPause,
    SharedGraphEntrance Ingress,
    SourceStatusBoard Status,
    string Diagnostics,
    PipelineMetrics? Metrics = null)
{
    public string Name => $"{Source}-{Company.Id}";
}

/// <summary>
/// Scrapes one company on one source, a page at a time: fetch, hand the page to the graph,
/// wait until every item of it is committed, persist the checkpoint, then fetch the next.
/// So backpressure reaches the network, and a crash at any point replays at most one page.
/// Failures of the source are values (see <see cref="FetchOutcome"/>) handled here; anything
/// unexpected crashes the actor and its backoff supervisor (<see cref="Supervised"/>) restarts it from the checkpoint.
/// When the shared graph restarts while a page is in flight, the page is fetched again from the checkpoint.
/// </summary>
public sealed class ScraperActor : ReceivePersistentActor, IWithTimers
{
    // A source that says asking again will not help (bad token, usage cap) rests this many times the longest backoff.
    private const int RejectedPauseFactor = 10;
    private const int WarningsKept = 10;

    /// <summary>How the warning of a rate-limit pause starts after the scraper's name (the demo's terminal leaves these out; it counts them).</summary>
    public const string RateLimited = "rate limited";

    private readonly ScraperSpec _spec;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Random _random = new();
    private readonly IMaterializer _materializer;
    private readonly Queue<SourceWarning> _warnings = new();
    private ScrapeCheckpoint _checkpoint;
    private InstancePool _pool;
    private long _fetchSeq;
    private long _deliveries;
    private bool _fetching;
    private Delivery? _delivering;
    private DateTimeOffset? _lastSuccess;
    private (string Error, DateTimeOffset At)? _lastError;

    public ScraperActor(ScraperSpec spec)
    {
        _spec = spec;
        _checkpoint = ScrapeCheckpoint.Start(spec.Schedule);
        _pool = InstancePool.Of(spec.Instances.Select(i => i.BaseUrl));
        _materializer = Context.Materializer();

        Recover<ScrapeCheckpoint>(checkpoint => _checkpoint = checkpoint);
        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is ScrapeCheckpoint checkpoint)
            {
                _checkpoint = checkpoint;
            }
        });
        Recover<RecoveryCompleted>(_ =>
        {
            _log.Info("{0}: resuming at {1}", spec.Name, Describe(_checkpoint));
            Publish();
            Self.Tell(FetchNext.Instance);
        });

        Command<FetchNext>(_ => Fetch());
        Command<Fetched>(OnFetched);
        Command<ItemsCommitted>(OnCommitted);
        Command<SharedGraphRestarted>(OnGraphRestarted);
        Command<SaveSnapshotSuccess>(success => DeleteMessages(success.Metadata.SequenceNr));
        Command<SaveSnapshotFailure>(_ => { });
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(_ => { });
        Command<GetStatus>(_ => Sender.Tell(Status()));
        Command<StartScraping>(_ => { });
    }

    public override string PersistenceId => $"scraper-{_spec.Name}";

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>
    /// The scraper as the service runs it: a crash (anything the scraper did not expect) stops this incarnation, and
    /// a new one starts from the persisted checkpoint after a backoff that grows while it keeps crashing. The backoff
    /// starts over only once an incarnation has run for the maximum backoff: Akka's default (the minimum) would let a
    /// scraper that crashes a second after each start restart at the minimum for ever.
    /// </summary>
    public static Props Supervised(ScraperSpec spec) =>
        BackoffSupervisor.Props(Backoff.OnFailure(
                Props.Create(() => new ScraperActor(spec)), "scraper", spec.Backoff.Min, spec.Backoff.Max, 0.2, -1)
            .WithAutoReset(spec.Backoff.Max));

    protected override void PreStart()
    {
        base.PreStart();
        Context.System.EventStream.Subscribe(Self, typeof(SharedGraphRestarted));
    }

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self, typeof(SharedGraphRestarted));
        base.PostStop();
    }

    private void Fetch()
    {
        // One request at a time per scraper: a page is fetched only once the previous one is committed.
        if (_delivering is not null || _fetching)
        {
            return;
        }

        var now = DateTimeOffset.UtcNow;
        var (index, freeAt) = _pool.Pick(now);
        if (index is not { } instance)
        {
            Timers.StartSingleTimer("next", FetchNext.Instance, freeAt - now);
            Publish();
            return;
        }

        _pool = _pool.Used(instance);
        var request = ScrapePlan.NextRequest(_checkpoint, _spec.Company, _spec.Schedule, now);
        var seq = ++_fetchSeq;
        _fetching = true;
        // Timed where the answer arrives, not when the actor gets to it: the histogram shows the source, not the mailbox.
        var started = Stopwatch.GetTimestamp();
        _spec.Instances[instance].FetchAsync(request, CancellationToken.None)
            .PipeTo(Self,
                success: outcome => new Fetched(seq, request, instance, outcome, Stopwatch.GetElapsedTime(started)),
                failure: e => new Fetched(seq, request, instance,
                    new FetchOutcome.Unavailable(UrlRedaction.Redact(_spec.Instances[instance].BaseUrl), null, e.GetBaseException().Message),
                    Stopwatch.GetElapsedTime(started)));
    }

    private void OnFetched(Fetched fetched)
    {
        _spec.Metrics?.PageFetched(_spec.Source, OutcomeName(fetched.Outcome), fetched.Elapsed);
        if (fetched.Seq != _fetchSeq)
        {
            return;
        }

        _fetching = false;
        var now = DateTimeOffset.UtcNow;
        Report(fetched.Outcome, now);
        switch (fetched.Outcome)
        {
            case FetchOutcome.Page page:
                _pool = _pool.Succeeded(fetched.Instance);
                _lastSuccess = now;
                Deliver(fetched.Request, page);
                if (page.StopAsking is { } reason)
                {
                    // The page's posts are on their way; the instance rests before it is asked again.
                    Pause(fetched.Instance, now + _spec.Backoff.Max * RejectedPauseFactor, reason);
                }

                break;

            case FetchOutcome.RateLimited limited:
                var until = limited.ResetAt ?? now + _spec.Backoff.For(_pool.Instances[fetched.Instance].Failures + 1, _random);
                _spec.Status.CountRateLimitPause();
                Failed(fetched.Instance, until, $"{RateLimited} ({limited.Detail}) at {limited.Url}");
                break;

            case FetchOutcome.Unavailable unavailable:
                Failed(fetched.Instance, now + _spec.Backoff.For(_pool.Instances[fetched.Instance].Failures + 1, _random),
                    $"unavailable ({unavailable.StatusCode?.ToString() ?? "no answer"}: {unavailable.Detail}) at {unavailable.Url}");
                break;

            case FetchOutcome.Unparseable unparseable:
                var saved = PageDiagnostics.Save(_spec.Diagnostics, _spec.Name, unparseable.Url, unparseable.Body);
                var error = $"page could not be parsed ({unparseable.Detail}); {saved.Describe()}";
                Failed(fetched.Instance, now + _spec.SuspectPause, error, suspect: true);
                // The page itself is quarantined (its beginning as the payload), and is committed before the next fetch.
                DeliverQuarantine(new QuarantineEntry(_spec.Source, unparseable.Url.ToString(), error,
                    Pipeline.Models.Text.SafeText.Truncate(unparseable.Body, QuarantineEntry.PayloadExcerpt), null, _spec.Company.Id));
                break;

            case FetchOutcome.Rejected rejected:
                // A bad query or credentials: retrying soon will not help, retrying much later might (a renewed token).
                Failed(fetched.Instance, now + _spec.Backoff.Max * RejectedPauseFactor, $"rejected ({rejected.StatusCode}: {rejected.Detail})");
                break;
        }
    }

    /// <summary>Each error the source reported beside its answer: logged, counted, and kept for the status.</summary>
    private void Report(FetchOutcome outcome, DateTimeOffset now)
    {
        if (outcome.Errors.Count == 0)
        {
            return;
        }

        var url = outcome switch
        {
            FetchOutcome.Page p => p.Url,
            FetchOutcome.RateLimited r => r.Url,
            FetchOutcome.Unavailable u => u.Url,
            FetchOutcome.Unparseable u => u.Url,
            FetchOutcome.Rejected r => r.Url,
            _ => null,
        };
        foreach (var error in outcome.Errors)
        {
            var message = error.Describe();
            _log.Warning("{0}: the source reported an error at {1}: {2}", _spec.Name, url, message);
            _spec.Status.CountError(_spec.Source, error.Type);
            _warnings.Enqueue(new SourceWarning(error.Type, message, url?.ToString() ?? string.Empty, now));
            if (_warnings.Count > WarningsKept)
            {
                _warnings.Dequeue();
            }
        }

        Publish();
    }

    private void Failed(int instance, DateTimeOffset until, string error, bool suspect = false)
    {
        Pause(instance, until, error, suspect);
        Self.Tell(FetchNext.Instance);
    }

    private void Pause(int instance, DateTimeOffset until, string error, bool suspect = false)
    {
        _pool = _pool.Paused(instance, until, error, suspect);
        _lastError = (error, DateTimeOffset.UtcNow);
        _log.Warning("{0}: {1}; instance paused until {2:O}", _spec.Name, error, until);
        Publish();
    }

    private void Deliver(SearchRequest request, FetchOutcome.Page page)
    {
        var step = ScrapePlan.AfterPage(_checkpoint, request, page.Items, page.NextCursor, _spec.Schedule, DateTimeOffset.UtcNow);
        if (step.CursorLoop)
        {
            _lastError = ($"cursor loop at {page.Url}: the same cursor came back; treated as the end of the results", DateTimeOffset.UtcNow);
            _log.Warning("{0}: {1}", _spec.Name, _lastError.Value.Error);
        }

        if (page.Items.Count == 0)
        {
            Advance(step);
            return;
        }

        // Only the checkpoint is persisted: after a graph restart the page is fetched again, not kept in memory.
        _delivering = Run(page.Items, step, retained: false);
    }

    /// <summary>An entry to quarantine that no page fetch can reproduce: kept until committed, and run again after a graph restart.</summary>
    private void DeliverQuarantine(QuarantineEntry entry) =>
        _delivering = Run([new SourceItem.Unreadable(entry)], step: null, retained: true);

    /// <summary>
    /// Runs the items into the shared graph under a new delivery number: acknowledgements of an earlier delivery (of
    /// a graph since restarted) cannot be mistaken for this one's.
    /// </summary>
    private Delivery Run(IReadOnlyList<SourceItem> items, PlanStep? step, bool retained)
    {
        var ack = new PageAck(Self, ++_deliveries);
        var acked = items.Select(item => item with { Ack = ack }).ToList();
        var generation = _spec.Ingress.Deliver(acked, _materializer);
        return new Delivery(ack.Page, generation, step, retained ? items : null, acked.Count, 0);
    }

    private void OnCommitted(ItemsCommitted committed)
    {
        if (_delivering is not { } delivering || delivering.Id != committed.Page)
        {
            return;
        }

        var total = delivering.Committed + committed.Count;
        if (total < delivering.Expected)
        {
            _delivering = delivering with { Committed = total };
            return;
        }

        _delivering = null;
        if (delivering.Step is { } step)
        {
            Advance(step);
        }
        else
        {
            Self.Tell(FetchNext.Instance);
        }
    }

    /// <summary>
    /// The shared graph started again: a delivery to an earlier graph that is not committed is lost with it. A page is
    /// fetched again from the checkpoint (which it never advanced); a quarantine entry is run again. The sink upserts
    /// by post id, so whatever of it was committed after all is not stored twice.
    /// </summary>
    private void OnGraphRestarted(SharedGraphRestarted restarted)
    {
        if (_delivering is not { } delivering || delivering.Generation >= restarted.Generation)
        {
            return;
        }

        if (delivering.Retained is { } items)
        {
            _delivering = Run(items, delivering.Step, retained: true);
            return;
        }

        _log.Info("{0}: the shared graph restarted before page {1} was committed; fetching it again from the checkpoint",
            _spec.Name, _checkpoint.Pages + 1);
        _delivering = null;
        Self.Tell(FetchNext.Instance);
    }

    private void Advance(PlanStep step)
    {
        Persist(step.Next, checkpoint =>
        {
            _checkpoint = checkpoint;
            if (LastSequenceNr % 100 == 0)
            {
                SaveSnapshot(checkpoint);
            }

            Publish();
            Timers.StartSingleTimer("next", FetchNext.Instance, step.Delay);
        });
    }

    private ScraperStatus Status() => new(
        _spec.Name, _spec.Company.Id.Value, _spec.Source, _checkpoint.Live ? "live" : $"backfill from {_checkpoint.WindowStart:yyyy-MM-dd}",
        _checkpoint.Pages, _checkpoint.NewestId, _lastSuccess, _lastError?.Error, _lastError?.At,
        _pool.Instances.Select(i => new InstanceStatus(UrlRedaction.Redact(i.Url).ToString(),
            i.PausedUntil > DateTimeOffset.UtcNow ? i.PausedUntil : null, i.Failures, i.Suspect, i.LastError)).ToList())
    {
        Warnings = _warnings.ToList(),
    };

    private void Publish() => _spec.Status.Publish(Status());

    private static string Describe(ScrapeCheckpoint c) => c.Live
        ? $"live polling after id {c.NewestId}"
        : $"backfill window from {c.WindowStart:O}, cursor {(c.Cursor is null ? "none" : "set")}, {c.Pages} pages done";

    /// <summary>Asks for the scraper's <see cref="ScraperStatus"/>.</summary>
    public sealed record GetStatus
    {
        public static readonly GetStatus Instance = new();
    }

    private sealed record FetchNext
    {
        public static readonly FetchNext Instance = new();
    }

    private sealed record Fetched(long Seq, SearchRequest Request, int Instance, FetchOutcome Outcome, TimeSpan Elapsed);

    private static string OutcomeName(FetchOutcome outcome) => outcome switch
    {
        FetchOutcome.Page => "page",
        FetchOutcome.RateLimited => "rate_limited",
        FetchOutcome.Unavailable => "unavailable",
        FetchOutcome.Unparseable => "unparseable",
        FetchOutcome.Rejected => "rejected",
        _ => "other",
    };

    /// <summary>Items run into the graph and not yet all committed.</summary>
    /// <param name="Id">The delivery number its items' <see cref="PageAck"/> carries.</param>
    /// <param name="Generation">The shared graph that took them.</param>
    /// <param name="Step">Where the checkpoint goes once they are committed; null when it stays (a quarantined page).</param>
    /// <param name="Retained">The items, for deliveries that are run again rather than fetched again after a graph restart.</param>
    private sealed record Delivery(long Id, long Generation, PlanStep? Step, IReadOnlyList<SourceItem>? Retained, int Expected, int Committed);
}
