using Pipeline.Host.Dashboard;

namespace Pipeline.Host.Tests.Dashboard;

/// <summary>The page's arithmetic without a database: partial weeks, industry sums, the company table's baselines, alert topics.</summary>
public sealed class DashboardShapingTests
{
    private static readonly DateOnly Monday = new(2026, 11, 30);

    [Theory]
    [InlineData(0, null, 1)]   // Monday: one day so far
    [InlineData(2, null, 3)]
    [InlineData(6, null, 7)]   // Sunday is still running, as in reporting.weekly_counts
    [InlineData(9, 1, 2)]      // ended, but the to filter stops on its Tuesday
    [InlineData(3, 1, 2)]      // running and cut: the earlier of the two
    public void A_running_or_cut_week_is_partial_with_the_days_it_covers(int todayOffset, int? toOffset, int days)
    {
        var partial = PartialWeek.Of(Monday, Monday.AddDays(todayOffset), toOffset is { } t ? Monday.AddDays(t) : null);

        Assert.Equal(new PartialWeek(Monday, days), partial);
    }

    [Theory]
    [InlineData(7, null)]
    [InlineData(30, 6)]
    public void A_week_that_has_ended_and_is_not_cut_is_whole(int todayOffset, int? toOffset) =>
        Assert.Null(PartialWeek.Of(Monday, Monday.AddDays(todayOffset), toOffset is { } t ? Monday.AddDays(t) : null));

    [Fact]
    public void Share_of_voice_lines_up_weeks_without_a_company_as_zero_posts_and_sums_industries_from_companies()
    {
        var previous = Monday.AddDays(-14);
        ShareOfVoiceRow Row(DateOnly week, string id, string industry, long posts, long negative, long total, long totalNegative) =>
            new(week, id, id.ToUpperInvariant(), industry, posts, negative, (double)posts / total,
                totalNegative == 0 ? null : (double)negative / totalNegative, total, totalNegative);

        var sov = DashboardShaping.ShareOfVoice(
        [
            Row(previous, "a", "Banking", 3, 0, 4, 0), Row(previous, "k", "Fintech", 1, 0, 4, 0),
            Row(Monday, "a", "Banking", 1, 1, 4, 3), Row(Monday, "b", "Banking", 1, 0, 4, 3), Row(Monday, "k", "Fintech", 2, 2, 4, 3),
        ], Monday.AddDays(1), null);

        Assert.Equal([previous, Monday.AddDays(-7), Monday], sov.Weeks.Select(w => w.Week));
        Assert.Equal([false, false, true], sov.Weeks.Select(w => w.IsPartial));
        var b = sov.Companies.Single(c => c.Key == "b");
        Assert.Equal([0L, 0, 1], b.Posts);
        Assert.Equal([0.0, null, 0.25], b.ShareOfPosts);
        Assert.Equal([null, null, 0.0], b.ShareOfNegative);
        var banking = sov.Industries.Single(i => i.Key == "Banking");
        Assert.Equal([0.75, null, 0.5], banking.ShareOfPosts);
        Assert.Equal([null, null, 1.0 / 3], banking.ShareOfNegative);
        Assert.Equal(["Banking", "Fintech"], sov.Industries.Select(i => i.Key));
    }

    [Fact]
    public void Company_table_compares_the_week_with_the_four_before_and_leaves_older_weeks_to_the_sparkline()
    {
        CompanyWeek Week(int weeksBack, long posts, double mean) =>
            new(Monday.AddDays(-7 * weeksBack), "gtbank", "GTBank", posts, posts / 2, mean * posts, posts);

        var table = DashboardShaping.CompanyTable(
            [Week(0, 10, 0.6), Week(1, 30, 0.2), Week(4, 10, 0.6), Week(5, 100, 0.9), Week(7, 5, 0.1)], Monday, Monday.AddDays(9), null);

        var row = Assert.Single(table.Rows);
        Assert.Equal(0.6, row.Score!.Value, 9);
        Assert.Equal((30 * 0.2 + 10 * 0.6) / 40, row.Baseline!.Value, 9); // week 5 back is beyond the baseline
        Assert.Equal(0.6 - 0.3, row.Change!.Value, 9);
        Assert.Equal(0.5, row.NegativeShare);
        Assert.Equal([0.1, null, 0.9, 0.6, null, null, 0.2, 0.6], row.Sparkline.Select(v => v is { } x ? Math.Round(x, 9) : (double?)null));
        Assert.Null(table.Partial);
    }

    [Fact]
    public void Alert_topics_are_read_from_the_detectors_json_and_anything_else_is_skipped()
    {
        Assert.Equal([new AlertTopic(7, 12, 3), new AlertTopic(null, 0, 1)],
            DashboardShaping.AlertTopics("""[{"topic_id": 7, "observed": 12, "expected": 3}, {"expected": 1}, 5]"""));
        Assert.Empty(DashboardShaping.AlertTopics("{}"));
    }
}
