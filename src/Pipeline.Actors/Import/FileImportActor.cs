using Akka;
using Akka.Actor;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Dsl;
using Pipeline.Actors.Graph;
using Pipeline.Models.Domain;

namespace Pipeline.Actors.Import;

/// <summary>
/// Imports files one at a time through the graph: the configured files once at start-up, then
/// every file that settles in the inbox, which is moved to <c>done/</c> once it was read to its
/// end and every batch of it is committed, or to <c>failed/</c> (with an <c>.error.txt</c> beside
/// it) when the file itself is unusable (<see cref="PostFileException"/>).
/// </summary>
/// <remarks>
/// Any other failure (a stage that throws, the database away beyond the sink's attempts) is not the
/// file's fault: the file stays where it is and is imported again after a backoff, during which
/// <see cref="PipelineStatus"/> reports the failure and the pending restart. Each import is a run
/// with an identity of its own: the end of a run that is not the current one (a previous
/// incarnation's, after a restart) is ignored, and a run stopped before the end of its file (drain,
/// restart) never counts as imported. Problems with the inbox folder itself crash the actor, for
/// its supervisor (<see cref="FileImportHosting"/>) to restart it with backoff.
/// </remarks>
public sealed class FileImportActor : ReceiveActor, IWithTimers
{
    private readonly ImportSettings _settings;
    private readonly InputLimits _limits;
    private readonly PipelineGraph _graph;
    private readonly PipelineStatus _status;
    private readonly SupervisionSettings _supervision;
    private readonly InboxWatch _watch;
    private readonly Queue<PendingFile> _queue = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IMaterializer _materializer;
    private ImportRun? _current;
    private PendingFile? _retry;
    private int _failures;
    private IActorRef? _drainRequester;

    /// <param name="supervision">Backoff between an import that failed for a reason other than its file and its next attempt.</param>
    /// <param name="materializer">
    /// Outlives the actor, so that when it stops or restarts, the stream it ran is stopped through its kill
    /// switch and still commits what it read (a stream stopped with its materializer ends abruptly, and
    /// its completion never comes).
    /// </param>
    /// <param name="limits">What the readers hold every file to (<c>pipeline.limits</c>: line, record, fields, nesting).</param>
    public FileImportActor(
        ImportSettings settings, InputLimits limits, PipelineGraph graph, PipelineStatus status, SupervisionSettings supervision, IMaterializer materializer)
    {
        _limits = limits;
        _settings = settings;
        _graph = graph;
        _status = status;
        _supervision = supervision;
        _materializer = materializer;
        _watch = new InboxWatch(settings.SettleTime);

        Receive<PollInbox>(_ => EnqueueInboxFiles());
        Receive<RetryImport>(_ => OnRetry());
        Receive<ImportFinished>(OnFinished);
        Receive<Drain>(_ => OnDrain());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        foreach (var file in _settings.Files)
        {
            if (File.Exists(file))
            {
                _queue.Enqueue(new PendingFile(Path.GetFullPath(file), FromInbox: false));
            }
            else
            {
                _log.Warning("Configured import file {0} does not exist; skipped", file);
            }
        }

        Directory.CreateDirectory(_settings.Inbox);
        Timers.StartPeriodicTimer("inbox", PollInbox.Instance, TimeSpan.Zero, _settings.PollInterval);
        _status.GraphStarted();
        StartNext();
    }

    protected override void PostStop()
    {
        // Stops reading; what was read is still committed, and the run's end comes to an address that ignores it.
        _current?.KillSwitch.Shutdown();
        _status.Processing(null);
        _status.GraphStopped();
    }

