namespace Pipeline.Models.Topics;

/// <summary>Coherence of a set of topics: the mean over topics, and each topic's own value.</summary>
public sealed record CoherenceScores(
    double CV,
    double UMass,
    double Npmi,
    IReadOnlyList<double> PerTopicCV,
    IReadOnlyList<double> PerTopicUMass,
    IReadOnlyList<double> PerTopicNpmi);

/// <summary>
/// Topic coherence as gensim 4.x's CoherenceModel defines it (Röder et al. 2015 pipelines:
/// segmentation → probability estimation → confirmation → arithmetic mean), so topics trained
/// here can be compared with the Python original's numbers.
/// <para><paramref name="topics"/> are each topic's top words, best first; <c>texts</c> are the
/// tokenised documents. The measures take topics as given; <see cref="All"/> first prepares them
/// the way tools/topic_anchor.py does.</para>
/// </summary>
public static class Coherence
{
    public const int CVWindow = 110;
    public const int NpmiWindow = 10;

    // gensim's direct_confirmation_measure.EPSILON: keeps log() finite for pairs never seen together.
    private const double Epsilon = 1e-12;

    /// <summary>u_mass: mean over topics of the mean over pairs (wᵢ, wⱼ), j &lt; i, of
    /// log((D(wᵢ,wⱼ)/N + ε) / (D(wⱼ)/N)) with D counted over whole documents.</summary>
    public static double UMass(IReadOnlyList<IReadOnlyList<string>> topics, IReadOnlyList<IReadOnlyList<string>> texts) =>
        Mean(UMassPerTopic(topics, texts));

    public static IReadOnlyList<double> UMassPerTopic(
        IReadOnlyList<IReadOnlyList<string>> topics, IReadOnlyList<IReadOnlyList<string>> texts) =>
        UMassPerTopic(topics, CooccurrenceCounts.FromDocuments(topics.SelectMany(t => t), texts));

    /// <summary>c_v: mean over topics of the mean over the topic's words w of
    /// cos(v(w), v(W)), where v(w)ⱼ = NPMI(w, wⱼ) and v(W)ⱼ = Σᵢ NPMI(wᵢ, wⱼ) over the topic's words
    /// (indirect cosine measure, γ = 1), probabilities from sliding windows.</summary>
    public static double CV(
        IReadOnlyList<IReadOnlyList<string>> topics, IReadOnlyList<IReadOnlyList<string>> texts, int window = CVWindow) =>
        Mean(CVPerTopic(topics, texts, window));

    public static IReadOnlyList<double> CVPerTopic(
        IReadOnlyList<IReadOnlyList<string>> topics, IReadOnlyList<IReadOnlyList<string>> texts, int window = CVWindow) =>
        CVPerTopic(topics, CooccurrenceCounts.FromSlidingWindows(topics.SelectMany(t => t), texts, window));

    /// <summary>c_npmi: mean over topics of the mean over ordered pairs (wᵢ, wⱼ), i ≠ j, of
    /// NPMI = log((P(wᵢ,wⱼ) + ε) / (P(wᵢ)P(wⱼ))) / −log(P(wᵢ,wⱼ) + ε), probabilities from sliding windows.</summary>
    public static double Npmi(
        IReadOnlyList<IReadOnlyList<string>> topics, IReadOnlyList<IReadOnlyList<string>> texts, int window = NpmiWindow) =>
        Mean(NpmiPerTopic(topics, texts, window));

    public static IReadOnlyList<double> NpmiPerTopic(
        IReadOnlyList<IReadOnlyList<string>> topics, IReadOnlyList<IReadOnlyList<string>> texts, int window = NpmiWindow) =>
        NpmiPerTopic(topics, CooccurrenceCounts.FromSlidingWindows(topics.SelectMany(t => t), texts, window));

    /// <summary>
    /// All three measures on the footing of tools/topic_anchor.py: topic words outside
    /// <see cref="AnchorVocabulary"/> are dropped, topics are cut to <paramref name="topN"/> words,
    /// u_mass counts every text (empty ones too: they are part of N) and the sliding-window
    /// measures skip empty texts.
    /// </summary>
    public static CoherenceScores All(
        IReadOnlyList<IReadOnlyList<string>> topics, IReadOnlyList<IReadOnlyList<string>> texts, int topN = 10)
    {
        var prepared = Prepare(topics, AnchorVocabulary.Build(texts), topN);
        var words = prepared.SelectMany(t => t).ToArray();
        var perTopicCV = CVPerTopic(prepared, CooccurrenceCounts.FromSlidingWindows(words, texts, CVWindow));
        var perTopicUMass = UMassPerTopic(prepared, CooccurrenceCounts.FromDocuments(words, texts));
        var perTopicNpmi = NpmiPerTopic(prepared, CooccurrenceCounts.FromSlidingWindows(words, texts, NpmiWindow));
        return new CoherenceScores(
            Mean(perTopicCV), Mean(perTopicUMass), Mean(perTopicNpmi), perTopicCV, perTopicUMass, perTopicNpmi);
    }

