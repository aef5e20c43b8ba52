using Npgsql;
using Pipeline.Actors.Graph;
using Pipeline.Host.Dashboard;

namespace Pipeline.Host.Tests.Dashboard;

/// <summary>
/// The alert and competitive-insight questions (alerts and the posts behind them, hourly volume, share of voice, topic
/// growth, the company table, partial weeks, exact histogram bins) in a real PostgreSQL, each checked against counts
/// made from the posts written and against the reporting views read directly.
/// </summary>
public sealed class DashboardInsightQueryTests(PostgresFixture postgres) : IAsyncLifetime
{
    private NpgsqlDataSource _dataSource = null!;
    private DashboardQueries _queries = null!;

    public async ValueTask InitializeAsync()
    {
        _dataSource = await DashboardData.CreateDatabaseAsync(postgres);
        _queries = new DashboardQueries(_dataSource);
    }

    public async ValueTask DisposeAsync() => await _dataSource.DisposeAsync();

    private sealed record Post(long Id, string Company, DateTimeOffset At, int? Topic, bool Negative);

    private static PipelineItem Item(Post p) =>
        p.Negative
            ? DashboardData.Scored(p.Id, p.Company, p.At, p.Topic, p.Topic is null ? null : Label(p.Topic.Value), 0.8, 0.15, 0.05)
            : DashboardData.Scored(p.Id, p.Company, p.At, p.Topic, p.Topic is null ? null : Label(p.Topic.Value), 0.1, 0.3, 0.6);

    private static string Label(int topic) => topic == -1 ? "Unclassified" : $"Topic {topic}";

    private async Task WriteAsync(IEnumerable<Post> posts) => await DashboardData.WriteAsync(_dataSource, posts.Select(Item).ToList());

