namespace Pipeline.Models.Cleaning;

/// <summary>
/// A bounded set: remembers the last <c>capacity</c> keys, forgetting the oldest first, so
/// that duplicate detection costs constant memory however long the stream runs. Duplicates
/// older than the window still land only once, because the sink upserts on the post id.
/// </summary>
public sealed class RecentlySeen<T> where T : notnull
{
    private readonly HashSet<T> _set;
    private readonly Queue<T> _order;
    private readonly int _capacity;

    public RecentlySeen(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _set = new HashSet<T>(Math.Min(capacity, 1 << 16));
        _order = new Queue<T>(Math.Min(capacity, 1 << 16));
    }

    public int Count => _set.Count;

    /// <summary>Adds the key; false when it was already there.</summary>
    public bool Add(T key)
    {
        if (!_set.Add(key))
        {
            return false;
        }

        _order.Enqueue(key);
        if (_order.Count > _capacity)
        {
            _set.Remove(_order.Dequeue());
        }

        return true;
    }

    public bool Contains(T key) => _set.Contains(key);
}
