using Pipeline.Actors.Storage;
using Pipeline.Actors.Tests.Support;
using Pipeline.Tests.Shared;

namespace Pipeline.Actors.Tests.Storage;

/// <summary>
/// pipeline.daily_rollup, hourly_rollup and minute_rollup, kept by the statement triggers on scored_posts, against a
/// fresh aggregate of the posts and against the rollup V004's trigger keeps for the same writes (V006 and V009
/// replaced that trigger; V009 also made the bin edges exact).
/// </summary>
public sealed class RollupTriggerTests(PostgresFixture postgres)
{
    // Scores at every kind of edge: 0, exactly on bin edges, just under 1, 1 itself and no score at all.
    private const string Inserts = """
        INSERT INTO pipeline.scored_posts (post_id, company_id, created_at, clean_text, sentiment_text,
                                           topic_id, topic_label, topic_model_version, sentiment_label, sentiment_score)
        SELECT i, (ARRAY['gtbank', 'opay', 'kuda'])[1 + i % 3], timestamptz '2023-05-01 22:00Z' + (i % 5) * interval '3 hours', 't', 't',
               nullif(i % 4, 3), 'Topic ' || (i % 4), 'lda-1', (ARRAY['negative', 'neutral', 'positive', NULL])[1 + i / 4 % 4],
               (ARRAY[NULL, 0, 0.05, 0.15, 0.35, 0.5, 0.95, 0.999999, 1.0, (i % 997) / 997.0])[1 + i % 10]::real
        FROM generate_series(1, 400) i
        """;

    // A rescore moves posts between topics, labels and bins (and to or from no score); then some posts go.
    private const string Rescores = """
        UPDATE pipeline.scored_posts
        SET sentiment_score = CASE WHEN post_id % 3 = 0 THEN NULL ELSE 1 - coalesce(sentiment_score, 0.25) END,
            topic_id = 9, topic_label = 'Topic 9', sentiment_label = 'positive'
        WHERE post_id % 4 = 0
        """;

    private const string Deletes = "DELETE FROM pipeline.scored_posts WHERE post_id % 7 = 0";

    private const string MoreInserts = """
        INSERT INTO pipeline.scored_posts (post_id, company_id, created_at, clean_text, sentiment_text, sentiment_score)
        SELECT i, 'gtbank', timestamptz '2023-05-02 12:00Z', 't', 't', ((i - 1000) / 20.0)::real FROM generate_series(1000, 1020) i
        """;

    private const string Rollup = """
        SELECT concat_ws(' | ', day, company_id, topic_id, topic_model_version, topic_label, sentiment_label, posts, scored,
                         score_sum::text)
        FROM pipeline.daily_rollup ORDER BY day, company_id, topic_id, topic_model_version, topic_label, sentiment_label
        """;

    private static async Task<TestDatabase> FilledAsync(PostgresFixture postgres, int? targetVersion, params string[] writes)
    {
        var database = await TestDatabase.PrepareAsync(await postgres.CreateDatabaseAsync(), targetVersion);
        foreach (var sql in writes)
        {
            await database.CountAsync(sql);
        }

        return database;
    }

    [Fact]
    public async Task Rollup_matches_a_fresh_aggregate_bin_by_bin_after_inserts_rescores_deletes_and_truncate()
    {
        await using var database = await FilledAsync(postgres, null, Inserts);
        await AssertRollupsMatchAsync(database);
        await database.CountAsync(Rescores);
        await AssertRollupsMatchAsync(database);
        await database.CountAsync(Deletes);
        await AssertRollupsMatchAsync(database);
        await database.CountAsync(MoreInserts);
        await AssertRollupsMatchAsync(database);
        Assert.Equal(0, await database.CountAsync("SELECT count(*) FROM pipeline.daily_rollup WHERE posts = 0"));
        Assert.Equal(0, await database.CountAsync("SELECT count(*) FROM pipeline.hourly_rollup WHERE posts = 0"));

        await database.CountAsync("TRUNCATE pipeline.scored_posts");
        Assert.Equal(0, await database.CountAsync("SELECT count(*) FROM pipeline.daily_rollup"));
        Assert.Equal(0, await database.CountAsync("SELECT count(*) FROM pipeline.hourly_rollup"));
        await database.CountAsync(MoreInserts);
        await AssertRollupsMatchAsync(database);
    }

