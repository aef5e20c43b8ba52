using System.Globalization;
using Pipeline.Models.Cleaning;

namespace Pipeline.Models.Topics;

/// <summary>
/// When a retrained model may replace the current one (docs/topics.md, "Quality gate").
/// </summary>
/// <param name="CoherenceMargin">The candidate's c_v on the window may be at most this much lower than the current model's.</param>
/// <param name="UnclassifiedMargin">The candidate's Unclassified share on the window may be at most this much higher.</param>
public sealed record TopicRetrainGate(double CoherenceMargin = 0.02, double UnclassifiedMargin = 0.0);

/// <summary>One model measured on the retraining window: the numbers the gate compares.</summary>
/// <param name="CV">c_v of the model's topics over the window's texts (null when it cannot be scored).</param>
/// <param name="UnclassifiedShare">Share of the window's posts the model leaves Unclassified.</param>
public sealed record TopicWindowQuality(double? CV, double UnclassifiedShare, int Documents);

/// <summary>What a retrain produced and whether it may be swapped in.</summary>
/// <param name="Candidate">The trained model, ids and labels matched to the current model's catalog.</param>
/// <param name="Reason">
/// One sentence for the log and /ready: why the candidate was accepted or kept out. The topic counts are not repeated
/// in it: they have their own fields, and the sentence that reports an accepted run leads with them.
/// </param>
public sealed record TopicRetrainOutcome(
    TopicTrainingResult Candidate,
    TopicWindowQuality Current,
    TopicWindowQuality Proposed,
    bool Accepted,
    string Reason,
    int TopicsKept,
    int TopicsNew,
    int TopicsRetired);

/// <summary>
/// Retrains the topic model on a window of recent posts and judges the result against the model in use.
/// Pure: the caller reads the window from the database and swaps the model in.
/// </summary>
public static class TopicRetraining
{
    /// <param name="current">The model in use; its catalog gives matched topics their ids and labels.</param>
    /// <param name="texts">The window's post texts (as stored: decoded, not tokenised).</param>
    public static TopicRetrainOutcome Retrain(
        TopicModel current,
        IReadOnlyList<string> texts,
        TopicTrainingSettings settings,
        TopicRetrainGate gate,
        TopicTrainingOptions? options = null,
        IProgress<TrainingPhase>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(gate);
        // A negative margin is allowed: it demands that the candidate improve by at least that much.
        if (!double.IsFinite(gate.CoherenceMargin) || !double.IsFinite(gate.UnclassifiedMargin))
            throw new ArgumentOutOfRangeException(nameof(gate), gate, "The gate's margins must be finite numbers.");
        options = (options ?? new TopicTrainingOptions()) with { Previous = current.Catalog };

        var candidate = TopicTrainer.Train(texts, settings, options, progress);

        // Both models are judged on the same window, each with its own decision rule: the candidate's
        // c_v was scored on exactly these texts during training, the current model's is scored here the same way.
        var decoded = texts.Select(TextNormalizer.DecodeEntities).ToArray();
        var tokens = decoded.Select(t => (IReadOnlyList<string>)TextNormalizer.TopicTokens(t, options.DomainStopwords)).ToArray();
        var currentQuality = new TopicWindowQuality(
            TopicTrainer.ScoreCoherence(current.Lda, decoded)?.CV, UnclassifiedShare(current, tokens), texts.Count);
        var proposedQuality = new TopicWindowQuality(
            candidate.Metrics.CV, UnclassifiedShare(candidate.Model, tokens), texts.Count);

        var (accepted, verdict) = Judge(currentQuality, proposedQuality, gate);
        var kept = candidate.Match.Topics.Count(t => !t.IsNew);
        var fresh = candidate.Match.Topics.Count(t => t.IsNew);
        var retired = candidate.Match.Vanished.Count;
        var reason = accepted
            ? $"accepted {candidate.Model.Version} over {current.Version}: {verdict}."
            : $"kept {current.Version}: {verdict}.";
        return new TopicRetrainOutcome(candidate, currentQuality, proposedQuality, accepted, reason, kept, fresh, retired);
    }

    /// <summary>
    /// The gate. Coherence first: a candidate whose c_v cannot be scored on the window is rejected (nothing
    /// shows it is better); a current model whose c_v cannot be scored any more (its words left the window)
    /// does not hold a scorable candidate back. Then the Unclassified share, which must not grow by more than the margin.
    /// </summary>
    public static (bool Accepted, string Verdict) Judge(TopicWindowQuality current, TopicWindowQuality candidate, TopicRetrainGate gate)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(gate);
        var parts = new List<string>();
        if (candidate.CV is not { } candidateCV)
            return (false, "the candidate's c_v cannot be scored on the window (a topic has no word the window's vocabulary keeps)");
        if (current.CV is { } currentCV)
        {
            if (candidateCV < currentCV - gate.CoherenceMargin)
                return (false, I($"candidate c_v {candidateCV:0.000} is below the current {currentCV:0.000} {Margin(-gate.CoherenceMargin, "0.000")}"));
            parts.Add(I($"candidate c_v {candidateCV:0.000} ≥ current {currentCV:0.000} {Margin(-gate.CoherenceMargin, "0.000")}"));
        }
        else
        {
            parts.Add(I($"candidate c_v {candidateCV:0.000}, the current model's cannot be scored on the window"));
        }

        if (candidate.UnclassifiedShare > current.UnclassifiedShare + gate.UnclassifiedMargin)
            return (false, I($"candidate leaves {candidate.UnclassifiedShare:P1} Unclassified, above the current {current.UnclassifiedShare:P1} {Margin(gate.UnclassifiedMargin, "P1")}"));
        parts.Add(I($"Unclassified {candidate.UnclassifiedShare:P1} ≤ current {current.UnclassifiedShare:P1} {Margin(gate.UnclassifiedMargin, "P1")}"));
        return (true, string.Join(" and ", parts));
    }

    /// <summary>Share of the documents the model leaves Unclassified (id −1), by its own decision rule.</summary>
    public static double UnclassifiedShare(TopicModel model, IReadOnlyList<IReadOnlyList<string>> tokens)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.Count == 0)
            return 0;
        return (double)model.Classify(tokens).Count(a => a.TopicId == TopicDecision.UnclassifiedId) / tokens.Count;
    }

    // "+ 0.020" or "− 0.020": the sentence shows the bound as the gate applies it.
    private static string Margin(double signed, string format) =>
        (signed < 0 ? "− " : "+ ") + Math.Abs(signed).ToString(format, CultureInfo.InvariantCulture);

    private static string I(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
