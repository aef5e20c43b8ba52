using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Storage;
using Pipeline.Host.Retention;
using Pipeline.Models.Domain;

namespace Pipeline.Host.Tests.Retention;

/// <summary>
/// The retention purge against a real PostgreSQL, with posts stored by the real sink: what goes and what stays, the
/// rollups and drop counts against a fresh aggregate of what stays, <c>forever</c>, and one purge per cluster.
/// </summary>
public sealed class RetentionPurgeTests(PostgresFixture postgres)
{
    private static readonly string[] Companies = ["gtbank", "opay", "access", "zenith"];
    private static readonly DropReason[] Reasons = [DropReason.NotRelevant, DropReason.Spam, DropReason.OwnPost, DropReason.NonEnglish];

    // Posts are dated whole days plus an hour back, so none lies within an hour of a cut-off of whole days.
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private static DateTimeOffset DaysAgo(int days) => Now - TimeSpan.FromDays(days) - TimeSpan.FromHours(1);

    private static RawPost Raw(long id, string? company, DateTimeOffset createdAt) => new(
        new PostId(id), company is null ? null : new CompanyId(company), PostSource.Import, "7", "ada", $"post {id} about {company}", createdAt, 1, 0, 0, 0,
        null, "en", false, false, Now);

    private static CleanedPost Cleaned(long id, string company, DateTimeOffset createdAt) =>
        new(Raw(id, company, createdAt), new CompanyId(company), $"post {id}", $"post {id}", ["post"]);

    /// <summary>Kept posts 1..300 over 60 days, four companies, topics (some none) and scores (some none) of every kind.</summary>
    private static PipelineItem Kept(long id)
    {
        var post = Cleaned(id, Companies[id % 4], DaysAgo((int)(id % 60)));
        var topic = id % 5 == 0 ? null : new TopicAssignment((int)(id % 3), $"Topic {id % 3}", 0.7, "lda-1");
        // Scores 0, 0.1, ..., 1 (the score is positive - negative, mapped to [0, 1]).
        var positive = (id % 11) / 10.0;
        var sentiment = id % 7 == 0 ? null : new SentimentScore((SentimentLabel)(id % 3), 1 - positive, 0, positive, "lexicon-1");
        return new PipelineItem.Scored(new ScoredPost(post, topic, sentiment), $"t.jsonl:{id}");
    }

    /// <summary>Dropped posts 1000..1199 over 20 days; every fifth about none of the companies.</summary>
    private static PipelineItem Dropped(long id) =>
        new PipelineItem.Dropped(Raw(id, id % 5 == 0 ? null : Companies[id % 4], DaysAgo((int)(id % 20))), id % 5 == 0 ? null : new CompanyId(Companies[id % 4]),
            Reasons[id % 4], $"t.jsonl:{id}");

    /// <summary>Kept posts 2000..2009 a scoring stage failed on, 10 or 40 days old, each with its quarantine entry.</summary>
    private static PipelineItem Unscored(long id) => new PipelineItem.Quarantined(
        new QuarantineEntry("sentiment", $"sentiment:t.jsonl:{id}", $"sentiment scoring failed for post {id}", $"post {id}", new PostId(id), new CompanyId("gtbank")),
        Unscored: Cleaned(id, "gtbank", DaysAgo(id % 2 == 0 ? 10 : 40)));

    private static async Task<NpgsqlDataSource> FilledAsync(string connectionString)
    {
        var dataSource = PipelineDataSource.Create(connectionString);
        await new SchemaMigrator(dataSource).MigrateAsync();
        await CompanyCatalog.SyncAsync(dataSource, SyntheticTweets.Companies);
        var store = new PostStore(dataSource);
        // In several batches, as the sink writes them; the quarantine entries then get ages of 0 to 5 days.
        foreach (var chunk in Enumerable.Range(1, 300).Select(i => Kept(i))
                     .Concat(Enumerable.Range(1000, 200).Select(i => Dropped(i)))
                     .Concat(Enumerable.Range(2000, 10).Select(i => Unscored(i)))
                     .Chunk(64))
        {
            await store.WriteAsync(chunk);
        }

        await ExecuteAsync(dataSource, "UPDATE pipeline.quarantine SET quarantined_at = now() - (post_id % 6) * interval '1 day' - interval '1 hour'");
        return dataSource;
    }

