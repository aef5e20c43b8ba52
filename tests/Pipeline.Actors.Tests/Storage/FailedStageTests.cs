using Pipeline.Actors.Graph;
using Pipeline.Actors.Storage;
using Pipeline.Actors.Tests.Support;
using Pipeline.Models.Domain;

namespace Pipeline.Actors.Tests.Storage;

/// <summary>
/// V007's <c>raw_posts.failed_stage</c> through the real sink: a post a scoring stage failed on keeps its raw row and its
/// quarantine entry, is not counted by the rollup or the drop counts, and a later replay that scores it stores its
/// scores, clears the mark and counts it once.
/// </summary>
public sealed class FailedStageTests(PostgresFixture postgres)
{
    private static readonly DateTimeOffset April2023 = new(2023, 4, 3, 8, 0, 0, TimeSpan.Zero);

    private static CleanedPost Post(long id, string text = "@gtbank my transfer failed") => new(
        new RawPost(new PostId(id), new CompanyId("gtbank"), PostSource.Import, "7", "ada", text, April2023, 1, 0, 0, 0, null, "en", false, false,
            DateTimeOffset.UtcNow),
        new CompanyId("gtbank"), text, text, ["transfer", "failed"]);

    private static PipelineItem.Scored Scored(long id) => new(new ScoredPost(Post(id),
        new TopicAssignment(3, "Transfers", 0.8, "lda-1"), new SentimentScore(SentimentLabel.Negative, 0.8, 0.1, 0.1, "lexicon-1")), $"t.jsonl:{id}");

    private static PipelineItem.Quarantined Failed(long id, string stage) => new(
        new QuarantineEntry(stage, $"{stage}:t.jsonl:{id}", $"{stage} scoring failed for post {id}: model crashed", "my transfer failed", new PostId(id),
            new CompanyId("gtbank")),
        Unscored: Post(id));

    private static async Task<(TestDatabase Database, PostgresSink Sink, PipelineCounters Counters)> StartAsync(PostgresFixture postgres)
    {
        var database = await TestDatabase.CreateAsync(postgres);
        var counters = new PipelineCounters();
        return (database, new PostgresSink(new PostStore(database.DataSource), SinkSettings.Default, counters), counters);
    }

    [Fact]
    public async Task A_post_scoring_failed_on_keeps_its_raw_row_marked_with_the_stage_and_its_quarantine_entry_and_counts_nowhere_else()
    {
        var (database, sink, counters) = await StartAsync(postgres);
        await using var _ = database;

        var committed = await sink.CommitAsync([Scored(1), Failed(2, "sentiment"), Failed(3, "topics")]);

        Assert.Equal(3, committed.NewPosts);
        Assert.Equal([[1L, null], [2L, "sentiment"], [3L, "topics"]],
            await database.RowsAsync("SELECT post_id, failed_stage FROM pipeline.raw_posts WHERE drop_reason IS NULL ORDER BY 1"));
        Assert.Equal([[1L]], await database.RowsAsync("SELECT post_id FROM pipeline.scored_posts"));
        Assert.Equal([["sentiment", 2L], ["topics", 3L]], await database.RowsAsync("SELECT source, post_id FROM pipeline.quarantine ORDER BY post_id"));
        Assert.Equal(1, await database.CountAsync("SELECT sum(posts) FROM pipeline.daily_rollup"));
        Assert.Equal(0, await database.CountAsync("SELECT count(*) FROM pipeline.drop_counts"));
        Assert.Equal([[1L]], await database.RowsAsync("SELECT post_id FROM reporting.posts"));
        Assert.Equal((1L, 1L), (counters.UnscoredRows["sentiment"], counters.UnscoredRows["topics"]));
    }

    [Fact]
    public async Task Replaying_a_post_that_failed_scoring_stores_its_scores_clears_the_mark_and_counts_it_once()
    {
        var (database, sink, _) = await StartAsync(postgres);
        await using var _ = database;
        await sink.CommitAsync([Failed(2, "sentiment"), Failed(4, "sentiment")]);

        // Failing again at another stage moves the mark; scoring at last clears it.
        var again = await sink.CommitAsync([Failed(2, "topics"), Failed(4, "topics")]);
        Assert.Equal([[2L, "topics"], [4L, "topics"]], await database.RowsAsync("SELECT post_id, failed_stage FROM pipeline.raw_posts ORDER BY 1"));
        var scored = await sink.CommitAsync([Scored(2)]);
        var replayed = await sink.CommitAsync([Scored(2)]);

        Assert.Equal((0, 0, 0), (again.NewPosts, scored.NewPosts, replayed.NewPosts));
        Assert.Equal([[2L, null], [4L, "topics"]], await database.RowsAsync("SELECT post_id, failed_stage FROM pipeline.raw_posts ORDER BY 1"));
        Assert.Equal(1, await database.CountAsync("SELECT count(*) FROM pipeline.scored_posts WHERE post_id = 2 AND topic_id = 3 AND sentiment_label = 'negative'"));
        Assert.Equal(1, await database.CountAsync("SELECT sum(posts) FROM reporting.daily_counts"));
        Assert.Equal(1, await database.CountAsync("SELECT count(*) FROM reporting.posts"));
        Assert.Equal(0, await database.CountAsync("SELECT count(*) FROM pipeline.drop_counts"));
    }

