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
public sealed record TopicDecisionRule(double Threshold, double? ReassignMinShare = null, TopicThresholdCalibration? Calibration = null)
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
/// The nearest topic by word overlap: each of the post's tokens adds its weight in every topic whose top
/// words (the catalog's, as dashboards show them) contain it. The post goes to the best topic only when that
/// topic holds at least the minimum share of the summed overlap; the share is the confidence stored.
/// </summary>
public sealed class TopicWordOverlap
{
    private readonly Dictionary<string, (int Index, double Weight)[]> _weights;
    private readonly int _topics;

    public TopicWordOverlap(TopicCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        _topics = catalog.Topics.Count;
        _weights = catalog.Topics
            .SelectMany((t, i) => t.TopWords.Where(w => w.Weight > 0).Select(w => (w.Word, Index: i, w.Weight)))
            .GroupBy(x => x.Word, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(x => (x.Index, x.Weight)).ToArray(), StringComparer.Ordinal);
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
    public static (TopicDecisionRule Rule, TopicDecisionMetrics Metrics) Calibrate(
        LdaModel lda,
        TopicCatalog catalog,
        IReadOnlyList<IReadOnlyList<string>> documents,
        double quantile,
        double? reassignMinShare,
        int seed)
    {
        ArgumentNullException.ThrowIfNull(lda);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(documents);
        if (!(quantile is > 0 and < 1))
            throw new ArgumentOutOfRangeException(nameof(quantile), quantile, "The calibration quantile lies strictly between 0 and 1.");

        var real = lda.InferBatch(documents);
        var known = real.Select(d => d.Any(p => p > 0)).ToArray();
        var tops = real.Select(d => (double)d.Max()).ToArray();
        var nonEmpty = documents.Where((_, i) => known[i]).ToArray();
        if (nonEmpty.Length == 0)
            throw new ArgumentException("No document has a word the model knows; there is nothing to calibrate on.", nameof(documents));

        var nullDocuments = Shuffled(nonEmpty.Take(MaxNullDocuments).ToArray(), seed);
        var nullTops = lda.InferBatch(nullDocuments)
            .Where(d => d.Any(p => p > 0))
            .Select(d => (double)d.Max())
            .ToArray();
        // Round up to four decimals so the stored threshold is readable and never below the quantile itself.
        var threshold = Math.Min(1.0, Math.Ceiling(Quantile(nullTops, quantile) * 10_000) / 10_000);
        var rule = new TopicDecisionRule(
            threshold, reassignMinShare, new TopicThresholdCalibration(quantile, nullTops.Length, Math.Round(Quantile(nullTops, 0.5), 4), seed));

        var overlap = new TopicWordOverlap(catalog);
        int atDefault = 0, atThreshold = 0, after = 0, reassigned = 0, noKnown = 0;
        for (var i = 0; i < documents.Count; i++)
        {
            if (!known[i])
            {
                noKnown++;
                continue;
            }

            if (tops[i] < (float)TopicDecision.DefaultThreshold)
                atDefault++;
            var decision = TopicDecision.Decide(real[i], hasKnownToken: true, rule.Threshold);
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
            Math.Round(Quantile(nullTops, 0.5), 4),
            Math.Round(Quantile(tops.Where((_, i) => known[i]).ToArray(), 0.5), 4),
            Share(atDefault + noKnown),
            Share(atThreshold + noKnown),
            Share(after + noKnown),
            Share(reassigned),
            Share(noKnown));
        return (rule, metrics);
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
