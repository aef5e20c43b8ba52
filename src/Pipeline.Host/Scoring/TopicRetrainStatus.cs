using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Pipeline.Host.Scoring;

/// <summary>
/// What the retrain job last knew, written by it and read by the <c>topic-retrain</c> readiness check: the latest run the
/// database records (whichever node ran it, so every node shows the same), the last check's decision, and a check that failed.
/// </summary>
public sealed class TopicRetrainStatus
{
    public const string CheckName = "topic-retrain";

    private volatile Snapshot _snapshot = new(null, null, null, null);

    public TopicRetrainRecord? Latest => _snapshot.Latest;

    public void Checked(TopicRetrainRecord? latest, string? decision, DateTimeOffset nextCheck) =>
        _snapshot = new Snapshot(latest, decision, null, nextCheck);

    public void CheckFailed(Exception error, DateTimeOffset nextCheck) =>
        _snapshot = _snapshot with { Error = error, NextCheck = nextCheck };

    /// <summary>
    /// Healthy whatever the gate decided (a kept-out candidate is the gate working; the description says why); Degraded when
    /// the last run failed or the last check could not run (the model is not kept up then), never Unhealthy: the service
    /// scores on with the model it has. The description is open to anyone (no driver errors); the error goes to operators.
    /// </summary>
    public HealthCheckResult Evaluate()
    {
        var snapshot = _snapshot;
        var data = new Dictionary<string, object>();
        if (snapshot.NextCheck is { } next)
        {
            data["nextCheck"] = next.ToString("O", CultureInfo.InvariantCulture);
        }

        if (snapshot.Decision is { } decision)
        {
            data["lastDecision"] = decision;
        }

        if (snapshot.Latest is { } run)
        {
            data["outcome"] = TopicRetrainRecord.Name(run.Outcome);
            data["startedAt"] = run.StartedAt.ToString("O", CultureInfo.InvariantCulture);
            if (run.FinishedAt is { } finished)
            {
                data["finishedAt"] = finished.ToString("O", CultureInfo.InvariantCulture);
            }

            data["node"] = run.Node;
            data["currentVersion"] = run.CurrentVersion;
            Add(data, "candidateVersion", run.CandidateVersion);
            Add(data, "documents", run.Documents);
            Add(data, "reason", run.Reason);
            Add(data, "currentCv", run.CurrentCV);
            Add(data, "candidateCv", run.CandidateCV);
            Add(data, "currentUnclassified", run.CurrentUnclassified);
            Add(data, "candidateUnclassified", run.CandidateUnclassified);
            Add(data, "topicsKept", run.TopicsKept);
            Add(data, "topicsNew", run.TopicsNew);
            Add(data, "topicsRetired", run.TopicsRetired);
            Add(data, "rescoredPosts", run.RescoredPosts);
        }

        if (snapshot.Error is { } error)
        {
            return HealthCheckResult.Degraded($"the last retrain check failed ({error.GetBaseException().GetType().Name}); the model in use keeps scoring", error, data);
        }

        return snapshot.Latest switch
        {
            null => HealthCheckResult.Healthy(snapshot.Decision is { } why ? $"no retrain yet: {why}" : "no retrain yet", data),
            { Outcome: TopicRetrainOutcomeKind.Failed } failed => HealthCheckResult.Degraded(failed.Sentence(), data: data),
            { Outcome: TopicRetrainOutcomeKind.Accepted, Swapped: false } unswapped => HealthCheckResult.Degraded(unswapped.Sentence(), data: data),
            var latest => HealthCheckResult.Healthy(latest.Sentence(), data),
        };
    }

    private static void Add(Dictionary<string, object> data, string key, object? value)
    {
        if (value is not null)
        {
            data[key] = value;
        }
    }

    private sealed record Snapshot(TopicRetrainRecord? Latest, string? Decision, Exception? Error, DateTimeOffset? NextCheck);
}
