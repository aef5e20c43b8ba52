namespace Pipeline.Actors.Graph;

/// <summary>
/// What readiness and the status endpoint need to know about the running pipeline; written
/// by the actors, read by health checks on other threads.
/// </summary>
public sealed class PipelineStatus
{
    private volatile bool _graphRunning;
    private volatile string? _currentInput;
    private volatile string? _lastError;
    private volatile PendingRestart? _restart;
    private long _restarts;

    public bool GraphRunning => _graphRunning;

    public string? CurrentInput => _currentInput;

    public string? LastError => _lastError;

    /// <summary>Set while the graph is down after a failure and waits for its restart; null while it runs.</summary>
    public PendingRestart? Restart => _restart;

    /// <summary>How many times the graph failed and was (or is about to be) started again.</summary>
    public long Restarts => Interlocked.Read(ref _restarts);

    public void GraphStarted()
    {
        _restart = null;
        _graphRunning = true;
    }

    public void GraphStopped() => _graphRunning = false;

    /// <summary>The graph failed (<paramref name="error"/>) and is started again at <paramref name="at"/>.</summary>
    public void RestartPending(string error, DateTimeOffset at)
    {
        _lastError = error;
        Interlocked.Increment(ref _restarts);
        _restart = new PendingRestart(error, at);
        _graphRunning = false;
    }

    public void Processing(string? input) => _currentInput = input;

    public void Failed(string error) => _lastError = error;
}

/// <summary>Why the graph is down and when it starts again.</summary>
public sealed record PendingRestart(string Error, DateTimeOffset At);
