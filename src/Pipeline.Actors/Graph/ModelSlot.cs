namespace Pipeline.Actors.Graph;

/// <summary>A model in use: what it is, when it was loaded and from where (shown by health checks).</summary>
public sealed record LoadedModel<T>(T Model, string Version, DateTimeOffset LoadedAt, string Origin)
    where T : class;

/// <summary>
/// Holds the model a scoring stage uses and lets it be replaced while the graph runs. Stages read
/// <see cref="Current"/> once per batch, so a swap takes effect at the next batch and never
/// mixes two models within one.
/// </summary>
public sealed class ModelSlot<T>(LoadedModel<T> initial)
    where T : class
{
    private LoadedModel<T> _current = initial ?? throw new ArgumentNullException(nameof(initial));

    public LoadedModel<T> Current => Volatile.Read(ref _current);

    /// <summary>Puts <paramref name="next"/> in use and returns the model it replaced.</summary>
    public LoadedModel<T> Swap(LoadedModel<T> next)
    {
        ArgumentNullException.ThrowIfNull(next);
        return Interlocked.Exchange(ref _current, next);
    }
}
