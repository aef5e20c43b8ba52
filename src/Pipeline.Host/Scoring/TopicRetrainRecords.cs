using System.Globalization;

namespace Pipeline.Host.Scoring;

/// <summary>How a retrain run ended (<c>pipeline.topic_retrains.outcome</c>).</summary>
public enum TopicRetrainOutcomeKind
{
    Running,
    Accepted,
    Rejected,
    Failed,
    Interrupted,
}

/// <summary>One row of <c>pipeline.topic_retrains</c>, as the job, /ready and the dashboard read it.</summary>
public sealed record TopicRetrainRecord(
    long Id,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    string Node,
    string Trigger,
    DateTimeOffset WindowStart,
    DateTimeOffset WindowEnd,
    int? Documents,
    string CurrentVersion,
    string? CandidateVersion,
    TopicRetrainOutcomeKind Outcome,
    bool? Accepted,
    bool? Swapped,
    string? Reason,
    double? CurrentCV,
    double? CandidateCV,
    double? CurrentUnclassified,
    double? CandidateUnclassified,
    int? TopicsKept,
    int? TopicsNew,
    int? TopicsRetired,
    string? ModelFolder,
    long? RescoredPosts)
{
    /// <summary>The one sentence the log, /ready and the dashboard's note say about this run.</summary>
    public string Sentence()
    {
        var posts = Documents is { } n ? n.ToString("N0", CultureInfo.InvariantCulture) : "?";
        switch (Outcome)
        {
            case TopicRetrainOutcomeKind.Accepted when Swapped == true:
                var text = $"topic model retrained on {posts} posts: {Topics(TopicsKept ?? 0)} kept, {TopicsNew ?? 0} new";
                if (TopicsRetired is > 0)
                {
                    text += $", {TopicsRetired} retired";
                }

                return RescoredPosts is { } rescored
                    ? text + $"; {rescored.ToString("N0", CultureInfo.InvariantCulture)} posts re-scored"
                    : text;
            case TopicRetrainOutcomeKind.Accepted:
                return $"topic model retrained on {posts} posts but not swapped in: {Reason}";
            case TopicRetrainOutcomeKind.Rejected:
                return $"topic model retrained on {posts} posts, kept out by the quality gate: {Reason}";
            case TopicRetrainOutcomeKind.Failed:
                return $"topic model retrain failed: {Reason}";
            case TopicRetrainOutcomeKind.Interrupted:
                return $"topic model retrain interrupted: {Reason}";
            default:
                return $"topic model retraining on {posts} posts since {StartedAt.ToString("u", CultureInfo.InvariantCulture)}";
        }
    }

    private static string Topics(int count) => count == 1 ? "1 topic" : $"{count} topics";

    public static string Name(TopicRetrainOutcomeKind outcome) => outcome.ToString().ToLowerInvariant();

    public static TopicRetrainOutcomeKind Parse(string outcome) =>
        Enum.TryParse<TopicRetrainOutcomeKind>(outcome, ignoreCase: true, out var kind) ? kind : throw new FormatException($"unknown retrain outcome '{outcome}'");
}

/// <summary>Whether a scheduled check should retrain now, and why (or why not).</summary>
public sealed record TopicRetrainDecision(bool Run, string Why);

/// <summary>When the scheduled job retrains: pure, so it is pinned without a database or a clock.</summary>
public static class TopicRetrainSchedule
{
    /// <summary>True when <see cref="Decide"/> may need the new-post count (the interval has passed), so it is only counted then.</summary>
    public static bool IntervalElapsed(DateTimeOffset now, DateTimeOffset? lastStarted, TimeSpan interval) =>
        lastStarted is not { } last || now - last >= interval;

    /// <param name="lastStarted">When the last recorded run started, whatever its outcome; null: none yet.</param>
    /// <param name="newPosts">Posts stored since then (all stored posts when there was none).</param>
    public static TopicRetrainDecision Decide(DateTimeOffset now, DateTimeOffset? lastStarted, long newPosts, TimeSpan interval, int minNewPosts)
    {
        if (!IntervalElapsed(now, lastStarted, interval))
        {
            return new TopicRetrainDecision(false, string.Create(CultureInfo.InvariantCulture,
                $"the last run started at {lastStarted:u}; the next may start after {lastStarted + interval:u} (interval {interval})"));
        }

        var since = lastStarted is null ? "stored so far" : string.Create(CultureInfo.InvariantCulture, $"stored since the last run ({lastStarted:u})");
        return newPosts >= minNewPosts
            ? new TopicRetrainDecision(true, $"{newPosts:N0} posts {since}, at least {minNewPosts:N0}")
            : new TopicRetrainDecision(false, $"{newPosts:N0} posts {since}, fewer than min-new-posts ({minNewPosts:N0})");
    }
}

/// <summary>Which retrained model a starting node goes back to.</summary>
public static class TopicRetrainLineage
{
    /// <summary>
    /// The latest swapped-in run whose model descends, through swapped-in retrains, from <paramref name="configuredVersion"/>
    /// (the model <c>pipeline.topics.model-dir</c> holds); null when there is none. A run descending from some other model
    /// (the configured folder was changed since, by hand) is not restored: the operator's choice wins over the history.
    /// </summary>
    /// <param name="swapped">Runs that were accepted and swapped in, in any order.</param>
    public static TopicRetrainRecord? Restorable(string configuredVersion, IReadOnlyList<TopicRetrainRecord> swapped)
    {
        var ordered = swapped.Where(r => r.CandidateVersion is not null).OrderByDescending(r => r.Id).ToList();
        if (ordered.Count == 0)
        {
            return null;
        }

        var latest = ordered[0];
        var version = latest.CurrentVersion;
        var seen = new HashSet<string>(StringComparer.Ordinal) { latest.CandidateVersion! };
        while (version != configuredVersion)
        {
            if (!seen.Add(version) || ordered.FirstOrDefault(r => r.CandidateVersion == version) is not { } parent)
            {
                return null;
            }

            version = parent.CurrentVersion;
        }

        return latest.CandidateVersion == configuredVersion ? null : latest;
    }
}
