using System.Collections.Concurrent;
using Pipeline.Models.Domain;
using Pipeline.Models.Sentiment;

namespace Pipeline.Actors.Graph;

/// <summary>
/// One scorer per parallel batch: a scorer instance is used by one thread at a time (its
/// contract), so the sentiment stage's parallelism needs as many instances. Each call borrows
/// a free one; with no more callers than instances nobody waits.
/// </summary>
public sealed class SentimentScorerPool : ISentimentScorer
{
    private readonly IReadOnlyList<ISentimentScorer> _all;
    private readonly BlockingCollection<ISentimentScorer> _free;

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
        _free = new BlockingCollection<ISentimentScorer>(new ConcurrentQueue<ISentimentScorer>(scorers));
    }

    /// <summary><paramref name="count"/> scorers from <paramref name="create"/>; the ones made before a failure are disposed.</summary>
    public static SentimentScorerPool Create(int count, Func<ISentimentScorer> create)
    {
        var scorers = new List<ISentimentScorer>(count);
        try
        {
            for (var i = 0; i < count; i++)
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

    public int Size => _all.Count;

    public IReadOnlyList<SentimentScore> Score(IReadOnlyList<string> texts)
    {
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
