using System.Collections.Concurrent;
using Pipeline.Models.Domain;
using Pipeline.Models.Sentiment;

namespace Pipeline.Actors.Graph;

/// <summary>
/// The scorers the sentiment stage's parallel batches use. A scorer that says
/// <see cref="ISentimentScorer.IsThreadSafe"/> is loaded once and shared by every lane (one model in
/// memory, not one per lane). Any other is used by one thread at a time (its contract), so the pool
/// holds one instance per lane and each call borrows a free one; with no more callers than
/// instances nobody waits.
/// </summary>
public sealed class SentimentScorerPool : ISentimentScorer
{
    private readonly IReadOnlyList<ISentimentScorer> _all;
    private readonly BlockingCollection<ISentimentScorer> _free;
    private readonly ISentimentScorer? _shared;

    public SentimentScorerPool(IReadOnlyList<ISentimentScorer> scorers)
    {
        ArgumentNullException.ThrowIfNull(scorers);
        if (scorers.Count == 0)
        {
            throw new ArgumentException("A pool needs at least one scorer.", nameof(scorers));
        }

        if (scorers.Select(s => s.ModelVersion).Distinct(StringComparer.Ordinal).Count() > 1)
        {
            throw new ArgumentException("All scorers of a pool must be the same model.", nameof(scorers));
        }

        _all = scorers;
        _shared = scorers.Count == 1 && scorers[0].IsThreadSafe ? scorers[0] : null;
        _free = new BlockingCollection<ISentimentScorer>(new ConcurrentQueue<ISentimentScorer>(scorers));
    }

    /// <summary>
    /// Scorers for <paramref name="count"/> lanes from <paramref name="create"/>: one when it is thread-safe,
    /// else <paramref name="count"/>; the ones made before a failure are disposed.
    /// </summary>
    public static SentimentScorerPool Create(int count, Func<ISentimentScorer> create)
    {
        var scorers = new List<ISentimentScorer>(count);
        try
        {
            scorers.Add(create());
            for (var i = 1; i < count && !scorers[0].IsThreadSafe; i++)
            {
                scorers.Add(create());
            }

            return new SentimentScorerPool(scorers);
        }
        catch
        {
            scorers.ForEach(s => s.Dispose());
            throw;
        }
    }

    public string ModelVersion => _all[0].ModelVersion;

    /// <summary>Model instances loaded: 1 when shared by all lanes.</summary>
    public int Size => _all.Count;

    /// <summary>Always: a shared scorer is thread-safe, and lanes borrow unshared ones one at a time.</summary>
    public bool IsThreadSafe => true;

    public IReadOnlyList<SentimentScore> Score(IReadOnlyList<string> texts)
    {
        if (_shared is not null)
        {
            return _shared.Score(texts);
        }

        var scorer = _free.Take();
        try
        {
            return scorer.Score(texts);
        }
        finally
        {
            _free.Add(scorer);
        }
    }

    public void Dispose()
    {
        foreach (var scorer in _all)
        {
            scorer.Dispose();
        }

        _free.Dispose();
    }
}
