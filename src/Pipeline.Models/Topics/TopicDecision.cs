using Pipeline.Models.Domain;

namespace Pipeline.Models.Topics;

public enum UnclassifiedReason
{
    /// <summary>The strongest topic is weaker than the threshold: the post is about nothing in particular.</summary>
    BelowThreshold,

    /// <summary>None of the post's tokens is in the model's vocabulary, so its topic vector says nothing.</summary>
    NoKnownToken,
}

/// <summary>
/// Which topic a post goes to, decided from the model's document-topic vector. Turned into the stored
/// <see cref="TopicAssignment"/> with the catalog that gives topics their ids and labels.
/// </summary>
public abstract record TopicDecision
{
    public const int UnclassifiedId = -1;
    public const string UnclassifiedLabel = "Unclassified";
    public const double DefaultThreshold = 0.4;

    private TopicDecision()
    {
    }

    /// <param name="TopicIndex">Position in the model's topic vector, i.e. in <see cref="TopicCatalog.Topics"/>.</param>
    public sealed record Classified(int TopicIndex, double Probability) : TopicDecision;

    /// <param name="TopProbability">The strongest topic's probability, kept for diagnostics; 0 when there was no known token.</param>
    public sealed record Unclassified(UnclassifiedReason Reason, double TopProbability) : TopicDecision;

    /// <summary>
    /// Below the threshold, but the post's words clearly point to one topic (<see cref="TopicWordOverlap"/>).
    /// Stored like a classified post, with <paramref name="OverlapShare"/> as its confidence.
    /// </summary>
    /// <param name="OverlapShare">The topic's share of the post's word overlap with all topics' top words.</param>
    /// <param name="TopProbability">The strongest topic's probability, which stayed below the threshold.</param>
    public sealed record Reassigned(int TopicIndex, double OverlapShare, double TopProbability) : TopicDecision;

    /// <summary>
    /// The dominant topic when its probability reaches <paramref name="threshold"/> (equal counts), ties
    /// going to the lowest index; otherwise Unclassified with the reason.
    /// </summary>
    public static TopicDecision Decide(IReadOnlyList<float> distribution, bool hasKnownToken, double threshold = DefaultThreshold)
    {
        ArgumentNullException.ThrowIfNull(distribution);
        // LDA answers an empty document with its prior, a near-uniform vector; the original stored that
        // as if it were a topic. Without a known token we must not even look at the vector.
        if (!hasKnownToken)
            return new Unclassified(UnclassifiedReason.NoKnownToken, 0.0);
        if (distribution.Count == 0)
            throw new ArgumentException("A post with known tokens needs a non-empty topic distribution.", nameof(distribution));

        var best = 0;
        for (var i = 0; i < distribution.Count; i++)
        {
            if (!float.IsFinite(distribution[i]))
                throw new ArgumentException($"Topic probability {i} is {distribution[i]}.", nameof(distribution));
            if (distribution[i] > distribution[best])
                best = i;
        }

        var top = distribution[best];
        // Compare in the vector's own precision: 0.7f is slightly below 0.7, and a probability the model
        // reports as exactly the threshold must count as reaching it.
        return top >= (float)threshold
            ? new Classified(best, top)
            : new Unclassified(UnclassifiedReason.BelowThreshold, top);
    }

    /// <summary>
    /// The posterior mean (nₖ + α) / (n + Kα) of a post's topic proportions, from the sampler's shares nₖ / n
    /// over its <paramref name="knownTokens"/> known tokens and the document prior α per topic. ML.NET reports
    /// the shares themselves, so a one-word post is 100 % one topic; the mean shrinks short posts toward
    /// uniform by exactly as much as the prior says their few words can tell.
    /// </summary>
    public static double[] Smoothed(IReadOnlyList<float> distribution, int knownTokens, double alpha)
    {
        ArgumentNullException.ThrowIfNull(distribution);
        ArgumentOutOfRangeException.ThrowIfNegative(knownTokens);
        var k = distribution.Count;
        var smoothed = new double[k];
        for (var i = 0; i < k; i++)
        {
            smoothed[i] = ((distribution[i] * (double)knownTokens) + alpha) / (knownTokens + (k * alpha));
        }

        return smoothed;
    }

    /// <summary>
    /// Gives a post left Unclassified for being below the threshold to the nearest topic by word overlap, when
    /// one topic holds at least <paramref name="minShare"/> of it. Any other decision, and a post without a known
    /// word, stays as it is; a null <paramref name="minShare"/> turns reassignment off.
    /// </summary>
    public static TopicDecision Reassign(TopicDecision decision, IReadOnlyList<string> tokens, TopicWordOverlap overlap, double? minShare)
    {
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentNullException.ThrowIfNull(overlap);
        if (minShare is not { } share || decision is not Unclassified { Reason: UnclassifiedReason.BelowThreshold } unsure)
            return decision;
        return overlap.Nearest(tokens, share) is { } nearest
            ? new Reassigned(nearest.TopicIndex, nearest.Share, unsure.TopProbability)
            : decision;
    }

    /// <summary>The record stored with the post: the catalog's id and label, or the Unclassified sentinel.</summary>
    public TopicAssignment ToAssignment(TopicCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        switch (this)
        {
            case Classified c:
                if (c.TopicIndex >= catalog.Topics.Count)
                    throw new ArgumentException($"Topic index {c.TopicIndex} is outside catalog {catalog.ModelVersion}, which has {catalog.Topics.Count} topics.", nameof(catalog));
                var topic = catalog.Topics[c.TopicIndex];
                return new TopicAssignment(topic.Id, topic.Label, c.Probability, catalog.ModelVersion);
            case Reassigned r:
                if (r.TopicIndex >= catalog.Topics.Count)
                    throw new ArgumentException($"Topic index {r.TopicIndex} is outside catalog {catalog.ModelVersion}, which has {catalog.Topics.Count} topics.", nameof(catalog));
                var nearest = catalog.Topics[r.TopicIndex];
                return new TopicAssignment(nearest.Id, nearest.Label, r.OverlapShare, catalog.ModelVersion);
            case Unclassified u:
                return new TopicAssignment(UnclassifiedId, UnclassifiedLabel, u.TopProbability, catalog.ModelVersion);
            default:
                throw new InvalidOperationException($"Unknown decision {GetType().Name}.");
        }
    }
}
