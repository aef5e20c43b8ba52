namespace Pipeline.Actors.Graph;

/// <summary>
/// <c>pipeline.supervision</c>: how a long-running graph (the scrapers' shared graph, the inbox import)
/// is restarted after a failure: exponential backoff between <see cref="MinBackoff"/> and
/// <see cref="MaxBackoff"/>, with <see cref="RandomFactor"/> jitter so that nodes do not restart in step.
/// </summary>
public sealed record SupervisionSettings(TimeSpan MinBackoff, TimeSpan MaxBackoff, double RandomFactor)
{
    public static SupervisionSettings Default { get; } = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 0.2);

    /// <summary>
    /// The pause after <paramref name="failures"/> failures in a row (0 for the first) of a graph restarted by hand (the
    /// inbox importer's retries), by the rule Akka's backoff supervisors follow for the others (whose own calculation is
    /// internal): doubling from the minimum, capped at the maximum, then lengthened by up to <see cref="RandomFactor"/>.
    /// </summary>
    public TimeSpan DelayAfter(int failures, Random random)
    {
        var doubled = MinBackoff.TotalMilliseconds * Math.Pow(2, Math.Clamp(failures, 0, 30));
        var jitter = 1 + random.NextDouble() * RandomFactor;
        return TimeSpan.FromMilliseconds(Math.Min(doubled, MaxBackoff.TotalMilliseconds) * jitter);
    }
}
