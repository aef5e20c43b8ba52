using Npgsql;
using Pipeline.Host.Dashboard;

namespace Pipeline.Host.Tests.Dashboard;

/// <summary>Each dashboard question on a small known dataset in a real PostgreSQL, with and without filters.</summary>
public sealed class DashboardQueryTests(PostgresFixture postgres) : IAsyncLifetime
{
    private static readonly DateOnly Week1 = new(2023, 1, 2);
    private static readonly DateOnly Week2 = new(2023, 1, 9);
    private NpgsqlDataSource _dataSource = null!;
    private DashboardQueries _queries = null!;

    public async ValueTask InitializeAsync()
    {
        _dataSource = await DashboardData.CreateDatabaseAsync(postgres);
        await DashboardData.WriteAsync(_dataSource, DashboardData.Known);
        _queries = new DashboardQueries(_dataSource);
    }

    public async ValueTask DisposeAsync() => await _dataSource.DisposeAsync();

    private static string Counts(IEnumerable<TopicCount> counts) =>
        string.Join(", ", counts.Select(c => $"{c.TopicId?.ToString() ?? "-"} {c.Label}: {c.Posts}"));

    [Fact]
    public async Task Topic_distribution_counts_posts_per_topic_with_unscored_posts_apart()
    {
        Assert.Equal("1 Transfers: 3, 2 App: 2, - Not scored: 1", Counts(await _queries.TopicDistributionAsync(DashboardFilter.None)));
        Assert.Equal("1 Transfers: 2, 2 App: 1", Counts(await _queries.TopicDistributionAsync(new DashboardFilter(Company: "gtbank"))));
        Assert.Equal("2 App: 2", Counts(await _queries.TopicDistributionAsync(new DashboardFilter(Topic: 2))));
        Assert.Equal("1 Transfers: 1, 2 App: 1, - Not scored: 1",
            Counts(await _queries.TopicDistributionAsync(new DashboardFilter(From: Week2))));
        Assert.Empty(await _queries.TopicDistributionAsync(new DashboardFilter(Company: "zenith")));
    }

    [Fact]
    public async Task Sentiment_histogram_puts_each_score_in_its_twentieth_and_counts_unscored_posts_apart()
    {
        var all = await _queries.SentimentHistogramAsync(DashboardFilter.None);
        Assert.Equal(20, all.Bins.Count);
        Assert.Equal((0.0, 0.05), (all.Bins[0].From, all.Bins[0].To));
        Assert.Equal([2, 4, 10, 17, 19], all.Bins.Select((b, i) => (b, i)).Where(x => x.b.Posts > 0).Select(x => x.i));
        Assert.All(all.Bins.Where(b => b.Posts > 0), b => Assert.Equal(1, b.Posts));
        Assert.Equal(1, all.Unscored);

        var access = await _queries.SentimentHistogramAsync(new DashboardFilter(Company: "access", To: new DateOnly(2023, 1, 11)));
        Assert.Equal([10, 19], access.Bins.Select((b, i) => (b, i)).Where(x => x.b.Posts > 0).Select(x => x.i));
        Assert.Equal(0, access.Unscored);
    }

    [Fact]
    public async Task Weekly_topics_has_a_line_per_topic_over_every_week_with_zero_for_quiet_weeks()
    {
        var weekly = await _queries.WeeklyTopicsAsync(DashboardFilter.None);
        Assert.Equal([Week1, Week2], weekly.Weeks);
        Assert.Equal(["1 Transfers 2,1", "2 App 1,1", "none Not scored 0,1"],
            weekly.Lines.Select(l => $"{l.Key} {l.Label} {string.Join(",", l.Values)}"));

        var one = await _queries.WeeklyTopicsAsync(new DashboardFilter(Topic: 1, Company: "access"));
        Assert.Equal([Week2], one.Weeks);
        Assert.Equal(["1 Transfers 1"], one.Lines.Select(l => $"{l.Key} {l.Label} {string.Join(",", l.Values)}"));
    }

    [Fact]
    public async Task Company_sentiment_is_the_weekly_mean_score_of_scored_posts_only()
    {
        var chart = await _queries.CompanySentimentAsync(DashboardFilter.None);
        Assert.Equal([Week1, Week2], chart.Weeks);
        var lines = chart.Lines.ToDictionary(l => l.Key);
        Assert.Equal(["access", "gtbank"], chart.Lines.Select(l => l.Key));
        Assert.Equal("Access Bank", lines["access"].Label);
        Assert.Equal(0.175, lines["gtbank"].Values[0]!.Value, 5);
        Assert.Equal(0.875, lines["gtbank"].Values[1]!.Value, 5);
        Assert.Equal(0.525, lines["access"].Values[0]!.Value, 5);
        Assert.Equal(1.0, lines["access"].Values[1]!.Value, 5);

        var week2Topic2 = await _queries.CompanySentimentAsync(new DashboardFilter(From: Week2, Topic: 2));
        Assert.Equal([Week2], week2Topic2.Weeks);
        Assert.Equal(["gtbank"], week2Topic2.Lines.Select(l => l.Key));
    }

