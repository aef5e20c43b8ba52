using System.Globalization;

namespace Pipeline.Models.Topics;

/// <summary>
/// How a model turns a post's topic vector into a stored topic (<c>topics.json</c>, <c>"decision"</c>;
/// docs/topics.md, "Threshold calibration" and "Reassignment"). A catalog without one (files written before
/// calibration existed) decides as before: threshold <see cref="TopicDecision.DefaultThreshold"/>, no reassignment.
/// </summary>
/// <param name="Threshold">The strongest topic must reach this probability for the post to be Classified.</param>
/// <param name="ReassignMinShare">
/// Below the threshold, a post with known words goes to the topic holding at least this share of its
/// word overlap with the topics' top words (<see cref="TopicWordOverlap"/>); null: no reassignment.
/// </param>
/// <param name="Calibration">Where <paramref name="Threshold"/> came from; null when it was set by hand.</param>
/// <param name="PriorAlpha">
/// When set, the threshold applies to the posterior mean (nₖ + α) / (n + Kα) of the post's topic proportions
/// rather than to the sampler's raw share nₖ / n, which calls a one-word post 100 % one topic
/// (<see cref="TopicDecision.Smoothed"/>); α is the training's document prior per topic. Null: the raw share.
/// </param>
public sealed record TopicDecisionRule(
    double Threshold,
    double? ReassignMinShare = null,
    TopicThresholdCalibration? Calibration = null,
    double? PriorAlpha = null)
{
    /// <summary>Two thirds: the best topic outweighs all the others together twice over.</summary>
    public const double DefaultReassignMinShare = 2.0 / 3.0;

    public static TopicDecisionRule Legacy { get; } = new(TopicDecision.DefaultThreshold);

    /// <summary>Every problem, for topics.json validation.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!(Threshold is >= 0 and <= 1))
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"decision.threshold = {Threshold}: must be between 0 and 1"));
        if (ReassignMinShare is { } share && !(share is > 0.5 and <= 1))
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"decision.reassignMinShare = {share}: must be above 0.5 and at most 1"));
        if (PriorAlpha is { } alpha && !(alpha > 0 && double.IsFinite(alpha)))
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"decision.priorAlpha = {alpha}: must be a positive number"));
        return problems;
    }
}

/// <summary>
/// The threshold is the <paramref name="Quantile"/> of the strongest-topic probability the model gives to
/// <paramref name="NullDocuments"/> shuffled documents: the training documents' own tokens dealt out again at
/// random (same lengths, same word frequencies, no topical coherence).
/// </summary>
/// <param name="NullMedian">The median strongest-topic probability of the shuffled documents.</param>
/// <param name="Seed">Seed of the shuffle, so calibration repeats.</param>
public sealed record TopicThresholdCalibration(double Quantile, int NullDocuments, double NullMedian, int Seed);

/// <summary>
/// The nearest topic by word overlap: each of the post's tokens that some topic's word list contains casts one
/// vote, split over the topics in proportion to the word's weight p(w | topic) in each. The post goes to the
/// best topic only when that topic holds at least the minimum share of the votes; the share is the confidence stored. The word lists are the model's
/// <see cref="TopicWordWeights"/> when it has them, else the catalog's top words.
/// </summary>
public sealed class TopicWordOverlap
{
    private readonly Dictionary<string, (int Index, double Weight)[]> _weights;
    private readonly int _topics;

    public TopicWordOverlap(TopicCatalog catalog)
        : this(catalog?.Topics.Select(t => t.TopWords).ToArray() ?? throw new ArgumentNullException(nameof(catalog)))
    {
    }

    /// <param name="topics">Each topic's words and weights, in model order.</param>
    public TopicWordOverlap(IReadOnlyList<IReadOnlyList<WeightedWord>> topics)
    {
        ArgumentNullException.ThrowIfNull(topics);
        _topics = topics.Count;
        _weights = topics
            .SelectMany((words, i) => words.Where(w => w.Weight > 0).Select(w => (w.Word, Index: i, w.Weight)))
            .GroupBy(x => x.Word, StringComparer.Ordinal)
            .ToDictionary(
                g => g.Key,
                // Each word casts one vote, split over the topics in proportion to p(w | topic): a word common
                // to every topic says nothing, a word only one topic uses speaks for it alone.
                g => g.Select(x => (x.Index, x.Weight / g.Sum(y => y.Weight))).ToArray(),
                StringComparer.Ordinal);
    }

