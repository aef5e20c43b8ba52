namespace Pipeline.Actors.Graph;

/// <summary>
/// <c>pipeline.supervision</c>: how a long-running graph (the scrapers' shared graph, the inbox import)
/// is restarted after a failure: exponential backoff between <see cref="MinBackoff"/> and
/// <see cref="MaxBackoff"/>, with <see cref="RandomFactor"/> jitter so that nodes do not restart in step.
/// </summary>
public sealed record SupervisionSettings(TimeSpan MinBackoff, TimeSpan MaxBackoff, double RandomFactor)
{
    public static SupervisionSettings Default { get; } = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 0.2);
}