    [Fact]
    public async Task Funnel_goes_from_collected_to_relevant_to_stored_with_drops_by_reason()
    {
        var all = await _queries.FunnelAsync(DashboardFilter.None);
        Assert.Equal((10L, 8L, 6L), (all.Collected, all.Relevant, all.Stored));
        Assert.Equal(["not_relevant 2", "own_post 1", "spam 1"], all.Drops.Select(d => $"{d.Reason} {d.Posts}"));

        var gtbank = await _queries.FunnelAsync(new DashboardFilter(Company: "gtbank", Topic: 1));
        Assert.Equal((5L, 4L, 3L), (gtbank.Collected, gtbank.Relevant, gtbank.Stored));

        var firstTwoDays = await _queries.FunnelAsync(new DashboardFilter(To: new DateOnly(2023, 1, 3)));
        Assert.Equal((5L, 3L, 2L), (firstTwoDays.Collected, firstTwoDays.Relevant, firstTwoDays.Stored));
    }

    [Fact]
    public async Task Feed_lists_the_newest_posts_first_and_only_newer_ones_after_an_id()
    {
        var latest = await _queries.LatestPostsAsync(DashboardFilter.None, 25);
        Assert.Equal([106L, 105, 104, 103, 102, 101], latest.Select(p => p.PostId));
        var first = latest[1];
        Assert.Equal(("access", "Access Bank", "Transfers", "positive"), (first.CompanyId, first.Company, first.TopicLabel, first.SentimentLabel));
        Assert.Equal(1.0, first.SentimentScore!.Value, 5);
        Assert.Equal(DashboardData.Monday.AddDays(9), first.CreatedAt);
        Assert.Null(latest[0].SentimentLabel);

        Assert.Equal([106L, 105], (await _queries.LatestPostsAsync(DashboardFilter.None, 25, after: 104)).Select(p => p.PostId));
        Assert.Equal([103L, 102], (await _queries.LatestPostsAsync(new DashboardFilter(Company: "gtbank"), 2)).Select(p => p.PostId));
        Assert.Equal([104L], (await _queries.LatestPostsAsync(new DashboardFilter(Topic: 2, Company: "access"), 25)).Select(p => p.PostId));
    }

    [Fact]
    public async Task Options_list_companies_topics_and_the_days_with_posts()
    {
        var options = await _queries.OptionsAsync(5000, 25);
        Assert.Equal(SyntheticTweets.Companies.Select(c => c.Id.Value).Order(), options.Companies.Select(c => c.Id).Order());
        Assert.Equal(["1 Transfers", "2 App"], options.Topics.Select(t => $"{t.Id} {t.Label}"));
        Assert.Equal((new DateOnly(2023, 1, 2), new DateOnly(2023, 1, 12)), (options.FirstDay!.Value, options.LastDay!.Value));
        Assert.Equal(6, options.Posts);
    }

    [Fact]
    public async Task Rescoring_a_post_moves_it_between_topics_and_bins_in_every_aggregate()
    {
        await DashboardData.WriteAsync(_dataSource,
            [DashboardData.Scored(105, "access", DashboardData.Monday.AddDays(9), 2, "App", 0.95, 0.05, 0.0)]);

        Assert.Equal("2 App: 3, 1 Transfers: 2, - Not scored: 1", Counts(await _queries.TopicDistributionAsync(DashboardFilter.None)));
        var histogram = await _queries.SentimentHistogramAsync(DashboardFilter.None);
        Assert.Equal([0, 2, 4, 10, 17], histogram.Bins.Select((b, i) => (b, i)).Where(x => x.b.Posts > 0).Select(x => x.i));
        var access = (await _queries.CompanySentimentAsync(DashboardFilter.None)).Lines.Single(l => l.Key == "access");
        Assert.Equal(0.025, access.Values[1]!.Value, 5);
        Assert.Equal(6, (await _queries.FunnelAsync(DashboardFilter.None)).Stored);
    }

    [Fact]
    public async Task The_reporting_role_the_queries_run_as_cannot_read_the_pipeline_tables()
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var role = new NpgsqlCommand($"SET LOCAL ROLE {DashboardQueries.ReportingRole}", connection, transaction))
            await role.ExecuteNonQueryAsync();
        await using var raw = new NpgsqlCommand("SELECT count(*) FROM pipeline.raw_posts", connection, transaction);

        var denied = await Assert.ThrowsAsync<PostgresException>(() => raw.ExecuteScalarAsync());

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, denied.SqlState);
        Assert.NotEmpty(await _queries.LatestPostsAsync(DashboardFilter.None, 1));
    }
}
