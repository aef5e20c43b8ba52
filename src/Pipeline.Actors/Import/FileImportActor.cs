using Akka.Actor;
using Akka.Event;
using Akka.Streams;
using Pipeline.Actors.Graph;

namespace Pipeline.Actors.Import;

/// <summary>
/// Imports files one at a time through the graph: the configured files once at start-up, then
/// every file that appears in the inbox, which is moved to <c>done/</c> or <c>failed/</c>
/// (with an <c>.error.txt</c> beside it) once its last batch is committed.
/// </summary>
public sealed class FileImportActor : ReceiveActor, IWithTimers
{
    private static readonly string[] ImportableExtensions = [".csv", ".jsonl", ".ndjson", ".json", ".js"];

    private readonly ImportSettings _settings;
    private readonly PipelineGraph _graph;
    private readonly PipelineStatus _status;
    private readonly Queue<PendingFile> _queue = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private (PendingFile File, UniqueKillSwitch KillSwitch)? _current;
    private IActorRef? _drainRequester;

    public FileImportActor(ImportSettings settings, PipelineGraph graph, PipelineStatus status)
    {
        _settings = settings;
        _graph = graph;
        _status = status;

        Receive<PollInbox>(_ => EnqueueInboxFiles());
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
        _current?.KillSwitch.Shutdown();
        _status.GraphStopped();
    }

    private void EnqueueInboxFiles()
    {
        if (_drainRequester is not null)
        {
            return;
        }

        var queued = _queue.Select(f => f.Path).Append(_current?.File.Path).ToHashSet();
        var files = Directory.EnumerateFiles(_settings.Inbox)
            .Where(f => ImportableExtensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Select(Path.GetFullPath)
            .Where(f => !queued.Contains(f))
            .Order(StringComparer.Ordinal);
        foreach (var file in files)
        {
            _queue.Enqueue(new PendingFile(file, FromInbox: true));
        }

        StartNext();
    }

    private void StartNext()
    {
        if (_current is not null || _drainRequester is not null || !_queue.TryDequeue(out var next))
        {
            return;
        }

        _log.Info("Importing {0}", next.Path);
        _status.Processing(next.Path);
        var (killSwitch, completion) = _graph.Run(
            FileImportSource.FromFile(next.Path, DateTimeOffset.UtcNow), Context.Materializer());
        _current = (next, killSwitch);
        completion.PipeTo(Self,
            success: () => new ImportFinished(next, null),
            failure: e => new ImportFinished(next, e.GetBaseException()));
    }

    private void OnFinished(ImportFinished finished)
    {
        _current = null;
        _status.Processing(null);
        if (finished.Error is null)
        {
            _log.Info("Imported {0}", finished.File.Path);
            MoveOutOfInbox(finished.File, "done", null);
        }
        else
        {
            _log.Error(finished.Error, "Import of {0} failed: {1}", finished.File.Path, finished.Error.Message);
            _status.Failed($"{Path.GetFileName(finished.File.Path)}: {finished.Error.Message}");
            MoveOutOfInbox(finished.File, "failed", finished.Error.Message);
        }

        if (_drainRequester is not null)
        {
            _drainRequester.Tell(Drained.Instance);
            return;
        }

        StartNext();
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

        // An interrupted import stays in the inbox, to be finished at the next start.
        if (_drainRequester is not null && error is null)
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

    private sealed record PendingFile(string Path, bool FromInbox);

    private sealed record ImportFinished(PendingFile File, Exception? Error);
}
