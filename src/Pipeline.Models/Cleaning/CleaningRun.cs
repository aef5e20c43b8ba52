using Pipeline.Models.Domain;

namespace Pipeline.Models.Cleaning;

/// <summary>Where the cleaning rules ask whether an id or a retweet text is new, and record that it was seen.</summary>
internal interface IDuplicateWindow
{
    /// <summary>True, and the id is recorded, when it was not seen before.</summary>
    bool FirstId(long id);

    /// <summary>True, and the text is recorded against post <paramref name="id"/>, when it was not seen before.</summary>
    bool FirstText(long id, ulong textKey);
}

/// <summary>
/// The cleaning of one materialisation of a graph. Ids (and retweet texts) it cleans are held as
/// uncommitted: they catch duplicates within this run, and join the cleaner's shared window only
/// when <see cref="Committed"/> reports their batch stored. A run whose graph fails is simply
/// dropped, so the posts it had cleaned but not stored are new again for the next run (after a
/// failed import, importing the file again stores every lost row instead of dropping it as a
/// duplicate), while what other runs (the scrapers' graph) committed stays remembered.
/// </summary>
/// <remarks>
/// <see cref="Committed"/> relies on batches being committed in the order their posts were cleaned
/// (the sink's <c>SelectAsync</c> keeps order): the commit of one post proves every post cleaned
/// before it in this run committed too, even one that reached the sink without its id (a post a
/// scoring stage quarantined). Uncommitted entries are bounded by the duplicate window; beyond it
/// the oldest are forgotten, as the window itself forgets, and the sink's upsert stores them once.
/// Cleaning and commits may come from different threads.
/// </remarks>
public sealed class CleaningRun : IPostCleaner, IDuplicateWindow
{
    private readonly PostCleaner _cleaner;
    private readonly int _capacity;
    private readonly Lock _gate = new();
    private readonly Queue<Pending> _order = new();
    private readonly Dictionary<long, Pending> _ids = [];
    private readonly HashSet<ulong> _texts = [];

    internal CleaningRun(PostCleaner cleaner)
    {
        _cleaner = cleaner;
        _capacity = cleaner.Policy.DuplicateWindow;
    }

    /// <summary>Posts this run has cleaned (and not dropped as duplicates) whose batch is not yet committed.</summary>
    public int Uncommitted
    {
        get
        {
            lock (_gate)
            {
                return _order.Count;
            }
        }
    }

    public CleaningOutcome Clean(RawPost raw) => _cleaner.Clean(raw, this);

    /// <summary>
    /// These posts are stored: they and every post this run cleaned before them become seen for
    /// every later run. Ids this run did not clean (or already reported) are ignored.
    /// </summary>
    public void Committed(IEnumerable<PostId> ids)
    {
        List<(long, ulong?)>? committed = null;
        lock (_gate)
        {
            foreach (var id in ids)
            {
                if (!_ids.TryGetValue(id.Value, out var last))
                {
                    continue;
                }

                committed ??= [];
                Pending oldest;
                do
                {
                    oldest = _order.Dequeue();
                    Forget(oldest);
                    committed.Add((oldest.Id, oldest.TextKey));
                }
                while (!ReferenceEquals(oldest, last));
            }

            if (committed is not null)
            {
                // Under the run's lock, so that a post cleaned meanwhile is never judged against a
                // window that has neither this run's entry nor the committed one.
                _cleaner.Remember(committed);
            }
        }
    }

    bool IDuplicateWindow.FirstId(long id)
    {
        lock (_gate)
        {
            if (_ids.ContainsKey(id) || _cleaner.Remembers(id, null))
            {
                return false;
            }

            var entry = new Pending(id);
            _order.Enqueue(entry);
            _ids.Add(id, entry);
            if (_order.Count > _capacity)
            {
                Forget(_order.Dequeue());
            }

            return true;
        }
    }

    bool IDuplicateWindow.FirstText(long id, ulong textKey)
    {
        lock (_gate)
        {
            if (_texts.Contains(textKey) || _cleaner.Remembers(null, textKey))
            {
                return false;
            }

            if (_ids.TryGetValue(id, out var entry) && entry.TextKey is null)
            {
                entry.TextKey = textKey;
                _texts.Add(textKey);
            }

            return true;
        }
    }

    private void Forget(Pending entry)
    {
        _ids.Remove(entry.Id);
        if (entry.TextKey is { } key)
        {
            _texts.Remove(key);
        }
    }

    private sealed class Pending(long id)
    {
        public long Id { get; } = id;

        public ulong? TextKey { get; set; }
    }
}
