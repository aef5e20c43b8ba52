namespace Pipeline.Host;

/// <summary>
/// A host lifetime that listens to no signal: whoever owns the host stops it. For hosts beside the service whose Ctrl+C
/// belongs to someone else (the demo's simulator and webhook receiver stop when disposed, after the service drained), and
/// for the import verb, which on SIGTERM first drains its graph and only then stops its host.
/// </summary>
internal sealed class OwnerStoppedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