    [Fact]
    public async Task Hourly_rollup_is_written_into_its_key_and_empty_group_indexes_only_and_an_hour_range_reads_the_key()
    {
        await using var database = await FilledAsync(postgres, null, Inserts);
        Assert.Equal(
            // V015 dropped hourly_rollup_hour: an index on the key's leading column, one more write per new group.
            ["hourly_rollup_empty", "hourly_rollup_key"],
            (await database.RowsAsync("SELECT indexname::text FROM pg_indexes WHERE schemaname = 'pipeline' AND tablename = 'hourly_rollup' ORDER BY 1"))
                .Select(r => (string)r[0]!));
        // The alert detector's read of a window of hours (AlertStore), planned as if the rollup were large (the statements of one
        // command share an implicit transaction, so SET LOCAL lasts for the EXPLAIN only).
        var plan = await database.RowsAsync("""
            SET LOCAL enable_seqscan = off;
            EXPLAIN SELECT hour, company_id, topic_id, sum(posts) FROM pipeline.hourly_rollup
            WHERE hour >= '2023-05-01 20:00Z' AND hour <= '2023-05-02 02:00Z' GROUP BY 1, 2, 3
            """);
        Assert.Contains(plan, row => ((string)row[0]!).Contains("hourly_rollup_key", StringComparison.Ordinal));
        await AssertRollupsMatchAsync(database);
    }

    [Fact]
    public async Task Minute_rollup_follows_recent_posts_through_rescores_and_deletes_and_leaves_older_ones_out()
    {
        // The same writes, moved to the last day and a half (and a few posts to four days ago).
        string Recent(string sql) => sql
            .Replace("timestamptz '2023-05-01 22:00Z' + (i % 5) * interval '3 hours'", "now() - (i % 23) * interval '3 hours' - interval '30 minutes' - (i % 7) * interval '1 minute'")
            .Replace("timestamptz '2023-05-02 12:00Z'", "now() - interval '5 minutes'");
        await using var database = await FilledAsync(postgres, null, Recent(Inserts));
        Assert.True(await database.CountAsync("SELECT count(*) FROM pipeline.minute_rollup") > 50);
        Assert.True(await database.CountAsync("SELECT count(*) FROM pipeline.scored_posts WHERE created_at < now() - interval '2 days'") > 0);
        Assert.Equal(0, await database.CountAsync(RollupChecks.MinuteMismatches));
        await database.CountAsync(Rescores);
        Assert.Equal(0, await database.CountAsync(RollupChecks.MinuteMismatches));
        await database.CountAsync(Deletes);
        Assert.Equal(0, await database.CountAsync(RollupChecks.MinuteMismatches));
        await database.CountAsync(Recent(MoreInserts));
        Assert.Equal(0, await database.CountAsync(RollupChecks.MinuteMismatches));
        Assert.Equal(0, await database.CountAsync("SELECT count(*) FROM pipeline.minute_rollup WHERE posts <= 0"));
        await AssertRollupsMatchAsync(database);
    }

    private static async Task AssertRollupsMatchAsync(TestDatabase database)
    {
        Assert.Equal(0, await database.CountAsync(RollupChecks.RollupMismatches));
        Assert.Equal(0, await database.CountAsync(RollupChecks.HourlyMismatches));
        Assert.Equal(0, await database.CountAsync(RollupChecks.MinuteMismatches));
    }

    [Fact]
    public async Task Edge_scores_land_in_the_bin_that_starts_at_them_with_one_in_the_last_bin_and_no_score_in_none()
    {
        await using var database = await FilledAsync(postgres, null, """
            INSERT INTO pipeline.scored_posts (post_id, company_id, created_at, clean_text, sentiment_text, sentiment_score)
            SELECT i, 'opay', '2023-05-01Z', 't', 't', score
            FROM unnest(ARRAY[0, 0.05, 0.25, 0.5, 0.95, 0.999999, 1.0, NULL]::real[]) WITH ORDINALITY AS s(score, i)
            """);

        // Scores are stored as real: 0.05 is a hair above 0.05 and 0.95 a hair below, yet each lands in the bin that
        // starts at it (V004 put 0.95 in bin 18); 0.999999 and 1 share the last bin.
        Assert.Equal(
            ["2023-05-01 | opay | 8 | 7 | {1,1,0,0,0,1,0,0,0,0,1,0,0,0,0,0,0,0,0,3}"],
            (await database.RowsAsync("SELECT concat_ws(' | ', day, company_id, posts, scored, bins::text) FROM pipeline.daily_rollup"))
                .Select(r => (string)r[0]!));
        Assert.Equal(1, await database.CountAsync("SELECT unscored_posts FROM reporting.daily_sentiment_bins"));
    }

    [Fact]
    public async Task Rollup_holds_the_counts_and_sums_V004s_trigger_kept_for_the_same_writes()
    {
        string[] writes = [Inserts, Rescores, Deletes, MoreInserts];
        await using var v005 = await FilledAsync(postgres, 5, writes);
        await using var latest = await FilledAsync(postgres, null, writes);

        var expected = (await v005.RowsAsync(Rollup)).Select(r => (string)r[0]!).ToList();
        Assert.True(expected.Count > 50, $"only {expected.Count} rollup rows");
        Assert.Equal(expected, (await latest.RowsAsync(Rollup)).Select(r => (string)r[0]!));
    }
}
