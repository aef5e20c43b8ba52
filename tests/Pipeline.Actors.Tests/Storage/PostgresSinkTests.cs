using Npgsql;
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

    private static readonly string High = ((char)0xD800).ToString();
    private static readonly string Low = ((char)0xDC00).ToString();

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

    [Fact]
    public async Task Rows_the_store_cannot_encode_on_the_client_are_quarantined_and_the_rest_of_the_batch_is_stored()
    {
        await using var database = await TestDatabase.CreateAsync(postgres);
        var counters = new PipelineCounters();
        var sink = new PostgresSink(new PostStore(database.DataSource), SinkSettings.Default, counters);
        // Values no source produces today, fed straight to the sink: they fail in the middle of the binary COPY,
        // before PostgreSQL sees a byte of them.
        var unknownReason = new PipelineItem.Dropped(Kept(3, "gtbank").Post.Post.Raw, new CompanyId("gtbank"), (DropReason)99, "test:3");
        var badSource = Kept(5, "opay") with
        {
            Post = Kept(5, "opay").Post with { Post = Kept(5, "opay").Post.Post with { Raw = Kept(5, "opay").Post.Post.Raw with { Source = (PostSource)99 } } },
        };
        PipelineItem[] batch = [Kept(1, "gtbank"), Kept(2, "gtbank"), unknownReason, Kept(4, "opay"), badSource, Kept(6, "kuda")];
        foreach (var item in batch)
        {
            counters.Counted(item);
        }

        var committed = await sink.CommitAsync(batch);

        Assert.Equal(4, committed.NewPosts);
        Assert.Equal([[1L], [2L], [4L], [6L]], await database.RowsAsync("SELECT post_id FROM pipeline.raw_posts ORDER BY 1"));
        var quarantined = await database.QuarantineAsync();
        Assert.Equal(["test:3", "test:5"], quarantined.Select(q => q.Location).Order());
        Assert.Contains(quarantined, q => q.Location == "test:3" && q.Error.Contains("ArgumentOutOfRangeException") && q.Payload!.Contains("\"Id\":{\"Value\":3}"));
        Assert.Contains(quarantined, q => q.Location == "test:5" && q.Error.Contains("UnreachableException"));
        Assert.Equal(2, await database.CountAsync("SELECT count(*) FROM pipeline.quarantine WHERE source = 'sink'"));
        Assert.Equal((2L, 4L), (counters.Quarantined, counters.Kept));
        Assert.Equal(2L, counters.QuarantinedBySource["sink"]);
        // The connections the failed COPYs ran on are still good for the next batch.
        Assert.Equal(1, (await sink.CommitAsync([Kept(7, "gtbank")])).NewPosts);
    }

    [Fact]
    public async Task Lone_surrogates_and_nul_in_every_string_fed_straight_to_the_sink_are_stored_repaired()
    {
        await using var database = await TestDatabase.CreateAsync(postgres);
        var sink = new PostgresSink(new PostStore(database.DataSource), SinkSettings.Default, new PipelineCounters());
        var kept = Kept(30, "gtbank", $"@gtbank card{High} blocked\0");
        var raw = kept.Post.Post.Raw with { AuthorHandle = "ada" + Low, AuthorId = High, Url = "https://x.com/" + Low, Lang = "e" + High };
        var post = kept.Post with
        {
            Post = kept.Post.Post with { Raw = raw, Text = "card" + High, SentimentText = "card" + Low, TopicTokens = ["card" + High] },
            Topic = new TopicAssignment(1, "Cards" + High, 0.9, "lda" + Low),
            Sentiment = new SentimentScore(SentimentLabel.Negative, 0.8, 0.1, 0.1, "lexicon" + High),
        };
        var entry = new QuarantineEntry("import" + High, "t.csv:" + Low, "bad" + High, "payload" + Low + "\0", null, new CompanyId("gt" + High));

        await sink.CommitAsync([kept with { Post = post }, new PipelineItem.Quarantined(entry)]);

        Assert.Equal(
            [["@gtbank card\uFFFD blocked", "ada\uFFFD", "\uFFFD", "https://x.com/\uFFFD", "e\uFFFD"]],
            await database.RowsAsync("SELECT text, author_handle, author_id, url, lang FROM pipeline.raw_posts"));
        Assert.Equal(
            [["card\uFFFD", "card\uFFFD", new[] { "card\uFFFD" }, "Cards\uFFFD", "lda\uFFFD", "lexicon\uFFFD"]],
            await database.RowsAsync("SELECT clean_text, sentiment_text, topic_tokens, topic_label, topic_model_version, sentiment_model_version FROM pipeline.scored_posts"));
        Assert.Equal(
            [["import\uFFFD", "t.csv:\uFFFD", "bad\uFFFD", "payload\uFFFD", "gt\uFFFD"]],
            await database.RowsAsync("SELECT source, location, error, payload, company_id FROM pipeline.quarantine"));
    }

    [Fact]
    public async Task A_quarantine_entry_the_database_cannot_take_is_stored_bare_with_its_location_and_error()
    {
        await using var database = await TestDatabase.CreateAsync(postgres);
        var counters = new PipelineCounters();
        var sink = new PostgresSink(new PostStore(database.DataSource), SinkSettings.Default, counters);
        // A reader's bug: an entry without a source, which the quarantine table requires.
        var broken = new PipelineItem.Quarantined(new QuarantineEntry(null!, "t.csv:7", "bad line", "x,y", new PostId(7)));
        PipelineItem[] batch = [Kept(1, "gtbank"), broken, Kept(2, "gtbank")];
        foreach (var item in batch)
        {
            counters.Counted(item);
        }

        await sink.CommitAsync(batch);

        Assert.Equal(2, await database.CountAsync("SELECT count(*) FROM pipeline.scored_posts"));
        var stored = Assert.Single(await database.RowsAsync("SELECT source, location, error, payload, post_id FROM pipeline.quarantine"));
        Assert.Equal(("sink", "t.csv:7", (object?)null, 7L), ((string)stored[0]!, (string)stored[1]!, stored[3], (long)stored[4]!));
        Assert.Contains("ArgumentNullException", (string)stored[2]!);
        Assert.Equal((1L, 2L), (counters.Quarantined, counters.Kept));
    }

    [Fact]
    public async Task A_database_that_takes_no_write_fails_the_commit_instead_of_quarantining_every_row()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        await using (var database = await TestDatabase.PrepareAsync(connectionString))
        {
            var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
            await database.CountAsync($"ALTER DATABASE \"{name}\" SET default_transaction_read_only = on; SELECT 1");
        }

        // A new pool: its sessions start read-only, as on a standby the service was pointed at by mistake.
        await using var readOnly = PipelineDataSource.Create(connectionString);
        var counters = new PipelineCounters();
        var sink = new PostgresSink(new PostStore(readOnly), SinkSettings.Default, counters);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => sink.CommitAsync([Kept(1, "gtbank"), Kept(2, "gtbank"), Kept(3, "kuda")]));

        var inner = Assert.IsType<AggregateException>(error).InnerExceptions;
        Assert.All(inner, e => Assert.Equal(PostgresErrorCodes.ReadOnlySqlTransaction, Assert.IsType<PostgresException>(e).SqlState));

        Assert.Equal((0L, 0L, 0L), (counters.Quarantined, counters.CommittedItems, counters.Batches));
        await using var check = readOnly.CreateCommand("SELECT (SELECT count(*) FROM pipeline.raw_posts) + (SELECT count(*) FROM pipeline.quarantine)");
        Assert.Equal(0L, (long)(await check.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task A_cancelled_commit_is_cancelled_not_quarantined()
    {
        await using var database = await TestDatabase.CreateAsync(postgres);
        var counters = new PipelineCounters();
        var sink = new PostgresSink(new PostStore(database.DataSource), SinkSettings.Default, counters);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sink.CommitAsync([Kept(1, "gtbank"), Kept(2, "gtbank")], cancelled.Token));

        Assert.Equal(0, await database.CountAsync("SELECT (SELECT count(*) FROM pipeline.raw_posts) + (SELECT count(*) FROM pipeline.quarantine)"));
        Assert.Equal(0L, counters.Quarantined);
    }

    [Fact]
    public async Task A_database_away_for_longer_than_the_attempts_allow_fails_the_commit_instead_of_quarantining()
    {
        await using var server = await postgres.StartDedicatedServerAsync();
        await using var database = await TestDatabase.PrepareAsync(server.ConnectionString);
        var counters = new PipelineCounters();
        var settings = SinkSettings.Default with { MinBackoff = TimeSpan.FromMilliseconds(20), MaxBackoff = TimeSpan.FromMilliseconds(50), MaxAttempts = 3 };
        var sink = new PostgresSink(new PostStore(database.DataSource), settings, counters);
        await server.StopAsync();

        await Assert.ThrowsAsync<SinkUnavailableException>(() => sink.CommitAsync([Kept(1, "gtbank"), Kept(2, "gtbank")]));

        Assert.Equal((2L, 0L), (counters.SinkRetries, counters.Quarantined));
        await server.RestartAsync();
        await using var fresh = PipelineDataSource.Create(server.ConnectionString);
        await using var check = fresh.CreateCommand("SELECT (SELECT count(*) FROM pipeline.raw_posts) + (SELECT count(*) FROM pipeline.quarantine)");
        Assert.Equal(0L, (long)(await check.ExecuteScalarAsync())!);
    }
}