    private async Task<List<T>> ViewAsync<T>(string sql, Func<NpgsqlDataReader, T> read)
    {
        await using var command = _dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    /// <summary>Posts around an alert window [H-3h, H-1h): on its edges, inside, outside, of another company, in another topic.</summary>
    private static List<Post> AroundTheWindow(DateTimeOffset hour) =>
    [
        new(1, "gtbank", hour.AddHours(-3), 1, true),                       // on the window's start: inside
        new(2, "gtbank", hour.AddHours(-3).AddMinutes(10), 1, true),
        new(3, "gtbank", hour.AddHours(-2).AddMinutes(5), 2, false),
        new(4, "access", hour.AddHours(-2).AddMinutes(10), 2, true),        // another company
        new(5, "gtbank", hour.AddHours(-1), 1, true),                       // on the window's end: outside
        new(6, "gtbank", hour.AddHours(-3).AddMinutes(-10), 2, true),       // before the window
        new(7, "gtbank", hour.AddHours(-100), 1, true),                     // beyond the hourly chart's 72 hours
    ];

    [Fact]
    public async Task Alerts_list_open_alerts_first_by_severity_then_recent_resolved_ones_and_follow_the_company_filter()
    {
        var h = AlertData.ThisHour;
        var warning = await AlertData.InsertAsync(_dataSource, "volume_spike", "warning", "gtbank", null, h.AddHours(-3), h.AddHours(-2), h.AddHours(-2));
        var critical = await AlertData.InsertAsync(_dataSource, "negative_shift", "critical", "gtbank", 1, h.AddHours(-6), h.AddHours(-5), h.AddHours(-5));
        var major = await AlertData.InsertAsync(_dataSource, "volume_spike", "major", "access", null, h.AddHours(-2), h.AddHours(-1), h.AddHours(-1));
        var resolved = await AlertData.InsertAsync(_dataSource, "volume_spike", "major", "gtbank", null, h.AddHours(-31), h.AddHours(-30),
            h.AddHours(-30), resolvedAt: h.AddHours(-20));
        var emerging = await AlertData.InsertAsync(_dataSource, "emerging_topic", "warning", null, 2, h.AddDays(-7), h, h.AddHours(-4),
            observed: 0.3, expected: 0.1, negativeShare: null, baselineNegativeShare: null, topics: """[{"topic_id": 2, "observed": 0.3, "expected": 0.1}]""");
        await AlertData.InsertAsync(_dataSource, "volume_spike", "critical", "gtbank", null, h.AddDays(-40), h.AddDays(-40).AddHours(1),
            h.AddDays(-40), resolvedAt: h.AddDays(-39)); // resolved too long ago to list

        var all = await _queries.AlertsAsync(null, 20);
        Assert.Equal([critical, major, warning, emerging, resolved], all.Select(a => a.AlertId));
        Assert.Equal(["open", "open", "open", "open", "resolved"], all.Select(a => a.Status));
        Assert.Equal([critical, warning, emerging, resolved], (await _queries.AlertsAsync("gtbank", 20)).Select(a => a.AlertId));
        Assert.Equal([critical, major], (await _queries.AlertsAsync(null, 2)).Select(a => a.AlertId));

        var topical = all.Single(a => a.AlertId == emerging);
        Assert.Equal((null, 2, 3.0), (topical.CompanyId, topical.TopicId, Math.Round(topical.Ratio!.Value, 6)));
        Assert.Equal([new AlertTopic(2, 0.3, 0.1)], topical.Topics);
        var first = all[0];
        Assert.Equal(("GTBank", "Banking", "Nigeria", 4.0, 0.62), (first.Company, first.Industry, first.Country, first.Ratio, first.NegativeShare));
        Assert.Equal((h.AddHours(-6), h.AddHours(-5)), (first.WindowStart, first.WindowEnd));
    }

    [Fact]
    public async Task Alert_posts_are_the_posts_of_its_company_in_its_window_and_of_its_topics_for_a_topic_alert_newest_first()
    {
        var h = AlertData.ThisHour;
        await WriteAsync(AroundTheWindow(h));
        var spike = await AlertData.InsertAsync(_dataSource, "volume_spike", "major", "gtbank", 1, h.AddHours(-3), h.AddHours(-1));
        var emerging = await AlertData.InsertAsync(_dataSource, "emerging_topic", "warning", null, 2, h.AddHours(-3), h.AddHours(-1),
            topics: """[{"topic_id": 2, "observed": 0.5, "expected": 0.1}]""");

        var behindSpike = await _queries.AlertPostsAsync(spike, 100);
        Assert.Equal(spike, behindSpike!.Alert.AlertId);
        // The company's posts in [start, end), every topic: a volume spike's main topic is not all of it.
        Assert.Equal([3L, 2, 1], behindSpike.Posts.Select(p => p.PostId));
        Assert.Equal([3L, 2], (await _queries.AlertPostsAsync(spike, 2))!.Posts.Select(p => p.PostId));
        // All companies, topic 2 only.
        Assert.Equal([4L, 3], (await _queries.AlertPostsAsync(emerging, 100))!.Posts.Select(p => p.PostId));
        Assert.Null(await _queries.AlertPostsAsync(spike + emerging + 1, 100));

        var direct = await ViewAsync($"""
            SELECT post_id FROM reporting.posts p, reporting.alerts a
            WHERE a.alert_id = {spike} AND p.company_id = a.company_id AND p.created_at >= a.window_start AND p.created_at < a.window_end
            ORDER BY p.created_at DESC
            """, r => r.GetInt64(0));
        Assert.Equal(direct, behindSpike.Posts.Select(p => p.PostId));
    }

    [Fact]
    public async Task Hourly_volume_counts_the_selection_per_hour_over_the_last_72_hours_as_the_hourly_view_does()
    {
        var h = AlertData.ThisHour;
        var posts = AroundTheWindow(h);
        await WriteAsync(posts);

        var all = await _queries.HourlyVolumeAsync(DashboardFilter.None);
        var gtbank = await _queries.HourlyVolumeAsync(new DashboardFilter(Company: "gtbank"));

        Assert.Equal(72, all.Hours.Count);
        Assert.All(all.Hours.Zip(all.Hours.Skip(1)), pair => Assert.Equal(TimeSpan.FromHours(1), pair.Item2 - pair.Item1));
        static DateTimeOffset HourOf(DateTimeOffset t) => new(t.Year, t.Month, t.Day, t.Hour, 0, 0, TimeSpan.Zero);
        long Count(DateTimeOffset hour, Func<Post, bool> which) => posts.Count(p => HourOf(p.At) == hour && which(p));
        Assert.Equal(all.Hours.Select(hour => Count(hour, _ => true)), all.Posts);
        Assert.Equal(all.Hours.Select(hour => Count(hour, p => p.Negative)), all.NegativePosts);
        Assert.Equal(gtbank.Hours.Select(hour => Count(hour, p => p.Company == "gtbank")), gtbank.Posts);
        Assert.Equal(6, all.Posts.Sum()); // all but the post 100 hours ago

        var view = (await ViewAsync("SELECT hour, sum(posts)::bigint FROM reporting.hourly_counts GROUP BY hour",
            r => (Hour: r.GetFieldValue<DateTimeOffset>(0), Posts: r.GetInt64(1)))).ToDictionary(x => x.Hour, x => x.Posts);
        Assert.Equal(all.Hours.Select(hour => view.GetValueOrDefault(hour)), all.Posts);
    }

    /// <summary>Three weeks of posts (the last one running) for three companies, one of them in another industry.</summary>
    private async Task<List<Post>> WriteThreeWeeksAsync()
    {
        await using (var fintech = _dataSource.CreateCommand("UPDATE pipeline.companies SET industry = 'Fintech' WHERE company_id = 'kuda'"))
            await fintech.ExecuteNonQueryAsync();
        var monday = AlertData.Monday(AlertData.Today);
        var start = new DateTimeOffset(monday.AddDays(-14).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var posts = new List<Post>();
        var id = 1000L;
        void Add(int day, string company, int count, int negative)
        {
            for (var i = 0; i < count; i++)
            {
                posts.Add(new Post(id++, company, start.AddDays(day).AddMinutes(i + 1), 1, i < negative));
            }
        }

        Add(0, "gtbank", 6, 3); Add(2, "access", 3, 1); Add(3, "kuda", 1, 0);   // two weeks ago
        Add(7, "gtbank", 2, 0); Add(8, "access", 5, 4); Add(9, "kuda", 3, 2);   // last week
        Add(14, "gtbank", 1, 1); Add(14, "kuda", 2, 0);                          // this week, today at the latest
        await WriteAsync(posts);
        return posts;
    }

    [Fact]
    public async Task Share_of_voice_sums_to_one_per_week_and_equals_the_counts_of_the_posts()
    {
        var posts = await WriteThreeWeeksAsync();
        var monday = AlertData.Monday(AlertData.Today);

        var sov = await _queries.ShareOfVoiceAsync(null, 12);

        Assert.Equal([monday.AddDays(-14), monday.AddDays(-7), monday], sov.Weeks.Select(w => w.Week));
        Assert.Equal([false, false, true], sov.Weeks.Select(w => w.IsPartial));
        Assert.Equal(AlertData.Today.DayNumber - monday.DayNumber + 1, sov.Weeks[^1].DaysElapsed);
        for (var i = 0; i < sov.Weeks.Count; i++)
        {
            var week = sov.Weeks[i].Week;
            var inWeek = posts.Where(p => AlertData.Monday(DateOnly.FromDateTime(p.At.UtcDateTime)) == week).ToList();
            Assert.Equal(1.0, sov.Companies.Sum(c => c.ShareOfPosts[i] ?? 0), 9);
            Assert.Equal(1.0, sov.Industries.Sum(c => c.ShareOfPosts[i] ?? 0), 9);
            if (inWeek.Any(p => p.Negative))
            {
                Assert.Equal(1.0, sov.Companies.Sum(c => c.ShareOfNegative[i] ?? 0), 9);
            }

            foreach (var company in sov.Companies)
            {
                var mine = inWeek.Where(p => p.Company == company.Key).ToList();
                Assert.Equal(mine.Count, company.Posts[i]);
                Assert.Equal(mine.Count(p => p.Negative), company.NegativePosts[i]);
                Assert.Equal((double)mine.Count / inWeek.Count, company.ShareOfPosts[i]!.Value, 9);
            }

            var fintech = sov.Industries.Single(l => l.Key == "Fintech");
            Assert.Equal((double)inWeek.Count(p => p.Company == "kuda") / inWeek.Count, fintech.ShareOfPosts[i]!.Value, 9);
        }

        // The API's shares are the view's, row for row.
        var view = await ViewAsync("""
            SELECT period_start, company_id, share_of_posts, share_of_negative FROM reporting.share_of_voice WHERE period = 'week'
            """, r => (Week: r.GetFieldValue<DateOnly>(0), Company: r.GetString(1), Posts: r.GetDouble(2),
                Negative: r.IsDBNull(3) ? (double?)null : r.GetDouble(3)));
        Assert.Equal(view.Count, sov.Companies.Sum(c => c.Posts.Count(n => n > 0)));
        foreach (var row in view)
        {
            var line = sov.Companies.Single(c => c.Key == row.Company);
            var index = sov.Weeks.ToList().FindIndex(w => w.Week == row.Week);
            Assert.Equal((row.Posts, row.Negative), (line.ShareOfPosts[index]!.Value, line.ShareOfNegative[index]));
        }

        Assert.Equal([monday.AddDays(-7), monday], (await _queries.ShareOfVoiceAsync(null, 2)).Weeks.Select(w => w.Week));
        var upToLastWeek = await _queries.ShareOfVoiceAsync(monday.AddDays(-1), 12);
        Assert.Equal([monday.AddDays(-14), monday.AddDays(-7)], upToLastWeek.Weeks.Select(w => w.Week));
        Assert.All(upToLastWeek.Weeks, w => Assert.False(w.IsPartial));
    }

    [Fact]
    public async Task Weekly_chart_flags_the_running_week_as_partial_with_the_days_it_covers_as_the_weekly_view_does()
    {
        await WriteThreeWeeksAsync();
        var monday = AlertData.Monday(AlertData.Today);

        var weekly = await _queries.WeeklyTopicsAsync(DashboardFilter.None);
        var lastWeek = await _queries.WeeklyTopicsAsync(new DashboardFilter(To: monday.AddDays(-1)));
        var cut = await _queries.WeeklyTopicsAsync(new DashboardFilter(To: monday.AddDays(-6)));

        Assert.Equal(new PartialWeek(monday, AlertData.Today.DayNumber - monday.DayNumber + 1), weekly.Partial);
        Assert.Equal([monday.AddDays(-14), monday.AddDays(-7), monday], weekly.Weeks);
        Assert.Null(lastWeek.Partial);
        Assert.Equal(new PartialWeek(monday.AddDays(-7), 2), cut.Partial);
        var view = await ViewAsync("SELECT DISTINCT week, is_partial, days_elapsed FROM reporting.weekly_counts ORDER BY week",
            r => (Week: r.GetFieldValue<DateOnly>(0), Partial: r.GetBoolean(1), Days: r.GetInt32(2)));
        Assert.Equal([(monday.AddDays(-14), false, 7), (monday.AddDays(-7), false, 7), (monday, true, weekly.Partial!.DaysElapsed)], view);
    }

    [Fact]
    public async Task Topic_growth_equals_the_counts_of_the_posts_and_lists_grown_and_new_topics_with_their_open_alert()
    {
        var today = new DateTimeOffset(AlertData.Today.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddMinutes(1);
        var posts = new List<Post>();
        var id = 5000L;
        void Add(int daysAgo, int? topic, int count)
        {
            for (var i = 0; i < count; i++)
            {
                posts.Add(new Post(id++, i % 2 == 0 ? "gtbank" : "access", today.AddDays(-daysAgo).AddMinutes(i), topic, false));
            }
        }

        Add(1, 1, 2); Add(1, 2, 1); Add(1, 3, 3); Add(1, -1, 2); Add(1, 4, 2); Add(1, null, 4);  // the last 7 days
        Add(10, 1, 4); Add(20, 1, 2); Add(10, 2, 4); Add(20, -1, 1); Add(10, 4, 1);               // the 28 before
        Add(40, 2, 5);                                                                              // before both
        await WriteAsync(posts);
        var alert = await AlertData.InsertAsync(_dataSource, "emerging_topic", "warning", null, 3, today.AddDays(-7), today,
            observed: 0.3, expected: 0.0, negativeShare: null, baselineNegativeShare: null);
        var unclassifiedAlert = await AlertData.InsertAsync(_dataSource, "unclassified_growth", "warning", null, -1, today.AddDays(-7), today,
            observed: 0.2, expected: 0.08, negativeShare: null, baselineNegativeShare: null);

        var emerging = await _queries.EmergingTopicsAsync();

        var scored = posts.Where(p => p.Topic is not null).ToList();
        var recent = scored.Where(p => (today - p.At).TotalDays < 7).ToList();
        var baseline = scored.Where(p => (today - p.At).TotalDays is >= 7 and < 35).ToList();
        var all = emerging.Topics.Append(emerging.Unclassified.Growth!).ToList();
        foreach (var topic in new[] { 3, 4, -1 })
        {
            var growth = all.Single(t => t.TopicId == topic);
            Assert.Equal(recent.Count(p => p.Topic == topic), growth.RecentPosts);
            Assert.Equal(baseline.Count(p => p.Topic == topic), growth.BaselinePosts);
            Assert.Equal((double)growth.RecentPosts / recent.Count, growth.RecentShare!.Value, 9);
            Assert.Equal((double)growth.BaselinePosts / baseline.Count, growth.BaselineShare!.Value, 9);
        }

        // Topic 3 is new (no baseline posts), topic 4 doubled its share; 1 and 2 shrank; Unclassified (-1) is apart.
        Assert.Equal([3, 4], emerging.Topics.Select(t => t.TopicId));
        Assert.Equal([alert, null], emerging.Topics.Select(t => t.OpenAlertId));
        Assert.Equal((2.0 / 10) / (1.0 / 12), emerging.Topics[1].Growth!.Value, 9);
        Assert.True(emerging.Unclassified.Growing);
        Assert.Equal(unclassifiedAlert, emerging.Unclassified.OpenAlertId);
        var lastWeek = emerging.Unclassified.Weeks.ToList().IndexOf(AlertData.Monday(DateOnly.FromDateTime(today.AddDays(-1).UtcDateTime)));
        var inWeek = scored.Where(p => AlertData.Monday(DateOnly.FromDateTime(p.At.UtcDateTime)) == emerging.Unclassified.Weeks[lastWeek]).ToList();
        Assert.Equal((double)inWeek.Count(p => p.Topic == -1) / inWeek.Count, emerging.Unclassified.Shares[lastWeek]!.Value, 9);
        Assert.Equal(8, emerging.Unclassified.Weeks.Count);

        var view = await ViewAsync("SELECT topic_id, recent_posts, baseline_posts, growth FROM reporting.topic_growth",
            r => (Topic: r.GetInt32(0), Recent: r.GetInt64(1), Baseline: r.GetInt64(2), Growth: r.IsDBNull(3) ? (double?)null : r.GetDouble(3)));
        foreach (var row in view.Where(v => v.Topic is 3 or 4 or -1))
        {
            var growth = all.Single(t => t.TopicId == row.Topic);
            Assert.Equal((row.Recent, row.Baseline, row.Growth), (growth.RecentPosts, growth.BaselinePosts, growth.Growth));
        }
    }

    [Fact]
    public async Task Company_table_score_is_the_post_weighted_mean_over_the_week_against_the_four_weeks_before()
    {
        var monday = DashboardData.Monday; // 2023-01-02, 10:00
        await DashboardData.WriteAsync(_dataSource, DashboardData.Known);
        await DashboardData.WriteAsync(_dataSource,
        [
            // Two posts in one daily rollup row (same day, topic and label) and one on another day: the week's mean is
            // the mean of the posts, not of the days.
            DashboardData.Scored(107, "gtbank", monday.AddDays(8).AddHours(1), 2, "App", 0.7, 0.3, 0.0),    // 0.15
            DashboardData.Scored(108, "gtbank", monday.AddDays(8).AddHours(2), 2, "App", 0.9, 0.1, 0.0),    // 0.05
            DashboardData.Scored(109, "gtbank", monday.AddDays(10), 1, "Transfers", 0.1, 0.3, 0.6),          // 0.75
        ]);

        var table = await _queries.CompanyTableAsync(DashboardFilter.None);

        Assert.Equal(new DateOnly(2023, 1, 9), table.Week);
        Assert.Null(table.Partial);
        Assert.Equal(8, table.Weeks.Count);
        Assert.Equal(new DateOnly(2023, 1, 9), table.Weeks[^1]);
        var gtbank = table.Rows.Single(r => r.CompanyId == "gtbank");
        var direct = await ViewAsync("""
            SELECT company_id, avg(sentiment_score)::float8, count(*), count(*) FILTER (WHERE sentiment_label = 'negative')
            FROM reporting.posts WHERE week = '2023-01-09' GROUP BY company_id
            """, r => (Company: r.GetString(0), Mean: r.GetDouble(1), Posts: r.GetInt64(2), Negative: r.GetInt64(3)));
        var expected = direct.Single(d => d.Company == "gtbank");
        Assert.Equal(expected.Mean, gtbank.Score!.Value, 6);
        Assert.Equal((0.875 + 0.15 + 0.05 + 0.75) / 4, gtbank.Score!.Value, 6);
        Assert.Equal((0.125 + 0.225) / 2, gtbank.Baseline!.Value, 6);
        Assert.Equal(gtbank.Score!.Value - gtbank.Baseline!.Value, gtbank.Change!.Value, 9);
        Assert.Equal((4L, 2L, 0.5), (gtbank.Posts, gtbank.NegativePosts, gtbank.NegativeShare));
        Assert.Equal([null, null, null, null, null, null], gtbank.Sparkline.Take(6));
        Assert.Equal(gtbank.Baseline!.Value, gtbank.Sparkline[6]!.Value, 6);
        Assert.Equal(gtbank.Score!.Value, gtbank.Sparkline[7]!.Value, 6);

        // Access's unscored post counts as a post, not as a score.
        var access = table.Rows.Single(r => r.CompanyId == "access");
        Assert.Equal((1.0, 2L), (Math.Round(access.Score!.Value, 6), access.Posts));
        Assert.Equal(["access", "gtbank"], table.Rows.Select(r => r.CompanyId));
        Assert.Equal(["gtbank"], (await _queries.CompanyTableAsync(new DashboardFilter(Company: "gtbank"))).Rows.Select(r => r.CompanyId));
        var firstWeek = await _queries.CompanyTableAsync(new DashboardFilter(To: new DateOnly(2023, 1, 4)));
        Assert.Equal((new DateOnly(2023, 1, 2), new PartialWeek(new DateOnly(2023, 1, 2), 3)), (firstWeek.Week, firstWeek.Partial));
        Assert.Equal(0.175, firstWeek.Rows.Single(r => r.CompanyId == "gtbank").Score!.Value, 6);
    }

    [Fact]
    public async Task Sentiment_histogram_puts_a_score_on_a_bin_edge_in_the_bin_that_starts_there()
    {
        await DashboardData.WriteAsync(_dataSource,
        [
            DashboardData.Scored(1, "gtbank", DashboardData.Monday, 1, "Transfers", 0.05, 0.0, 0.95),   // 0.95: bin 19, not 18
            DashboardData.Scored(2, "gtbank", DashboardData.Monday, 1, "Transfers", 0.5, 0.3, 0.2),     // 0.35: bin 7, not 6
            DashboardData.Scored(3, "gtbank", DashboardData.Monday, 1, "Transfers", 0.45, 0.0, 0.55),   // 0.55: bin 11
        ]);

        var histogram = await _queries.SentimentHistogramAsync(DashboardFilter.None);

        Assert.Equal([7, 11, 19], histogram.Bins.Select((b, i) => (b, i)).Where(x => x.b.Posts > 0).Select(x => x.i));
        Assert.Equal((0.95, 1.0), (histogram.Bins[19].From, histogram.Bins[19].To));
    }
}