    /// <summary>The overlap of each topic with the tokens, in catalog order (a token counts as often as it occurs).</summary>
    public double[] Scores(IReadOnlyList<string> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var scores = new double[_topics];
        foreach (var token in tokens)
        {
            if (_weights.TryGetValue(token, out var weights))
            {
                foreach (var (index, weight) in weights)
                {
                    scores[index] += weight;
                }
            }
        }

        return scores;
    }

    /// <summary>The topic holding at least <paramref name="minShare"/> of the overlap, and that share; null when none does.</summary>
    public (int TopicIndex, double Share)? Nearest(IReadOnlyList<string> tokens, double minShare)
    {
        var scores = Scores(tokens);
        var total = scores.Sum();
        if (total <= 0)
            return null;
        var best = 0;
        for (var i = 1; i < scores.Length; i++)
        {
            if (scores[i] > scores[best])
                best = i;
        }

        var share = scores[best] / total;
        return share >= minShare ? (best, share) : null;
    }
}

/// <summary>How far the decision rule moved the training corpus (metrics.json, <c>"decision"</c>).</summary>
/// <param name="MedianTop">The median strongest-topic probability of the real documents with a known word.</param>
/// <param name="UnclassifiedAtDefault">Unclassified share at <see cref="TopicDecision.DefaultThreshold"/>, without reassignment.</param>
/// <param name="UnclassifiedAtThreshold">Unclassified share at the calibrated threshold, without reassignment.</param>
/// <param name="UnclassifiedAfterReassignment">Unclassified share the model stores: calibrated threshold, then reassignment.</param>
/// <param name="Reassigned">Share of the documents that reassignment gave a topic.</param>
/// <param name="NoKnownToken">Share of the documents without a single word the model knows (always Unclassified).</param>
public sealed record TopicDecisionMetrics(
    double Threshold,
    double Quantile,
    int NullDocuments,
    double NullMedianTop,
    double MedianTop,
    double UnclassifiedAtDefault,
    double UnclassifiedAtThreshold,
    double UnclassifiedAfterReassignment,
    double Reassigned,
    double NoKnownToken);

/// <summary>
/// Calibrates the Unclassified threshold from the data (docs/topics.md, "Threshold calibration"): a post is
/// Classified only when its strongest topic is stronger than what all but a few random bags of the same
/// words reach. Pure and deterministic for a seed.
/// </summary>
public static class TopicCalibration
{
    /// <summary>Documents beyond this many are not all shuffled and scored: the quantile is stable long before.</summary>
    public const int MaxNullDocuments = 50_000;

