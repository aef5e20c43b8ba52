using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pipeline.Host.Scoring;

namespace Pipeline.Host.Tests.Scoring;

/// <summary>The pure parts of scheduled retraining: when a run is due, which model a restart restores, what /ready says.</summary>
public sealed class TopicRetrainScheduleTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    private static TopicRetrainRecord Run(long id, string current, string? candidate, TopicRetrainOutcomeKind outcome = TopicRetrainOutcomeKind.Accepted, bool? swapped = true) =>
        new(id, Now.AddDays(id - 10), Now.AddDays(id - 10).AddMinutes(2), "node-1", "schedule", Now.AddDays(id - 38), Now.AddDays(id - 10), 4000, current, candidate,
            outcome, outcome is TopicRetrainOutcomeKind.Accepted or TopicRetrainOutcomeKind.Rejected ? outcome == TopicRetrainOutcomeKind.Accepted : null, swapped,
            "accepted: candidate c_v 0.52 ≥ current 0.50", 0.50, 0.52, 0.20, 0.12, 9, 1, 0, candidate is null ? null : $"retrained/{candidate}", 3900);

    [Fact]
    public void A_first_run_waits_for_enough_stored_posts()
    {
        Assert.False(TopicRetrainSchedule.Decide(Now, null, 1999, TimeSpan.FromDays(1), 2000).Run);
        Assert.True(TopicRetrainSchedule.Decide(Now, null, 2000, TimeSpan.FromDays(1), 2000).Run);
    }

    [Fact]
    public void A_run_waits_out_the_interval_since_the_last_one_started_whatever_the_new_posts()
    {
        var decision = TopicRetrainSchedule.Decide(Now, Now.AddHours(-23), 1_000_000, TimeSpan.FromDays(1), 2000);

        Assert.False(decision.Run);
        Assert.Contains("2026-12-02 13:00:00Z", decision.Why, StringComparison.Ordinal);
        Assert.True(TopicRetrainSchedule.Decide(Now, Now.AddDays(-1), 2000, TimeSpan.FromDays(1), 2000).Run);
        Assert.False(TopicRetrainSchedule.Decide(Now, Now.AddDays(-1), 1999, TimeSpan.FromDays(1), 2000).Run);
    }

    [Fact]
    public void A_restart_restores_the_latest_swapped_in_model_that_descends_from_the_configured_one()
    {
        var history = new[] { Run(1, "lda-2023", "lda-a"), Run(2, "lda-a", "lda-b") };

        Assert.Equal(2, TopicRetrainLineage.Restorable("lda-2023", history)!.Id);
        // The operator pointed model-dir at another model since: that choice wins over the history.
        Assert.Null(TopicRetrainLineage.Restorable("lda-hand-trained", history));
        // The configured model is the latest already.
        Assert.Null(TopicRetrainLineage.Restorable("lda-b", history));
        Assert.Null(TopicRetrainLineage.Restorable("lda-2023", []));
    }

    [Fact]
    public void A_chain_broken_by_a_manual_reload_is_not_restored()
    {
        // lda-a was retrained into lda-b; someone reloaded lda-m by hand, which was retrained into lda-c.
        var history = new[] { Run(1, "lda-2023", "lda-a"), Run(2, "lda-m", "lda-c") };

        Assert.Null(TopicRetrainLineage.Restorable("lda-2023", history));
    }

    [Fact]
    public void Ready_tells_the_last_outcome_healthy_for_a_kept_out_candidate_and_degraded_for_a_failed_run()
    {
        var status = new TopicRetrainStatus();
        Assert.Equal(HealthStatus.Healthy, status.Evaluate().Status);

        status.Checked(Run(3, "lda-a", "lda-b"), null, Now);
        var accepted = status.Evaluate();
        Assert.Equal(HealthStatus.Healthy, accepted.Status);
        Assert.Equal("topic model retrained on 4,000 posts: 9 topics kept, 1 new; 3,900 posts re-scored", accepted.Description);
        Assert.Equal("lda-b", accepted.Data["candidateVersion"]);

        status.Checked(Run(4, "lda-b", "lda-c", TopicRetrainOutcomeKind.Rejected, swapped: false) with { Reason = "kept lda-b: candidate c_v 0.40 is below the current 0.50 − 0.02." }, null, Now);
        var rejected = status.Evaluate();
        Assert.Equal(HealthStatus.Healthy, rejected.Status);
        Assert.Equal("topic model retrained on 4,000 posts, kept out by the quality gate: kept lda-b: candidate c_v 0.40 is below the current 0.50 − 0.02.", rejected.Description);

        status.Checked(Run(5, "lda-b", null, TopicRetrainOutcomeKind.Failed, swapped: null) with { Reason = "No word of the 3 documents is within the vocabulary limits" }, null, Now);
        Assert.Equal(HealthStatus.Degraded, status.Evaluate().Status);
        Assert.Contains("No word of the 3 documents", status.Evaluate().Description, StringComparison.Ordinal);

        status.Checked(Run(6, "lda-b", "lda-d"), null, Now);
        status.CheckFailed(new Npgsql.NpgsqlException("password authentication failed for user \"pipeline\""), Now);
        var failed = status.Evaluate();
        Assert.Equal(HealthStatus.Degraded, failed.Status);
        // The description is open to anyone: the driver's words go to operators only (the check's error).
        Assert.DoesNotContain("password", failed.Description, StringComparison.Ordinal);
        Assert.Contains("password", failed.Exception!.Message, StringComparison.Ordinal);
    }
}
