using System.Text.Json;

namespace Pipeline.Host.Dashboard;

/// <summary>One row of <c>reporting.share_of_voice</c> (period 'week').</summary>
public sealed record ShareOfVoiceRow(
    DateOnly Week, string CompanyId, string Company, string? Industry, long Posts, long NegativePosts,
    double? ShareOfPosts, double? ShareOfNegative, long TotalPosts, long TotalNegativePosts);

/// <summary>A company's posts in one ISO week: all, negative, and the score sum and count of those with a score.</summary>
public sealed record CompanyWeek(DateOnly Week, string CompanyId, string Company, long Posts, long NegativePosts, double ScoreSum, long Scored);

/// <summary>
/// Turns the rows the dashboard's queries read into the shapes the page draws. Pure: no database, so the arithmetic
/// (baselines, industry sums, sorting) is tested on its own.
/// </summary>
public static class DashboardShaping
{
    /// <summary>Weeks in the company table's sparkline (the table's week included) and in its baseline (before that week).</summary>
    public const int SparklineWeeks = 8, BaselineWeeks = 4;

    /// <summary>
    /// Companies lined up over every week from the first to the last row (a week a company has no row in counts 0 posts and
    /// a null share), and industries as the sums of their companies (so each week's industry shares add up to 1 too).
    /// </summary>
    public static ShareOfVoice ShareOfVoice(IReadOnlyList<ShareOfVoiceRow> rows, DateOnly? today, DateOnly? to)
    {
        if (rows.Count == 0 || today is not { } now)
        {
            return new ShareOfVoice([], [], []);
        }

        var weeks = new List<DateOnly>();
        for (var week = rows.Min(r => r.Week); week <= rows.Max(r => r.Week); week = week.AddDays(7))
        {
            weeks.Add(week);
        }

        var index = weeks.Select((w, i) => (w, i)).ToDictionary(x => x.w, x => x.i);
        var totals = weeks.Select(w => rows.FirstOrDefault(r => r.Week == w) is { } r ? (r.TotalPosts, r.TotalNegativePosts) : (0L, 0L)).ToArray();
        ShareOfVoiceLine Line(string key, string label, string? industry, IEnumerable<ShareOfVoiceRow> of)
        {
            var posts = new long[weeks.Count];
            var negative = new long[weeks.Count];
            foreach (var row in of)
            {
                posts[index[row.Week]] += row.Posts;
                negative[index[row.Week]] += row.NegativePosts;
            }

            return new ShareOfVoiceLine(key, label, industry, posts, negative,
                posts.Select((p, i) => totals[i].Item1 == 0 ? (double?)null : (double)p / totals[i].Item1).ToList(),
                negative.Select((n, i) => totals[i].Item2 == 0 ? (double?)null : (double)n / totals[i].Item2).ToList());
        }

        // Largest voice over the period first: the stacked bars keep one order from week to week.
        var companies = rows.GroupBy(r => r.CompanyId)
            .Select(g => Line(g.Key, g.First().Company, g.First().Industry, g))
            .OrderByDescending(l => l.Posts.Sum()).ThenBy(l => l.Label, StringComparer.Ordinal)
            .ToList();
        var industries = rows.GroupBy(r => r.Industry ?? "Other")
            .Select(g => Line(g.Key, g.Key, g.Key, g))
            .OrderByDescending(l => l.Posts.Sum()).ThenBy(l => l.Label, StringComparer.Ordinal)
            .ToList();
        var periods = weeks.Select(w => PartialWeek.Of(w, now, to) is { } p
            ? new ShareOfVoiceWeek(w, true, p.DaysElapsed) : new ShareOfVoiceWeek(w, false, 7)).ToList();
        return new ShareOfVoice(periods, companies, industries);
    }

    /// <summary>
    /// Topics (Unclassified, -1, apart) whose recent share is above their baseline share, or that are new (posts now,
    /// none before), largest growth first with new topics on top; and the Unclassified trend.
    /// </summary>
    public static EmergingTopics EmergingTopics(IReadOnlyList<TopicGrowth> growth, IReadOnlyList<DateOnly> weeks, IReadOnlyList<double?> shares)
    {
        var topics = growth
            .Where(g => g.TopicId != -1 && g.RecentPosts > 0 && (g.Growth > 1 || g.BaselinePosts == 0))
            .OrderByDescending(g => g.BaselinePosts == 0)
            .ThenByDescending(g => g.Growth ?? double.MaxValue)
            .ThenByDescending(g => g.RecentPosts)
            .ToList();
        var unclassified = growth.FirstOrDefault(g => g.TopicId == -1);
        var growing = unclassified is { RecentPosts: > 0 } u && (u.Growth > 1 || u.BaselinePosts == 0) || unclassified?.OpenAlertId is not null;
        return new EmergingTopics(topics, new UnclassifiedTrend(weeks, shares, unclassified, growing, unclassified?.OpenAlertId));
    }

    /// <summary>
    /// The table for week <paramref name="last"/>: each company's score (score sum over scored posts, which is the
    /// post-weighted mean of the daily means), the same over the <see cref="BaselineWeeks"/> weeks before, the change,
    /// posts, negative share and <see cref="SparklineWeeks"/> weekly means. Best score first.
    /// </summary>
    public static CompanyTable CompanyTable(IReadOnlyList<CompanyWeek> points, DateOnly last, DateOnly today, DateOnly? to)
    {
        var weeks = Enumerable.Range(0, SparklineWeeks).Select(i => last.AddDays(7 * (i - SparklineWeeks + 1))).ToList();
        static double? Mean(IEnumerable<CompanyWeek> of)
        {
            var (sum, scored) = of.Aggregate((0.0, 0L), (a, w) => (a.Item1 + w.ScoreSum, a.Item2 + w.Scored));
            return scored == 0 ? null : sum / scored;
        }

        var rows = points.GroupBy(p => p.CompanyId).Select(g =>
            {
                var now = g.Where(p => p.Week == last).ToList();
                var score = Mean(now);
                var baseline = Mean(g.Where(p => p.Week < last && p.Week >= last.AddDays(-7 * BaselineWeeks)));
                var posts = now.Sum(p => p.Posts);
                var negative = now.Sum(p => p.NegativePosts);
                return new CompanyRow(g.Key, g.First().Company, score, baseline, score - baseline, posts, negative,
                    posts == 0 ? null : (double)negative / posts,
                    weeks.Select(w => Mean(g.Where(p => p.Week == w))).ToList());
            })
            .OrderByDescending(r => r.Score.HasValue).ThenByDescending(r => r.Score).ThenBy(r => r.Company, StringComparer.Ordinal)
            .ToList();
        return new CompanyTable(last, PartialWeek.Of(last, today, to), weeks, rows);
    }

    /// <summary>The <c>topics</c> column of an alert: <c>[{"topic_id", "observed", "expected"}]</c>; anything else is skipped.</summary>
    public static IReadOnlyList<AlertTopic> AlertTopics(string json)
    {
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        static double Number(JsonElement e, string name) =>
            e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : 0;
        return document.RootElement.EnumerateArray()
            .Where(e => e.ValueKind == JsonValueKind.Object)
            .Select(e => new AlertTopic(
                e.TryGetProperty("topic_id", out var id) && id.ValueKind == JsonValueKind.Number ? id.GetInt32() : null,
                Number(e, "observed"), Number(e, "expected")))
            .ToList();
    }
}
