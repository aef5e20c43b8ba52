using Pipeline.Actors.Graph;
using Pipeline.Actors.Storage;
using Pipeline.Actors.Tests.Support;
using Pipeline.Models.Domain;

namespace Pipeline.Actors.Tests.Storage;

public sealed class PostgresSinkTests(PostgresFixture postgres)
{
    private static readonly DateTimeOffset April2023 = new(2023, 4, 1, 8, 0, 0, TimeSpan.Zero);

    private static PipelineItem.Scored Kept(long id, string company, string text = "@gtbank my transfer failed", DateTimeOffset? created = null) =>
        new(new ScoredPost(new CleanedPost(
            new RawPost(new PostId(id), new CompanyId(company), PostSource.Import, "7", "ada", text,
                created ?? April2023, 1, 2, 3, 4, null, "en", false, false, DateTimeOffset.UtcNow),
            new CompanyId(company), text, text, ["transfer", "failed"])), $"test:{id}");

    [Fact]
    public async Task Row_the_database_rejects_is_quarantined_with_the_error_and_the_rest_of_the_batch_is_stored()
    {
        await using var database = await TestDatabase.CreateAsync(postgres);
        var counters = new PipelineCounters();
        var sink = new PostgresSink(new PostStore(database.DataSource), SinkSettings.Default, counters);
        // A post dated before the platform existed: corrupt input the database's CHECK rejects.
        var corrupt = Kept(3, "gtbank", created: DateTimeOffset.UnixEpoch);
        PipelineItem[] batch = [Kept(1, "gtbank"), Kept(2, "gtbank"), corrupt, Kept(4, "opay"), Kept(5, "kuda")];
        foreach (var item in batch)
        {
            counters.Counted(item);
        }

        var committed = await sink.CommitAsync(batch);

        Assert.Equal(4, committed.NewPosts);
        Assert.Equal(4, await database.CountAsync("SELECT count(*) FROM pipeline.scored_posts"));
        var quarantined = Assert.Single(await database.QuarantineAsync());
        Assert.Equal("test:3", quarantined.Location);
        Assert.Contains("raw_posts_created_at_check", quarantined.Error);
        Assert.Contains("\"Id\":{\"Value\":3}", quarantined.Payload);
        Assert.Equal(1, counters.Quarantined);
        Assert.Equal(4, counters.Kept);
    }

    [Fact]
    public async Task Replayed_batch_updates_engagement_but_keeps_scores_and_first_decision()
    {
        await using var database = await TestDatabase.CreateAsync(postgres);
        var sink = new PostgresSink(new PostStore(database.DataSource), SinkSettings.Default, new PipelineCounters());
        var scored = Kept(10, "gtbank");
        var withSentiment = scored with
        {
            Post = scored.Post with { Sentiment = new SentimentScore(SentimentLabel.Negative, 0.8, 0.15, 0.05, "test-1") },
        };

        await sink.CommitAsync([withSentiment]);
        var replay = scored with
        {
            Post = scored.Post with { Post = scored.Post.Post with { Raw = scored.Post.Post.Raw with { Likes = 99 } } },
        };
        var second = await sink.CommitAsync([replay]);

        Assert.Equal(0, second.NewPosts);
        Assert.Equal(99, await database.CountAsync("SELECT likes FROM pipeline.raw_posts WHERE post_id = 10"));
        Assert.Equal(1, await database.CountAsync(
            "SELECT count(*) FROM reporting.posts WHERE post_id = 10 AND sentiment_label = 'negative' AND abs(sentiment_score - 0.125) < 1e-6"));
    }

    [Fact]
    public async Task Text_with_nul_characters_is_stored_without_them()
    {
        await using var database = await TestDatabase.CreateAsync(postgres);
        var sink = new PostgresSink(new PostStore(database.DataSource), SinkSettings.Default, new PipelineCounters());

        await sink.CommitAsync([Kept(20, "gtbank", "@gtbank card\0 blocked")]);

        Assert.Equal(1, await database.CountAsync("SELECT count(*) FROM pipeline.raw_posts WHERE text = '@gtbank card blocked'"));
    }
}
