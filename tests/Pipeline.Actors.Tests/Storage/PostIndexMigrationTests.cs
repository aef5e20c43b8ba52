using Pipeline.Actors.Graph;
using Pipeline.Actors.Storage;
using Pipeline.Actors.Tests.Support;
using Pipeline.Models.Domain;
using Pipeline.Tests.Shared;

namespace Pipeline.Actors.Tests.Storage;

/// <summary>V005 (slimmer post indexes) on a database that an earlier release migrated to V004 and filled.</summary>
public sealed class PostIndexMigrationTests(PostgresFixture postgres)
{
    private static readonly DateTimeOffset May2023 = new(2023, 5, 1, 9, 0, 0, TimeSpan.Zero);

    // The rollup must hold exactly what a fresh aggregate of scored_posts gives, in both directions.
    private const string RollupMismatches = """
        WITH fresh AS (
            SELECT (created_at AT TIME ZONE 'UTC')::date AS day, company_id, topic_id, topic_model_version, topic_label,
                   sentiment_label, count(*) AS posts, count(sentiment_score) AS scored
            FROM pipeline.scored_posts GROUP BY 1, 2, 3, 4, 5, 6),
        kept AS (
            SELECT day, company_id, topic_id, topic_model_version, topic_label, sentiment_label, posts, scored
            FROM pipeline.daily_rollup)
        SELECT count(*) FROM ((TABLE fresh EXCEPT ALL TABLE kept) UNION ALL (TABLE kept EXCEPT ALL TABLE fresh)) d
        """;

    private static PipelineItem Scored(long id, string company, int day, int? topic = null, SentimentLabel? sentiment = null)
    {
        var text = $"@{company} transfer {id} failed";
        var raw = new RawPost(new PostId(id), new CompanyId(company), PostSource.Import, "7", "ada", text,
            May2023.AddDays(day), 1, 0, 0, 0, null, "en", false, false, DateTimeOffset.UtcNow);
        var post = new ScoredPost(new CleanedPost(raw, new CompanyId(company), text, text, ["transfer", "failed"]),
            topic is { } t ? new TopicAssignment(t, $"Topic {t}", 0.7, "lda-1") : null,
            sentiment is { } s ? new SentimentScore(s, 0.6, 0.3, 0.1, "lexicon-1") : null);
        return new PipelineItem.Scored(post, $"test:{id}");
    }

    [Fact]
    public async Task Slimming_the_post_indexes_on_a_filled_V004_database_keeps_posts_views_and_rollup_exact()
    {
        await using var database = await TestDatabase.PrepareAsync(await postgres.CreateDatabaseAsync(), targetVersion: 4);
        // The rows that release's sink wrote (today's sink writes columns V004 does not have).
        await database.CountAsync("""
            INSERT INTO pipeline.raw_posts (post_id, company_id, source, author_id, author_handle, text, created_at, likes, fetched_at, drop_reason)
            VALUES (1, 'gtbank', 'import', '7', 'ada', '@gtbank transfer 1 failed', '2023-05-01 09:00Z', 1, now(), NULL),
                   (2, 'gtbank', 'import', '7', 'ada', '@gtbank transfer 2 failed', '2023-05-01 09:00Z', 1, now(), NULL),
                   (3, 'opay', 'import', '7', 'ada', '@opay transfer 3 failed', '2023-05-02 09:00Z', 1, now(), NULL),
                   (4, 'kuda', 'import', '7', 'ada', '@kuda transfer 4 failed', '2023-05-03 09:00Z', 1, now(), NULL),
                   (5, 'gtbank', 'import', '7', 'ada', 'spam 5', '2023-05-01 09:00Z', 0, now(), 'not_relevant');
            INSERT INTO pipeline.scored_posts (post_id, company_id, created_at, clean_text, sentiment_text, topic_tokens, topic_id, topic_label,
                topic_confidence, topic_model_version, sentiment_label, p_negative, p_neutral, p_positive, sentiment_score, sentiment_model_version, scored_at)
            VALUES (1, 'gtbank', '2023-05-01 09:00Z', 't', 't', '{transfer,failed}', 2, 'Topic 2', 0.7, 'lda-1', 'negative', 0.6, 0.3, 0.1, 0.25, 'lexicon-1', now()),
                   (2, 'gtbank', '2023-05-01 09:00Z', 't', 't', '{transfer,failed}', 2, 'Topic 2', 0.7, 'lda-1', 'negative', 0.6, 0.3, 0.1, 0.25, 'lexicon-1', now()),
                   (3, 'opay', '2023-05-02 09:00Z', 't', 't', '{transfer,failed}', 5, 'Topic 5', 0.7, 'lda-1', 'positive', 0.6, 0.3, 0.1, 0.25, 'lexicon-1', now()),
                   (4, 'kuda', '2023-05-03 09:00Z', 't', 't', '{transfer,failed}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
            INSERT INTO pipeline.drop_counts (company_id, day, reason, posts) VALUES ('gtbank', '2023-05-01', 'not_relevant', 1);
            SELECT 1
            """);

        var report = await new SchemaMigrator(database.DataSource).MigrateAsync(TestContext.Current.CancellationToken);

        Assert.Equal(SchemaMigrator.Shipped.Where(m => m.Version > 4).Select(m => m.Version), report.Applied.Select(m => m.Version));
        Assert.Equal(
            // V007's partial index holds only posts waiting to be scored again: none here, and none written by the sink's batches.
            // V013's two partial indexes on created_at (kept, dropped) are what the retention purge reads: one entry per raw row.
            // V014's holds only rows without an author pseudonym: those stored before it, until the start-up backfill.
            ["raw_posts_dropped_created", "raw_posts_failed_stage", "raw_posts_kept_created", "raw_posts_pkey", "raw_posts_without_pseudonym", "scored_posts_pkey"],
            (await database.RowsAsync("SELECT indexname::text FROM pg_indexes WHERE schemaname = 'pipeline' " +
                "AND tablename IN ('raw_posts', 'scored_posts') ORDER BY 1")).Select(r => (string)r[0]!));
        // Writes after the migration (new posts, a rescore moving a post to another topic) keep the rollup exact.
        var store = new PostStore(database.DataSource);
        await store.WriteAsync([Scored(6, "opay", 1, 5, SentimentLabel.Neutral), Scored(4, "kuda", 2, 7, SentimentLabel.Positive)], TestContext.Current.CancellationToken);
        Assert.Equal(0, await database.CountAsync(RollupMismatches));
        Assert.Equal(5, await database.CountAsync("SELECT count(*) FROM reporting.posts"));
        Assert.Equal(5, await database.CountAsync("SELECT sum(posts) FROM reporting.daily_counts"));
        Assert.Equal(1, await database.CountAsync("SELECT sum(posts) FROM reporting.daily_counts WHERE company_id = 'kuda' AND topic_id = 7"));
        Assert.Equal(1, await database.CountAsync("SELECT sum(posts) FROM reporting.drop_counts WHERE reason = 'not_relevant'"));
        Assert.Equal(
            [6L, 3L],
            (await database.RowsAsync("SELECT post_id FROM reporting.posts WHERE company_id = 'opay' ORDER BY post_id DESC LIMIT 25")).Select(r => (long)r[0]!));
    }
}