    /// <summary>
    /// Drops words outside <paramref name="vocabulary"/> (gensim's CoherenceModel rejects them), then
    /// cuts topics to <paramref name="topN"/> words — but, like CoherenceModel.topics, only when the
    /// first topic is longer than <paramref name="topN"/>.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<string>> Prepare(
        IReadOnlyList<IReadOnlyList<string>> topics, IReadOnlySet<string> vocabulary, int topN = 10)
    {
        var known = topics.Select(t => (IReadOnlyList<string>)t.Where(vocabulary.Contains).ToArray()).ToArray();
        if (known.Any(t => t.Count == 0))
        {
            // CoherenceModel raises too ("unable to interpret topic"); a silent NaN would be worse.
            throw new ArgumentException("A topic has no word in the vocabulary.", nameof(topics));
        }

        return known.Length > 0 && known[0].Count > topN
            ? known.Select(t => (IReadOnlyList<string>)t.Take(topN).ToArray()).ToArray()
            : known;
    }

    private static double[] UMassPerTopic(IReadOnlyList<IReadOnlyList<string>> topics, CooccurrenceCounts counts)
    {
        double n = counts.Documents;
        return topics.Select(topic => Mean(
            from i in Enumerable.Range(1, Math.Max(0, topic.Count - 1))
            from j in Enumerable.Range(0, i)
            select LogConditional(topic[i], topic[j], counts, n))).ToArray();
    }

    private static double LogConditional(string word, string given, CooccurrenceCounts counts, double n)
    {
        var givenCount = counts.Count(given);
        // gensim catches ZeroDivisionError here and scores the pair 0.
        return givenCount == 0 || n == 0
            ? 0.0
            : Math.Log(((counts.Count(word, given) / n) + Epsilon) / (givenCount / n));
    }

    private static double[] NpmiPerTopic(IReadOnlyList<IReadOnlyList<string>> topics, CooccurrenceCounts counts) =>
        topics.Select(topic => Mean(
            from i in Enumerable.Range(0, topic.Count)
            from j in Enumerable.Range(0, topic.Count)
            where i != j
            select NormalisedPmi(topic[i], topic[j], counts))).ToArray();

    private static double NormalisedPmi(string first, string second, CooccurrenceCounts counts)
    {
        double n = counts.Documents;
        var together = counts.Count(first, second) / n;
        var pmi = Math.Log((together + Epsilon) / (counts.Count(first) / n * (counts.Count(second) / n)));
        return pmi / -Math.Log(together + Epsilon);
    }

    private static double[] CVPerTopic(IReadOnlyList<IReadOnlyList<string>> topics, CooccurrenceCounts counts) =>
        topics.Select(topic =>
        {
            // Context vectors live on the topic's distinct words; a repeated word adds to its slot,
            // as gensim's sparse vectors do.
            var slots = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var word in topic)
            {
                slots.TryAdd(word, slots.Count);
            }

            double[] ContextVector(IEnumerable<string> segment)
            {
                var vector = new double[slots.Count];
                foreach (var wj in topic)
                {
                    foreach (var wi in segment)
                    {
                        vector[slots[wj]] += NormalisedPmi(wi, wj, counts);
                    }
                }

                return vector;
            }

            var whole = ContextVector(topic);
            return Mean(topic.Select(word => Cosine(ContextVector([word]), whole)));
        }).ToArray();

    private static double Cosine(double[] a, double[] b)
    {
        double dot = 0, aa = 0, bb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            aa += a[i] * a[i];
            bb += b[i] * b[i];
        }

        return dot / (Math.Sqrt(aa) * Math.Sqrt(bb));
    }

    // np.mean of nothing is NaN; so is ours, rather than an exception half-way through a report.
    private static double Mean(IEnumerable<double> values)
    {
        double sum = 0;
        var count = 0;
        foreach (var value in values)
        {
            sum += value;
            count++;
        }

        return count == 0 ? double.NaN : sum / count;
    }
}
