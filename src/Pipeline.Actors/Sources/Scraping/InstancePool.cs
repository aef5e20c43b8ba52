namespace Pipeline.Actors.Sources.Scraping;

/// <summary>The health of one instance of a source, as a scraper sees it.</summary>
public sealed record InstanceState(Uri Url, DateTimeOffset PausedUntil, int Failures, bool Suspect, string? LastError);

/// <summary>
/// Round-robin over a source's instances, skipping paused ones: a rate-limited or failing
/// instance rests while the scraper carries on with another.
/// </summary>
public sealed record InstancePool(IReadOnlyList<InstanceState> Instances, int Next)
{
    public static InstancePool Of(IEnumerable<Uri> urls) =>
        new(urls.Select(u => new InstanceState(u, DateTimeOffset.MinValue, 0, false, null)).ToList(), 0);

    /// <summary>The next instance free to use now, or null with the time the first one is free again.</summary>
    public (int? Index, DateTimeOffset FreeAt) Pick(DateTimeOffset now)
    {
        for (var step = 0; step < Instances.Count; step++)
        {
            var index = (Next + step) % Instances.Count;
            if (Instances[index].PausedUntil <= now)
            {
                return (index, now);
            }
        }

        return (null, Instances.Min(i => i.PausedUntil));
    }

    public InstancePool Used(int index) => this with { Next = (index + 1) % Instances.Count };

    public InstancePool Succeeded(int index) =>
        Replace(index, Instances[index] with { Failures = 0, Suspect = false, LastError = null });

    public InstancePool Paused(int index, DateTimeOffset until, string error, bool suspect = false) =>
        Replace(index, Instances[index] with
        {
            PausedUntil = until,
            Failures = Instances[index].Failures + 1,
            Suspect = suspect || Instances[index].Suspect,
            LastError = error,
        });

    private InstancePool Replace(int index, InstanceState state)
    {
        var copy = Instances.ToArray();
        copy[index] = state;
        return this with { Instances = copy };
    }
}

/// <summary>Exponential backoff with jitter for failures that give no retry time of their own.</summary>
public sealed record RetryBackoff(TimeSpan Min, TimeSpan Max)
{
    public TimeSpan For(int failures, Random random)
    {
        var exponential = Min.TotalMilliseconds * Math.Pow(2, Math.Clamp(failures - 1, 0, 20));
        var capped = Math.Min(exponential, Max.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.75 + random.NextDouble() * 0.5));
    }
}
