namespace Pipeline.Actors.Graph;

/// <summary>A model in use: what it is, when it was loaded and from where (shown by health checks).</summary>
public sealed record LoadedModel<T>(T Model, string Version, DateTimeOffset LoadedAt, string Origin)
    where T : class;

/// <summary>
/// Holds the model a scoring stage uses and lets it be replaced while the graph runs. Stages take a
/// <see cref="Lease"/> once per batch, so a swap takes effect at the next batch and never mixes two
/// models within one. A model that owns resources (<see cref="IDisposable"/>, e.g. an ONNX session)
/// is disposed when it has been swapped out (or the slot disposed) and the last batch holding a lease
/// on it has finished: never under a batch still scoring with it.
/// </summary>
public sealed class ModelSlot<T>(LoadedModel<T> initial) : IDisposable
    where T : class
{
    private Holder _current = new(initial ?? throw new ArgumentNullException(nameof(initial)));
    private readonly Lock _swapping = new();
    private int _disposed;

    public LoadedModel<T> Current => Volatile.Read(ref _current).Loaded;

    /// <summary>
    /// The current model, kept alive until the lease is disposed. Retries when a swap retires the
    /// model between reading it and holding it, so the lease is always on a live model.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The slot is disposed (the service is stopping).</exception>
    public ModelLease<T> Lease()
    {
        while (true)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            var holder = Volatile.Read(ref _current);
            if (holder.TryHold())
            {
                return new ModelLease<T>(holder.Loaded, holder);
            }
        }
    }

    /// <summary>
    /// Puts <paramref name="next"/> in use and returns the model it replaced, for its version and
    /// origin: it is retired (disposed once no batch holds it), not to be scored with.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The slot is disposed (the service is stopping); <paramref name="next"/> is disposed too.</exception>
    public LoadedModel<T> Swap(LoadedModel<T> next)
    {
        ArgumentNullException.ThrowIfNull(next);
        Holder previous;
        // Swap and Dispose each give up the slot's hold on the current model; serialised, so that a reload
        // finishing while the service stops never releases one model twice (under a batch still scoring).
        lock (_swapping)
        {
            if (_disposed != 0)
            {
                (next.Model as IDisposable)?.Dispose();
                throw new ObjectDisposedException(nameof(ModelSlot<T>), "The service is stopping; the new model was not put in use.");
            }

            previous = Interlocked.Exchange(ref _current, new Holder(next));
        }

        previous.Release();
        return previous.Loaded;
    }

    /// <summary>Retires the current model: disposed now, or when the last batch holding it finishes.</summary>
    public void Dispose()
    {
        Holder current;
        lock (_swapping)
        {
            if (_disposed != 0)
            {
                return;
            }

            Volatile.Write(ref _disposed, 1);
            current = Volatile.Read(ref _current);
        }

        current.Release();
    }

    /// <summary>
    /// Counts who holds one model: the slot itself (1 while current) plus one per lease. The count
    /// never rises again from 0, so the model is disposed exactly once, after everyone let go.
    /// </summary>
    internal sealed class Holder(LoadedModel<T> loaded)
    {
        private int _holds = 1;

        public LoadedModel<T> Loaded { get; } = loaded;

        public bool TryHold()
        {
            var holds = Volatile.Read(ref _holds);
            while (holds > 0)
            {
                var seen = Interlocked.CompareExchange(ref _holds, holds + 1, holds);
                if (seen == holds)
                {
                    return true;
                }

                holds = seen;
            }

            return false;
        }

        public void Release()
        {
            if (Interlocked.Decrement(ref _holds) == 0)
            {
                (Loaded.Model as IDisposable)?.Dispose();
            }
        }
    }
}

/// <summary>A batch's hold on one model (see <see cref="ModelSlot{T}.Lease"/>); dispose it when the batch is done.</summary>
public sealed class ModelLease<T> : IDisposable
    where T : class
{
    private ModelSlot<T>.Holder? _holder;

    internal ModelLease(LoadedModel<T> loaded, ModelSlot<T>.Holder holder)
    {
        Loaded = loaded;
        _holder = holder;
    }

    public LoadedModel<T> Loaded { get; }

    public T Model => Loaded.Model;

    public void Dispose() => Interlocked.Exchange(ref _holder, null)?.Release();
}
