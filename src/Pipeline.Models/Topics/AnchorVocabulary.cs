namespace Pipeline.Models.Topics;

/// <summary>
/// The vocabulary tools/topic_anchor.py scores topics against: gensim
/// <c>Dictionary(texts).filter_extremes(no_below=5, no_above=0.5, keep_n=100000)</c>.
/// Topic words outside it are dropped before scoring, because gensim's CoherenceModel only
/// accepts dictionary words.
/// </summary>
public static class AnchorVocabulary
{
    public static IReadOnlySet<string> Build(
        IReadOnlyList<IReadOnlyList<string>> texts, int noBelow = 5, double noAbove = 0.5, int keepN = 100_000)
    {
        // gensim numbers tokens in order of first sight, alphabetically within a document; that
        // order breaks document-frequency ties when keep_n cuts the list.
        var documentFrequency = new Dictionary<string, int>(StringComparer.Ordinal);
        var firstSeen = new List<string>();
        foreach (var text in texts)
        {
            foreach (var token in text.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                if (documentFrequency.TryGetValue(token, out var df))
                {
                    documentFrequency[token] = df + 1;
                }
                else
                {
                    documentFrequency[token] = 1;
                    firstSeen.Add(token);
                }
            }
        }

        // int(no_above * num_docs): Python truncates toward zero.
        var noAboveAbsolute = (int)(noAbove * texts.Count);
        return firstSeen
            .Where(t => documentFrequency[t] >= noBelow && documentFrequency[t] <= noAboveAbsolute)
            .OrderByDescending(t => documentFrequency[t]) // stable, like Python's sort
            .Take(keepN)
            .ToHashSet(StringComparer.Ordinal);
    }
}
