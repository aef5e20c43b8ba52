namespace Pipeline.Host.Dashboard;

/// <summary>
/// The dashboard's note on topic retraining (<c>GET /api/dashboard/topic-retrain</c>): the latest finished run of
/// <c>reporting.topic_retrains</c> in the same sentence the log and /ready say; all null when none ran yet.
/// </summary>
public sealed record TopicRetrainNote(string? Note, string? Outcome, DateTimeOffset? FinishedAt, string? CandidateVersion)
{
    public static TopicRetrainNote None { get; } = new(null, null, null, null);
}
