using System.Globalization;
using System.Text;

namespace Pipeline.Models.Topics;

/// <summary>
/// Each topic's word distribution p(w | topic) over far more words than the catalog's top words
/// (<c>word-weights.tsv</c> in the model folder), for reassignment by word overlap. ML.NET keeps the full
/// topic-word table inside model.zip without a way to read it, so it is estimated from the corpus the rule
/// is calibrated on: every token of a document counts towards each topic by the document's inferred share.
/// </summary>
public static class TopicWordWeights
{
    public const string FileName = "word-weights.tsv";

    /// <summary>Words kept per topic: the tail carries next to no weight and would only bloat the file.</summary>
    public const int WordsPerTopic = 300;

    /// <param name="documents">The model's tokens of each document (unknown tokens are ignored).</param>
    /// <param name="distributions">The model's topic vector of each document (all zeros: no known token).</param>
    public static IReadOnlyList<IReadOnlyList<WeightedWord>> Estimate(
        LdaModel lda, IReadOnlyList<IReadOnlyList<string>> documents, IReadOnlyList<float[]> distributions, int wordsPerTopic = WordsPerTopic)
    {
        ArgumentNullException.ThrowIfNull(lda);
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(distributions);
        var k = lda.Topics.Count;
        var counts = new Dictionary<string, double[]>(StringComparer.Ordinal);
        for (var d = 0; d < documents.Count; d++)
        {
            var theta = distributions[d];
            foreach (var token in documents[d])
            {
                if (!lda.Vocabulary.Contains(token))
                    continue;
                if (!counts.TryGetValue(token, out var row))
                    counts[token] = row = new double[k];
                for (var t = 0; t < k; t++)
                {
                    row[t] += theta[t];
                }
            }
        }

        var topics = new IReadOnlyList<WeightedWord>[k];
        for (var t = 0; t < k; t++)
        {
            var total = counts.Values.Sum(row => row[t]);
            topics[t] = total <= 0
                ? []
                : counts
                    .Where(c => c.Value[t] > 0)
                    .OrderByDescending(c => c.Value[t])
                    .ThenBy(c => c.Key, StringComparer.Ordinal)
                    .Take(wordsPerTopic)
                    .Select(c => new WeightedWord(c.Key, Math.Round(c.Value[t] / total, 6)))
                    .ToArray();
        }

        return topics;
    }

    /// <summary>Lines of <c>topic&lt;TAB&gt;word&lt;TAB&gt;weight</c>, topic being the model's index; heaviest words first.</summary>
    public static void Write(string path, IReadOnlyList<IReadOnlyList<WeightedWord>> topics)
    {
        var text = new StringBuilder("# p(word | topic) by the model's topic index, estimated from the calibration corpus (docs/topics.md).\n");
        for (var t = 0; t < topics.Count; t++)
        {
            foreach (var word in topics[t])
            {
                text.Append(CultureInfo.InvariantCulture, $"{t}\t{word.Word}\t{word.Weight.ToString("0.######", CultureInfo.InvariantCulture)}\n");
            }
        }

        File.WriteAllText(path, text.ToString(), new UTF8Encoding(false));
    }

    /// <exception cref="InvalidDataException">A line is not topic, word and weight, or the topic is outside the model.</exception>
    public static IReadOnlyList<IReadOnlyList<WeightedWord>> Read(string path, int topicCount)
    {
        var topics = Enumerable.Range(0, topicCount).Select(_ => new List<WeightedWord>()).ToArray();
        var number = 0;
        foreach (var line in File.ReadLines(path, Encoding.UTF8))
        {
            number++;
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            var cells = line.Split('\t');
            if (cells.Length != 3
                || !int.TryParse(cells[0], NumberStyles.None, CultureInfo.InvariantCulture, out var topic) || topic >= topicCount
                || !double.TryParse(cells[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var weight) || !(weight >= 0 && double.IsFinite(weight)))
            {
                throw new InvalidDataException($"{path}:{number}: expected 'topic<TAB>word<TAB>weight' with a topic below {topicCount} and a weight of at least 0.");
            }

            topics[topic].Add(new WeightedWord(cells[1], weight));
        }

        return topics;
    }
}
