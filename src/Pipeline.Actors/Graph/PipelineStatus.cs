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

    public bool GraphRunning => _graphRunning;

    public string? CurrentInput => _currentInput;

    public string? LastError => _lastError;

    public void GraphStarted() => _graphRunning = true;

    public void GraphStopped() => _graphRunning = false;

    public void Processing(string? input) => _currentInput = input;

    public void Failed(string error) => _lastError = error;
}