    private static async Task<long> CountAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    private static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<List<long>> IdsAsync(NpgsqlDataSource dataSource, string sql)
    {
        var ids = new List<long>();
        await using var command = dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetInt64(0));
        }

        return ids;
    }

    private static RetentionJob Job(NpgsqlDataSource dataSource, RetentionPolicy policy, List<RetentionRun>? audited = null) =>
        new(new RetentionSettings(policy, TimeSpan.FromHours(1), TimeSpan.Zero), dataSource, new RetentionStatus(new RetentionSettings(policy, TimeSpan.FromHours(1), TimeSpan.Zero)),
            NullLogger.Instance, audited is null ? null : (run, _) =>
            {
                audited.Add(run);
                return Task.CompletedTask;
            });

    private static async Task AssertAggregatesMatchAsync(NpgsqlDataSource dataSource)
    {
        Assert.Equal(0, await CountAsync(dataSource, RollupChecks.RollupMismatches));
        Assert.Equal(0, await CountAsync(dataSource, RollupChecks.HourlyMismatches));
        Assert.Equal(0, await CountAsync(dataSource, RollupChecks.MinuteMismatches));
        Assert.Equal(0, await CountAsync(dataSource, RollupChecks.DropCountMismatches));
    }

    [Fact]
    public async Task Purge_removes_exactly_the_rows_past_their_period_and_the_rollups_and_drop_counts_still_equal_a_fresh_aggregate()
    {
        await using var dataSource = await FilledAsync(await postgres.CreateDatabaseAsync());
        await AssertAggregatesMatchAsync(dataSource);
        var audited = new List<RetentionRun>();

        // Batches of 7: many batches per kind, and the last one of each short.
        var run = await Job(dataSource, new RetentionPolicy(TimeSpan.FromDays(30), TimeSpan.FromDays(7), TimeSpan.FromDays(3), 7), audited)
            .RunAsync("node-a", RetentionRun.ScheduleTrigger, TestContext.Current.CancellationToken);

        // Kept: 1..300 are id % 60 days old, so those with id % 60 < 30 stay; the unscored ones of 10 days stay, of 40 go.
        var keptStaying = Enumerable.Range(1, 300).Where(i => i % 60 < 30).Select(i => (long)i).ToList();
        var unscoredStaying = Enumerable.Range(2000, 10).Where(i => i % 2 == 0).Select(i => (long)i).ToList();
        var droppedStaying = Enumerable.Range(1000, 200).Where(i => i % 20 < 7).Select(i => (long)i).ToList();
        Assert.Equal([.. keptStaying, .. unscoredStaying], await IdsAsync(dataSource, "SELECT post_id FROM pipeline.raw_posts WHERE drop_reason IS NULL ORDER BY 1"));
        Assert.Equal(keptStaying, await IdsAsync(dataSource, "SELECT post_id FROM pipeline.scored_posts ORDER BY 1"));
        Assert.Equal(droppedStaying, await IdsAsync(dataSource, "SELECT post_id FROM pipeline.raw_posts WHERE drop_reason IS NOT NULL ORDER BY 1"));
        // Quarantine entries of posts 2000..2009 are post_id % 6 days old: 0, 1 and 2 days stay.
        var quarantineStaying = Enumerable.Range(2000, 10).Where(i => i % 6 < 3).Select(i => (long)i).ToList();
        Assert.Equal(quarantineStaying, await IdsAsync(dataSource, "SELECT post_id FROM pipeline.quarantine ORDER BY 1"));
        await AssertAggregatesMatchAsync(dataSource);
        Assert.Equal(keptStaying.Count, await CountAsync(dataSource, "SELECT sum(posts) FROM reporting.daily_counts"));
        Assert.Equal(keptStaying.Count, await CountAsync(dataSource, "SELECT count(*) FROM reporting.posts"));

        Assert.Equal(RetentionOutcome.Ran, run.Outcome);
        Assert.Equal(new RetentionRemoved(300 - keptStaying.Count + 5, 200 - droppedStaying.Count, 10 - quarantineStaying.Count, run.Removed.Batches), run.Removed);
        Assert.Equal((155 + 6) / 7 + (130 + 6) / 7 + (6 + 6) / 7, run.Removed.Batches);
        Assert.Equal([run], audited);

        // A second run finds nothing left to do.
        var again = await Job(dataSource, new RetentionPolicy(TimeSpan.FromDays(30), TimeSpan.FromDays(7), TimeSpan.FromDays(3), 7))
            .RunAsync("node-a", RetentionRun.ScheduleTrigger, TestContext.Current.CancellationToken);
        Assert.Equal((RetentionOutcome.Ran, 0L), (again.Outcome, again.Removed.Total));
    }

    [Fact]
    public async Task Forever_keeps_every_row_and_a_forever_kind_keeps_its_rows_while_another_is_purged()
    {
        await using var dataSource = await FilledAsync(await postgres.CreateDatabaseAsync());
        const string Everything = """
            SELECT (SELECT count(*) FROM pipeline.raw_posts) * 1000000 + (SELECT count(*) FROM pipeline.scored_posts) * 1000
                 + (SELECT count(*) FROM pipeline.quarantine)
            """;
        var before = await CountAsync(dataSource, Everything);
        var rollupBefore = await CountAsync(dataSource, "SELECT sum(posts) FROM pipeline.daily_rollup");

        var forever = await Job(dataSource, RetentionPolicy.Forever).RunAsync("node-a", RetentionRun.ScheduleTrigger, TestContext.Current.CancellationToken);

        Assert.Equal((RetentionOutcome.Ran, 0L, 0), (forever.Outcome, forever.Removed.Total, forever.Removed.Batches));
        Assert.Equal(before, await CountAsync(dataSource, Everything));
        Assert.Equal(rollupBefore, await CountAsync(dataSource, "SELECT sum(posts) FROM pipeline.daily_rollup"));

        // Dropped posts only: kept posts (however old) and quarantine stay whole.
        var dropped = await Job(dataSource, RetentionPolicy.Forever with { DroppedPosts = TimeSpan.FromDays(1) })
            .RunAsync("node-a", RetentionRun.ScheduleTrigger, TestContext.Current.CancellationToken);
        Assert.Equal(new RetentionRemoved(0, 190, 0, dropped.Removed.Batches), dropped.Removed);
        Assert.Equal(310, await CountAsync(dataSource, "SELECT count(*) FROM pipeline.raw_posts WHERE drop_reason IS NULL"));
        Assert.Equal(10, await CountAsync(dataSource, "SELECT count(*) FROM pipeline.quarantine"));
        Assert.Equal(rollupBefore, await CountAsync(dataSource, "SELECT sum(posts) FROM pipeline.daily_rollup"));
        await AssertAggregatesMatchAsync(dataSource);
    }

    [Fact]
    public async Task Two_nodes_purging_at_once_purge_once_the_second_skips_while_the_first_holds_the_retention_lock()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        await using var dataSource = await FilledAsync(connectionString);
        // The other node's own pool (a data source's ConnectionString has no password).
        await using var other = PipelineDataSource.Create(connectionString);
        var policy = new RetentionPolicy(TimeSpan.FromDays(30), null, null, 10);
        var first = Job(dataSource, policy);
        var second = Job(other, policy);

        // A sink batch holding the (company, day) lock of the oldest gtbank post stops the first node's first batch there.
        await using var sinkBatch = await dataSource.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await using var transaction = await sinkBatch.BeginTransactionAsync(TestContext.Current.CancellationToken);
        await using (var hold = new NpgsqlCommand("""
            SELECT pg_advisory_xact_lock(1919904876, hashtext(company_id || '/' || (created_at AT TIME ZONE 'UTC')::date))
            FROM pipeline.scored_posts ORDER BY created_at LIMIT 1
            """, sinkBatch, transaction))
        {
            await hold.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        var running = first.RunAsync("node-a", RetentionRun.ScheduleTrigger, TestContext.Current.CancellationToken);
        await Eventually.TrueAsync("the first node's purge waits for the sink batch's rollup lock",
            async () => await CountAsync(other, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted") == 1, TimeSpan.FromSeconds(30));

        var skipped = await second.RunAsync("node-b", RetentionRun.ScheduleTrigger, TestContext.Current.CancellationToken);
        Assert.Equal((RetentionOutcome.SkippedLocked, 0L), (skipped.Outcome, skipped.Removed.Total));
        Assert.Equal(310, await CountAsync(other, "SELECT count(*) FROM pipeline.raw_posts WHERE drop_reason IS NULL"));

        await transaction.CommitAsync(TestContext.Current.CancellationToken);
        var ran = await running;
        Assert.Equal((RetentionOutcome.Ran, 155L), (ran.Outcome, ran.Removed.KeptPosts));
        Assert.Equal(310 - 155, await CountAsync(other, "SELECT count(*) FROM pipeline.raw_posts WHERE drop_reason IS NULL"));
        await AssertAggregatesMatchAsync(dataSource);
    }
}
