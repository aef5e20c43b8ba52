namespace Pipeline.Models.Topics;

/// <summary>
/// How alike two topics are, from their heaviest words: weighted Jaccard (Ruzicka),
/// Σ min(a_w, b_w) / Σ max(a_w, b_w), over each topic's top-N weights rescaled to sum to 1.
/// </summary>
/// <remarks>
/// Weighted Jaccard rather than cosine: cosine squares the weights, so the first one or two words
/// dominate, and two different banking topics that both lead with "transfer" look alike even when the
/// rest of their words differ. Weighted Jaccard is linear in probability mass, so 0.2 reads plainly as
/// "a fifth of the mass is shared". Rescaling to sum 1 first compares the shape of the top words rather
/// than how much mass the top N happen to hold, which changes with vocabulary size between retrains.
/// </remarks>
public static class TopicSimilarity
{
    public static double WeightedJaccard(IReadOnlyList<WeightedWord> a, IReadOnlyList<WeightedWord> b, int topN)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(topN, 1);
        var left = Normalised(a, topN, nameof(a));
        var right = Normalised(b, topN, nameof(b));
        if (left.Count == 0 || right.Count == 0)
            return 0.0;

        double shared = 0, union = 0;
        foreach (var word in left.Keys.Union(right.Keys, StringComparer.Ordinal))
        {
            var x = left.GetValueOrDefault(word);
            var y = right.GetValueOrDefault(word);
            shared += Math.Min(x, y);
            union += Math.Max(x, y);
        }

        return union == 0 ? 0.0 : shared / union;
    }

    /// <summary>The heaviest words first; equal weights by word so the order never depends on input order.</summary>
    public static IEnumerable<WeightedWord> Heaviest(IReadOnlyList<WeightedWord> words) =>
        words.OrderByDescending(w => w.Weight).ThenBy(w => w.Word, StringComparer.Ordinal);

    private static Dictionary<string, double> Normalised(IReadOnlyList<WeightedWord> words, int topN, string name)
    {
        ArgumentNullException.ThrowIfNull(words, name);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var w in words)
        {
            if (!double.IsFinite(w.Weight) || w.Weight < 0)
                throw new ArgumentException($"Word '{w.Word}' has weight {w.Weight}; weights must be finite and non-negative.", name);
            if (!seen.Add(w.Word))
                throw new ArgumentException($"Word '{w.Word}' appears twice in one topic.", name);
        }

        var top = Heaviest(words).Take(topN).ToList();
        var total = top.Sum(w => w.Weight);
        return total <= 0
            ? []
            : top.ToDictionary(w => w.Word, w => w.Weight / total, StringComparer.Ordinal);
    }
}