    private void EnqueueInboxFiles()
    {
        if (_drainRequester is not null)
        {
            return;
        }

        var known = _queue.Select(f => f.Path).Append(_current?.File.Path).Append(_retry?.Path).ToHashSet();
        var listing = Directory.EnumerateFiles(_settings.Inbox)
            .Where(InboxWatch.IsCandidate)
            .Select(Path.GetFullPath)
            .Where(f => !known.Contains(f))
            .Select(Describe)
            .OfType<InboxFile>()
            .ToList();
        var now = DateTimeOffset.UtcNow;
        foreach (var file in _watch.Settled(listing, now))
        {
            _queue.Enqueue(new PendingFile(file, FromInbox: true));
        }

        if (_watch.NextCheck(now) is { } wait)
        {
            // A file waiting to settle is looked at again when it may have, not a whole poll interval later.
            Timers.StartSingleTimer("settle", PollInbox.Instance, wait + TimeSpan.FromMilliseconds(10));
        }

        StartNext();

        static InboxFile? Describe(string path)
        {
            var info = new FileInfo(path);
            try
            {
                return new InboxFile(path, info.Length, info.LastWriteTimeUtc);
            }
            catch (FileNotFoundException)
            {
                // Moved away between the listing and now.
                return null;
            }
        }
    }

    private void StartNext()
    {
        while (_current is null && _retry is null && _drainRequester is null && _queue.TryDequeue(out var next))
        {
            Start(next);
        }
    }

    private void OnRetry()
    {
        if (_retry is not { } file || _drainRequester is not null)
        {
            return;
        }

        _retry = null;
        _status.GraphStarted();
        Start(file);
        StartNext();
    }

    private void Start(PendingFile file)
    {
        Source<SourceItem, NotUsed> source;
        try
        {
            source = FileImportSource.FromFile(file.Path, DateTimeOffset.UtcNow, _limits);
        }
        catch (Exception e) when (e is ArgumentException or PostFileException)
        {
            Failed(file, e);
            return;
        }

        _log.Info("Importing {0}", file.Path);
        _status.Processing(file.Path);
        var readToEnd = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (killSwitch, completion) = _graph.Run(source.SignallingItsEnd(readToEnd), _materializer);
        var run = new ImportRun(file, killSwitch, readToEnd.Task);
        _current = run;
        completion.PipeTo(Self,
            success: () => new ImportFinished(run, null),
            failure: e => new ImportFinished(run, e));
    }

    private void OnFinished(ImportFinished finished)
    {
        var (run, error) = finished;
        if (!ReferenceEquals(run, _current))
        {
            _log.Info("Ignored the end of an earlier import run of {0}: it is not the current one (the importer restarted)", run.File.Path);
            return;
        }

        _current = null;
        _status.Processing(null);
        if (FileProblem(error) is { } problem)
        {
            _failures = 0;
            Failed(run.File, problem);
        }
        else if (error is null && run.ReadToEnd.IsCompletedSuccessfully)
        {
            _failures = 0;
            _log.Info("Imported {0}", run.File.Path);
            MoveOutOfInbox(run.File, "done", null);
        }
        else if (_drainRequester is not null)
        {
            // Stopped by the drain (or failed on its way): it stays for the next start, which imports it again.
            _log.Info("Import of {0} interrupted before the end of the file; it is imported again at the next start", run.File.Path);
        }
        else
        {
            ScheduleRetry(run.File, error ?? new InvalidOperationException("the import stopped before the end of the file"));
        }

        if (_drainRequester is not null)
        {
            _drainRequester.Tell(Drained.Instance);
            return;
        }

        StartNext();
    }

    /// <summary>Not the file's fault: the same file is imported again after a backoff; the sink's upserts make that safe.</summary>
    private void ScheduleRetry(PendingFile file, Exception error)
    {
        var delay = _supervision.DelayAfter(_failures++, Random.Shared);
        var message = Unwrapped(error).Message;
        _log.Error(error, "Import of {0} failed: {1}; importing it again in {2:0.0} s", file.Path, message, delay.TotalSeconds);
        _status.RestartPending($"{Path.GetFileName(file.Path)}: {message}", DateTimeOffset.UtcNow + delay);
        _retry = file;
        Timers.StartSingleTimer("retry", RetryImport.Instance, delay);
    }

