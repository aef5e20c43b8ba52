using Akka;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Akka.Streams;
using Akka.Streams.Dsl;
using Pipeline.Actors.Graph;
using Pipeline.Models.Domain;

namespace Pipeline.Actors.Sources.Scraping;

/// <summary>Everything one scraper needs: whom it scrapes, where, and where its pages go.</summary>
/// <param name="Source">Source name for ids, logs and quarantine (<c>nitter</c>, <c>x_api</c>).</param>
/// <param name="Instances">One <see cref="ISearchSource"/> per instance, in rotation order.</param>
/// <param name="Ingress">The shared graph's entrance (see <see cref="PipelineGraph.RunShared"/>).</param>
/// <param name="Diagnostics">Folder where pages that could not be parsed are saved.</param>
public sealed record ScraperSpec(
    Company Company,
    string Source,
    IReadOnlyList<ISearchSource> Instances,
    ScrapeSchedule Schedule,
    RetryBackoff Backoff,
    TimeSpan SuspectPause,
    Sink<SourceItem, NotUsed> Ingress,
    SourceStatusBoard Status,
    string Diagnostics)
{
    public string Name => $"{Source}-{Company.Id}";
}

/// <summary>
/// Scrapes one company on one source, a page at a time: fetch, hand the page to the graph,
/// wait until every item of it is committed, persist the checkpoint, then fetch the next.
/// So backpressure reaches the network, and a crash at any point replays at most one page.
/// Failures of the source are values (see <see cref="FetchOutcome"/>) handled here; anything
/// unexpected crashes the actor and its backoff supervisor restarts it from the checkpoint.
/// </summary>
public sealed class ScraperActor : ReceivePersistentActor, IWithTimers
{
    private readonly ScraperSpec _spec;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Random _random = new();
    private readonly IMaterializer _materializer;
    private ScrapeCheckpoint _checkpoint;
    private InstancePool _pool;
    private long _fetchSeq;
    private bool _fetching;
    private (long Page, int Expected, int Committed, PlanStep Step)? _delivering;
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
        Command<SaveSnapshotSuccess>(success => DeleteMessages(success.Metadata.SequenceNr));
        Command<SaveSnapshotFailure>(_ => { });
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(_ => { });
        Command<GetStatus>(_ => Sender.Tell(Status()));
        Command<StartScraping>(_ => { });
    }

    public override string PersistenceId => $"scraper-{_spec.Name}";

    public ITimerScheduler Timers { get; set; } = null!;

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
        _spec.Instances[instance].FetchAsync(request, CancellationToken.None)
            .PipeTo(Self,
                success: outcome => new Fetched(seq, request, instance, outcome),
                failure: e => new Fetched(seq, request, instance,
                    new FetchOutcome.Unavailable(_spec.Instances[instance].BaseUrl, null, e.GetBaseException().Message)));
    }

    private void OnFetched(Fetched fetched)
    {
        if (fetched.Seq != _fetchSeq)
        {
            return;
        }

        _fetching = false;
        var now = DateTimeOffset.UtcNow;
        switch (fetched.Outcome)
        {
            case FetchOutcome.Page page:
                _pool = _pool.Succeeded(fetched.Instance);
                _lastSuccess = now;
                Deliver(fetched.Request, page);
                break;

            case FetchOutcome.RateLimited limited:
                var until = limited.ResetAt ?? now + _spec.Backoff.For(_pool.Instances[fetched.Instance].Failures + 1, _random);
                Failed(fetched.Instance, until, $"rate limited ({limited.Detail}) at {limited.Url}");
                break;

            case FetchOutcome.Unavailable unavailable:
                Failed(fetched.Instance, now + _spec.Backoff.For(_pool.Instances[fetched.Instance].Failures + 1, _random),
                    $"unavailable ({unavailable.StatusCode?.ToString() ?? "no answer"}: {unavailable.Detail}) at {unavailable.Url}");
                break;

            case FetchOutcome.Unparseable unparseable:
                var saved = SaveForDiagnosis(unparseable);
                var error = $"page could not be parsed ({unparseable.Detail}); raw page saved to {saved}";
                Quarantine(new QuarantineEntry(_spec.Source, unparseable.Url.ToString(), error, null, null, _spec.Company.Id));
                Failed(fetched.Instance, now + _spec.SuspectPause, error, suspect: true);
                break;

            case FetchOutcome.Rejected rejected:
                // A bad query or credentials: retrying soon will not help, retrying much later might (a renewed token).
                Failed(fetched.Instance, now + _spec.Backoff.Max * 10, $"rejected ({rejected.StatusCode}: {rejected.Detail})");
                break;
        }
    }

    private void Failed(int instance, DateTimeOffset until, string error, bool suspect = false)
    {
        _pool = _pool.Paused(instance, until, error, suspect);
        _lastError = (error, DateTimeOffset.UtcNow);
        _log.Warning("{0}: {1}; instance paused until {2:O}", _spec.Name, error, until);
        Publish();
        Self.Tell(FetchNext.Instance);
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

        var pageNo = _checkpoint.Pages + 1;
        var ack = new PageAck(Self, pageNo);
        var items = page.Items.Select(item => item switch
        {
            SourceItem.Post post => (SourceItem)(post with { Ack = ack }),
            SourceItem.Unreadable unreadable => unreadable with { Ack = ack },
            _ => item,
        }).ToList();
        _delivering = (pageNo, items.Count, 0, step);
        Source.From(items).RunWith(_spec.Ingress, _materializer);
    }

    private void OnCommitted(ItemsCommitted committed)
    {
        if (_delivering is not { } delivering || delivering.Page != committed.Page)
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
        Advance(delivering.Step);
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

    private void Quarantine(QuarantineEntry entry) =>
        Source.Single<SourceItem>(new SourceItem.Unreadable(entry)).RunWith(_spec.Ingress, _materializer);

    private string SaveForDiagnosis(FetchOutcome.Unparseable page)
    {
        try
        {
            Directory.CreateDirectory(_spec.Diagnostics);
            var path = Path.Combine(_spec.Diagnostics, $"{_spec.Name}-{DateTimeOffset.UtcNow:yyyyMMddTHHmmssfff}.html");
            File.WriteAllText(path, page.Body);
            return path;
        }
        catch (IOException e)
        {
            return $"(not saved: {e.Message})";
        }
    }

    private ScraperStatus Status() => new(
        _spec.Name, _spec.Company.Id.Value, _spec.Source, _checkpoint.Live ? "live" : $"backfill from {_checkpoint.WindowStart:yyyy-MM-dd}",
        _checkpoint.Pages, _checkpoint.NewestId, _lastSuccess, _lastError?.Error, _lastError?.At,
        _pool.Instances.Select(i => new InstanceStatus(i.Url.ToString(),
            i.PausedUntil > DateTimeOffset.UtcNow ? i.PausedUntil : null, i.Failures, i.Suspect, i.LastError)).ToList());

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

    private sealed record Fetched(long Seq, SearchRequest Request, int Instance, FetchOutcome Outcome);
}
