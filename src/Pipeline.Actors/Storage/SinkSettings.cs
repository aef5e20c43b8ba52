namespace Pipeline.Actors.Storage;

/// <summary>How the sink batches and how patiently it waits for the database.</summary>
/// <param name="BatchSize">Items per transaction at most.</param>
/// <param name="MaxWait">Longest an item waits for its batch to fill (bounds freshness).</param>
/// <param name="MaxAttempts">Tries per batch while the database is unreachable; 0 retries for ever (the service), a number fails the stream (one-shot imports).</param>
/// <param name="Parallelism">Batches committed at once, each on its own connection; completion signals still come in order.</param>
public sealed record SinkSettings(
    int BatchSize,
    TimeSpan MaxWait,
    TimeSpan MinBackoff,
    TimeSpan MaxBackoff,
    int MaxAttempts,
    int Parallelism = 2)
{
    public static SinkSettings Default { get; } = new(2_000, TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(200),
        TimeSpan.FromSeconds(10), 0);

    /// <summary>Exponential backoff with full jitter, so that several writers do not retry in step.</summary>
    public TimeSpan BackoffFor(int attempt)
    {
        var exponential = MinBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 20));
        var capped = Math.Min(exponential, MaxBackoff.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped / 2 + Random.Shared.NextDouble() * capped / 2);
    }
}
