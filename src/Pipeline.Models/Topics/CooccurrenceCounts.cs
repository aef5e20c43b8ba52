namespace Pipeline.Models.Topics;

/// <summary>
/// In how many (virtual) documents each topic word, and each pair of topic words, occurs.
/// Only the topic words are counted (at most a few hundred), so the table is K×K however
/// large the corpus vocabulary is.
/// </summary>
internal sealed class CooccurrenceCounts
{
    private readonly Dictionary<string, int> _index;
    private readonly int[] _counts; // K×K, symmetric; the diagonal holds single-word counts

    private CooccurrenceCounts(Dictionary<string, int> index, int[] counts, int documents)
    {
        _index = index;
        _counts = counts;
        Documents = documents;
    }

    /// <summary>How many (virtual) documents were seen: the N of every probability.</summary>
    public int Documents { get; }

    public int Count(string word) => Count(word, word);

    public int Count(string first, string second) =>
        _index.TryGetValue(first, out var i) && _index.TryGetValue(second, out var j) ? _counts[(i * _index.Count) + j] : 0;

    /// <summary>gensim's boolean_document estimation: each document is one bag of words.</summary>
    public static CooccurrenceCounts FromDocuments(IEnumerable<string> words, IReadOnlyList<IReadOnlyList<string>> texts)
    {
        var index = IndexOf(words);
        var k = index.Count;
        var counts = new int[k * k];
        var seenInDocument = new int[k];
        Array.Fill(seenInDocument, -1);
        var present = new List<int>(k);
        for (var doc = 0; doc < texts.Count; doc++)
        {
            present.Clear();
            foreach (var token in texts[doc])
            {
                if (index.TryGetValue(token, out var id) && seenInDocument[id] != doc)
                {
                    seenInDocument[id] = doc;
                    present.Add(id);
                }
            }

            CountTogether(present, counts, k);
        }

        return new CooccurrenceCounts(index, counts, texts.Count);
    }

    /// <summary>
    /// gensim's boolean_sliding_window estimation (WordOccurrenceAccumulator): every window of
    /// <paramref name="window"/> consecutive tokens is a virtual document; a text shorter than the
    /// window is one window. Empty texts are skipped (gensim raises IndexError on them, and
    /// topic_anchor.py drops them for that reason).
    /// </summary>
    /// <remarks>
    /// gensim does not recompute a window's word set: on each step it marks the token that left as
    /// absent and the token that entered as present, even when the leaving word still occurs
    /// further inside the window. That undercounts repeated words; we reproduce it on purpose,
    /// because the point of these numbers is to equal gensim's.
    /// </remarks>
    public static CooccurrenceCounts FromSlidingWindows(
        IEnumerable<string> words, IReadOnlyList<IReadOnlyList<string>> texts, int window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        var index = IndexOf(words);
        var k = index.Count;
        var counts = new int[k * k];
        var inWindow = new bool[k + 1]; // the extra slot stands for every non-topic token
        var present = new List<int>(k);
        var ids = new List<int>();
        var windows = 0;
        foreach (var text in texts)
        {
            if (text.Count == 0)
            {
                continue;
            }

            ids.Clear();
            foreach (var token in text)
            {
                ids.Add(index.TryGetValue(token, out var id) ? id : k);
            }

            Array.Clear(inWindow);
            var firstLength = Math.Min(window, ids.Count);
            for (var i = 0; i < firstLength; i++)
            {
                inWindow[ids[i]] = true;
            }

            var steps = ids.Count <= window ? 1 : ids.Count - window + 1;
            for (var start = 0; start < steps; start++)
            {
                if (start > 0)
                {
                    inWindow[ids[start - 1]] = false;
                    inWindow[ids[start + window - 1]] = true;
                }

                present.Clear();
                for (var id = 0; id < k; id++)
                {
                    if (inWindow[id])
                    {
                        present.Add(id);
                    }
                }

                CountTogether(present, counts, k);
                windows++;
            }
        }

        return new CooccurrenceCounts(index, counts, windows);
    }

    private static Dictionary<string, int> IndexOf(IEnumerable<string> words)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var word in words)
        {
            index.TryAdd(word, index.Count);
        }

        return index;
    }

    private static void CountTogether(List<int> present, int[] counts, int k)
    {
        for (var a = 0; a < present.Count; a++)
        {
            var i = present[a];
            counts[(i * k) + i]++;
            for (var b = a + 1; b < present.Count; b++)
            {
                var j = present[b];
                counts[(i * k) + j]++;
                counts[(j * k) + i]++;
            }
        }
    }
}
