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
/// <param name="Reason">One sentence for the log and /ready: why the candidate was accepted or kept out.</param>
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
        IProgress<TrainingPhase>? progress = null) =>
        throw new NotImplementedException("Contract only: filled in by the topic-core work.");
}
