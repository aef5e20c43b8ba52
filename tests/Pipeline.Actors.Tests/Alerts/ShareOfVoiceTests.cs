using Pipeline.Actors.Tests.Support;
using Pipeline.Tests.Shared;
using Xunit;

namespace Pipeline.Actors.Tests.Alerts;

/// <summary><c>reporting.share_of_voice</c> (V009) against the posts themselves.</summary>
public sealed class ShareOfVoiceTests(PostgresFixture postgres)
{
    private static async Task<TestDatabase> FilledAsync(PostgresFixture postgres)
    {
        var database = await TestDatabase.CreateAsync(postgres);
        // Two industries and two countries, so each partition has several companies and some only one.
        await database.CountAsync("UPDATE pipeline.companies SET industry = 'Fintech' WHERE company_id IN ('opay', 'kuda', 'palmpay')");
        await database.CountAsync("UPDATE pipeline.companies SET country = 'Ghana' WHERE company_id IN ('access', 'kuda')");
        await database.CountAsync("""
            INSERT INTO pipeline.scored_posts (post_id, company_id, created_at, clean_text, sentiment_text, sentiment_label)
            SELECT i, (ARRAY['gtbank', 'access', 'zenith', 'uba', 'opay', 'kuda', 'palmpay'])[1 + (i * 7 + i / 13) % 7],
                   now() - (i % 20) * interval '1 day' - (i % 11) * interval '1 hour', 't', 't',
                   (ARRAY['negative', 'neutral', 'positive', NULL])[1 + (i / 3) % 4]
            FROM generate_series(1, 3000) i
            """);
        return database;
    }

    [Fact]
    public async Task Shares_sum_to_one_in_every_period_overall_per_industry_and_per_country()
    {
        await using var database = await FilledAsync(postgres);

        foreach (var (share, partition) in new[]
        {
            ("share_of_posts", ""), ("share_of_negative", ""),
            ("share_of_industry_posts", ", industry"), ("share_of_industry_negative", ", industry"),
            ("share_of_country_posts", ", country"), ("share_of_country_negative", ", country"),
        })
        {
            var groups = await database.RowsAsync($"""
                SELECT period, period_start{partition}, sum({share}) FROM reporting.share_of_voice
                GROUP BY period, period_start{partition} HAVING count({share}) > 0
                """);
            Assert.NotEmpty(groups);
            Assert.All(groups, g => Assert.Equal(1.0, (double)g[^1]!, 9));
        }

        Assert.Equal(2, await database.CountAsync("SELECT count(DISTINCT period) FROM reporting.share_of_voice"));
    }

    [Fact]
    public async Task Counts_equal_the_posts_per_company_day_and_week()
    {
        await using var database = await FilledAsync(postgres);

        var mismatches = await database.CountAsync("""
            WITH fresh AS (
                SELECT 'day' AS period, (created_at AT TIME ZONE 'UTC')::date AS period_start, company_id,
                       count(*) AS posts, count(*) FILTER (WHERE sentiment_label = 'negative') AS negative_posts
                FROM pipeline.scored_posts GROUP BY 1, 2, 3
                UNION ALL
                SELECT 'week', date_trunc('week', (created_at AT TIME ZONE 'UTC')::date)::date, company_id,
                       count(*), count(*) FILTER (WHERE sentiment_label = 'negative')
                FROM pipeline.scored_posts GROUP BY 1, 2, 3),
            viewed AS (SELECT period, period_start, company_id, posts, negative_posts FROM reporting.share_of_voice)
            SELECT count(*) FROM ((TABLE fresh EXCEPT ALL TABLE viewed) UNION ALL (TABLE viewed EXCEPT ALL TABLE fresh)) d
            """);

        Assert.Equal(0, mismatches);
        var shares = await database.RowsAsync("""
            SELECT s.share_of_posts, s.posts::float8 / (SELECT count(*) FROM pipeline.scored_posts p
                                                        WHERE (p.created_at AT TIME ZONE 'UTC')::date = s.period_start)
            FROM reporting.share_of_voice s WHERE s.period = 'day'
            """);
        Assert.All(shares, s => Assert.Equal((double)s[1]!, (double)s[0]!, 12));
    }
}