    private void Failed(PendingFile file, Exception problem)
    {
        _log.Error(problem, "Import of {0} failed: {1}", file.Path, problem.Message);
        _status.Failed($"{Path.GetFileName(file.Path)}: {problem.Message}");
        MoveOutOfInbox(file, "failed", problem.Message);
    }

    private void OnDrain()
    {
        _drainRequester = Sender;
        Timers.CancelAll();
        if (_current is { } current)
        {
            // Stops reading; what was read is still committed before the graph completes.
            current.KillSwitch.Shutdown();
        }
        else
        {
            Sender.Tell(Drained.Instance);
        }
    }

    private void MoveOutOfInbox(PendingFile file, string folder, string? error)
    {
        if (!file.FromInbox || !File.Exists(file.Path))
        {
            return;
        }

        var target = Path.Combine(_settings.Inbox, folder);
        Directory.CreateDirectory(target);
        var destination = Path.Combine(target, Path.GetFileName(file.Path));
        File.Move(file.Path, destination, overwrite: true);
        if (error is not null)
        {
            File.WriteAllText(destination + ".error.txt", error + Environment.NewLine);
        }
    }

    /// <summary>What failed, without the task's wrapping (the base exception would say "connection refused" for the sink giving up).</summary>
    private static Exception Unwrapped(Exception error) =>
        error is AggregateException { InnerExceptions.Count: 1 } aggregate ? Unwrapped(aggregate.InnerExceptions[0]) : error;

    /// <summary>The problem with the file itself that failed the import, if that is what failed it.</summary>
    private static Exception? FileProblem(Exception? error) => error switch
    {
        null => null,
        PostFileException problem => problem,
        AggregateException aggregate => aggregate.InnerExceptions.Select(FileProblem).FirstOrDefault(p => p is not null),
        _ => FileProblem(error.InnerException),
    };

    /// <summary>Asks the actor to stop reading and reply <see cref="Drained"/> once in-flight batches are committed.</summary>
    public sealed record Drain
    {
        public static readonly Drain Instance = new();
    }

    public sealed record Drained
    {
        public static readonly Drained Instance = new();
    }

    private sealed record PollInbox
    {
        public static readonly PollInbox Instance = new();
    }

    private sealed record RetryImport
    {
        public static readonly RetryImport Instance = new();
    }

    private sealed record PendingFile(string Path, bool FromInbox);

    /// <summary>One import of one file; compared by reference, so a run is only ever its own.</summary>
    /// <param name="ReadToEnd">Completes once the source has emitted the file's last item.</param>
    private sealed class ImportRun(PendingFile file, UniqueKillSwitch killSwitch, Task readToEnd)
    {
        public PendingFile File { get; } = file;

        public UniqueKillSwitch KillSwitch { get; } = killSwitch;

        public Task ReadToEnd { get; } = readToEnd;
    }

    private sealed record ImportFinished(ImportRun Run, Exception? Error);
}

/// <summary>The one graph piece the importer adds in front of a file's source.</summary>
internal static class ImportRunSource
{
    // Never emitted downstream; recognised by reference (a stream element cannot be null).
    private static readonly SourceItem EndOfFile = new SourceItem.Unreadable(new QuarantineEntry("import", "end of file", "", null));

    /// <summary>
    /// Completes <paramref name="readToEnd"/> when the source itself has ended, after its last item;
    /// a stream cancelled from downstream (kill switch, a failure) never completes it. A completed
    /// graph alone cannot tell these apart: a kill switch completes it just as the end of a file does.
    /// </summary>
    public static Source<SourceItem, NotUsed> SignallingItsEnd(this Source<SourceItem, NotUsed> source, TaskCompletionSource readToEnd) =>
        source
            .Concat(Source.Single(EndOfFile))
            .Where(item =>
            {
                if (!ReferenceEquals(item, EndOfFile))
                {
                    return true;
                }

                readToEnd.TrySetResult();
                return false;
            });
}