    [Fact]
    public async Task A_replay_that_fails_scoring_leaves_a_stored_post_and_its_scores_as_they_were()
    {
        var (database, sink, _) = await StartAsync(postgres);
        await using var _ = database;
        await sink.CommitAsync([Scored(5)]);

        await sink.CommitAsync([Failed(5, "sentiment")]);

        Assert.Equal([[5L, null]], await database.RowsAsync("SELECT post_id, failed_stage FROM pipeline.raw_posts"));
        Assert.Equal(1, await database.CountAsync("SELECT count(*) FROM reporting.posts WHERE sentiment_label = 'negative' AND topic_id = 3"));
        Assert.Equal(1, await database.CountAsync("SELECT sum(posts) FROM pipeline.daily_rollup"));
    }

    [Fact]
    public async Task A_scored_copy_wins_over_a_failed_copy_of_the_same_post_in_one_batch()
    {
        var (database, sink, _) = await StartAsync(postgres);
        await using var _ = database;

        await sink.CommitAsync([Failed(6, "sentiment"), Scored(6)]);

        Assert.Equal([[6L, null]], await database.RowsAsync("SELECT post_id, failed_stage FROM pipeline.raw_posts"));
        Assert.Equal(1, await database.CountAsync("SELECT count(*) FROM pipeline.scored_posts"));
    }

    [Fact]
    public async Task V007_marks_no_existing_post_and_refuses_a_mark_on_a_dropped_one()
    {
        await using var database = await TestDatabase.PrepareAsync(await postgres.CreateDatabaseAsync(), targetVersion: 6);
        await database.CountAsync("""
            INSERT INTO pipeline.raw_posts (post_id, company_id, source, author_handle, text, created_at, fetched_at, drop_reason)
            VALUES (1, 'gtbank', 'import', 'ada', 'kept', '2023-04-03Z', now(), NULL), (2, 'gtbank', 'import', 'ada', 'spam', '2023-04-03Z', now(), 'spam');
            SELECT 1
            """);

        await new SchemaMigrator(database.DataSource).MigrateAsync(TestContext.Current.CancellationToken);

        Assert.Equal(0, await database.CountAsync("SELECT count(*) FROM pipeline.raw_posts WHERE failed_stage IS NOT NULL"));
        await database.CountAsync("UPDATE pipeline.raw_posts SET failed_stage = 'sentiment' WHERE post_id = 1; SELECT 1");
        var refused = await Assert.ThrowsAsync<Npgsql.PostgresException>(() =>
            database.CountAsync("UPDATE pipeline.raw_posts SET failed_stage = 'sentiment' WHERE post_id = 2"));
        Assert.Equal("raw_posts_failed_stage_of_kept", refused.ConstraintName);
    }

    [Fact]
    public async Task A_post_stored_as_dropped_is_not_also_kept_when_its_id_comes_again_after_a_restart()
    {
        // Found by `chaos`: a native retweet carries its original's id, so the same id can be dropped as a duplicate
        // retweet in one run and kept in the next, once a restart has emptied the cleaner's memory.
        var (database, sink, _) = await StartAsync(postgres);
        await using var _ = database;

        await sink.CommitAsync([new PipelineItem.Dropped(Post(1).Raw, new CompanyId("gtbank"), DropReason.DuplicateRetweet, "t.jsonl:1")]);
        await sink.CommitAsync([Scored(1), Scored(2)]);

        Assert.Equal([[1L, "duplicate_retweet"], [2L, null]], await database.RowsAsync("SELECT post_id, drop_reason FROM pipeline.raw_posts ORDER BY 1"));
        Assert.Equal([[2L]], await database.RowsAsync("SELECT post_id FROM pipeline.scored_posts"));
        Assert.Equal(1, await database.CountAsync("SELECT sum(posts) FROM pipeline.daily_rollup"));
        Assert.Equal(1, await database.CountAsync("SELECT sum(posts) FROM pipeline.drop_counts"));
    }
}