    /// <summary>
    /// The calibrated rule and what it does to <paramref name="documents"/> (the model's tokens of each
    /// training text, empty ones included: they count as Unclassified in the shares).
    /// </summary>
    public static (TopicDecisionRule Rule, TopicDecisionMetrics Metrics, IReadOnlyList<IReadOnlyList<WeightedWord>> WordWeights) Calibrate(
        LdaModel lda,
        TopicCatalog catalog,
        IReadOnlyList<IReadOnlyList<string>> documents,
        double quantile,
        double? reassignMinShare,
        double? priorAlpha,
        int seed)
    {
        ArgumentNullException.ThrowIfNull(lda);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(documents);
        if (!(quantile is > 0 and < 1))
            throw new ArgumentOutOfRangeException(nameof(quantile), quantile, "The calibration quantile lies strictly between 0 and 1.");

        var real = lda.InferBatch(documents);
        var known = real.Select(d => d.Any(p => p > 0)).ToArray();
        var nonEmpty = documents.Where((_, i) => known[i]).ToArray();
        if (nonEmpty.Length == 0)
            throw new ArgumentException("No document has a word the model knows; there is nothing to calibrate on.", nameof(documents));

        // The statistic the rule thresholds, for one document and its topic vector.
        double[] Basis(IReadOnlyList<string> document, float[] distribution) => priorAlpha is { } alpha
            ? TopicDecision.Smoothed(distribution, lda.KnownTokens(document), alpha)
            : distribution.Select(p => (double)p).ToArray();

        var nullDocuments = Shuffled(nonEmpty.Take(MaxNullDocuments).ToArray(), seed);
        var nullTops = lda.InferBatch(nullDocuments)
            .Select((d, i) => (Distribution: d, Document: nullDocuments[i]))
            .Where(x => x.Distribution.Any(p => p > 0))
            .Select(x => Basis(x.Document, x.Distribution).Max())
            .ToArray();
        // Round up to four decimals so the stored threshold is readable and never below the quantile itself.
        var nullQuantile = Quantile(nullTops, quantile);
        var threshold = Math.Min(1.0, Math.Ceiling((nullQuantile * 10_000) - 1e-9) / 10_000);
        var nullMedian = Math.Round(Quantile(nullTops, 0.5), 4);
        var rule = new TopicDecisionRule(
            threshold, reassignMinShare, new TopicThresholdCalibration(quantile, nullTops.Length, nullMedian, seed), priorAlpha);

        var wordWeights = TopicWordWeights.Estimate(lda, documents, real);
        var overlap = new TopicWordOverlap(wordWeights);
        var realTops = new List<double>();
        int atDefault = 0, atThreshold = 0, after = 0, reassigned = 0, noKnown = 0;
        for (var i = 0; i < documents.Count; i++)
        {
            if (!known[i])
            {
                noKnown++;
                continue;
            }

            // "Before" is the rule every model had until calibration: the raw share against 0.4.
            if (real[i].Max() < (float)TopicDecision.DefaultThreshold)
                atDefault++;
            var basis = Basis(documents[i], real[i]);
            realTops.Add(basis.Max());
            var decision = TopicDecision.Decide(basis.Select(p => (float)p).ToArray(), hasKnownToken: true, rule.Threshold);
            if (decision is TopicDecision.Unclassified)
                atThreshold++;
            decision = TopicDecision.Reassign(decision, documents[i], overlap, rule.ReassignMinShare);
            if (decision is TopicDecision.Reassigned)
                reassigned++;
            else if (decision is TopicDecision.Unclassified)
                after++;
        }

        double Share(int count) => Math.Round((double)count / documents.Count, 4);
        var metrics = new TopicDecisionMetrics(
            threshold,
            quantile,
            nullTops.Length,
            nullMedian,
            Math.Round(Quantile(realTops, 0.5), 4),
            Share(atDefault + noKnown),
            Share(atThreshold + noKnown),
            Share(after + noKnown),
            Share(reassigned),
            Share(noKnown));
        return (rule, metrics, wordWeights);
    }

    /// <summary>
    /// The documents' tokens pooled and dealt out again at random into documents of the same lengths:
    /// word frequencies and lengths stay, any topical coherence is gone.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<string>> Shuffled(IReadOnlyList<IReadOnlyList<string>> documents, int seed)
    {
        ArgumentNullException.ThrowIfNull(documents);
        var pool = documents.SelectMany(d => d).ToArray();
        var random = new Random(seed);
        for (var i = pool.Length - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (pool[i], pool[j]) = (pool[j], pool[i]);
        }

        var result = new IReadOnlyList<string>[documents.Count];
        var next = 0;
        for (var i = 0; i < documents.Count; i++)
        {
            result[i] = pool[next..(next + documents[i].Count)];
            next += documents[i].Count;
        }

        return result;
    }

    /// <summary>The <paramref name="q"/>-quantile with linear interpolation between order statistics (numpy's default).</summary>
    public static double Quantile(IReadOnlyList<double> values, double q)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
            throw new ArgumentException("The quantile of nothing is undefined.", nameof(values));
        var sorted = values.Order().ToArray();
        var position = q * (sorted.Length - 1);
        var below = (int)Math.Floor(position);
        var above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + ((position - below) * (sorted[above] - sorted[below]));
    }
}
