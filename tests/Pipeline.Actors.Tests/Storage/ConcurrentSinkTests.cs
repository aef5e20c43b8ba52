using Npgsql;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Storage;
using Pipeline.Actors.Tests.Support;
using Pipeline.Models.Domain;
using Pipeline.Tests.Shared;

namespace Pipeline.Actors.Tests.Storage;

/// <summary>
/// Several nodes' sinks writing to one database at once (issue 12): after a node dies its scrapers restart elsewhere
/// and fetch the same pages again, so the same post ids arrive from several sinks in different orders, and every
/// batch touches the same rollup rows (day × company × topic × sentiment). Each sink here has its own data source,
/// as a node has.
/// </summary>
public sealed class ConcurrentSinkTests(PostgresFixture postgres)
{
    private const int Nodes = 4;
    private const int LanesPerNode = 2; // SinkSettings.Parallelism's default: batches in flight per node
    private const int Rounds = 6;
    private const int NewPostsPerRound = 1_200;

    private const string NodeApplication = "pipeline-node";

    private static readonly string[] Companies = ["gtbank", "opay", "kuda"];
    private static readonly DateTimeOffset FirstDay = new(2024, 3, 4, 0, 0, 0, TimeSpan.Zero);

    /// <summary>What every node sends for post <paramref name="id"/> in <paramref name="round"/>: the same for all nodes.</summary>
    private static PipelineItem Item(long id, int round)
    {
        var company = Companies[id % Companies.Length];
        var raw = new RawPost(new PostId(id), new CompanyId(company), PostSource.Nitter, "7", "ada", $"@{company} post {id}",
            FirstDay.AddHours(id % 53), (int)(id % 5) + round, 0, 0, 0, null, "en", false, false, FirstDay.AddDays(10));
        if (id % 17 == 0)
        {
            return new PipelineItem.Dropped(raw, new CompanyId(company), DropReason.Spam, $"node:{id}");
        }

        // A third of the posts get new scores every round (a model reload, a rescore after the failover); the rest
        // keep the scores they were first given.
        var version = id % 3 == 0 ? round : 0;
        var topic = (int)((id + version) % 5);
        var label = (SentimentLabel)((id / 5 + version) % 3);
        var (negative, neutral, positive) = label switch
        {
            SentimentLabel.Negative => (0.7, 0.2, 0.1),
            SentimentLabel.Neutral => (0.2, 0.6, 0.2),
            _ => (0.05, 0.15, 0.8),
        };
        var text = $"{company} post {id}";
        return new PipelineItem.Scored(new ScoredPost(
            new CleanedPost(raw, new CompanyId(company), text, text, ["post"]),
            new TopicAssignment(topic, $"Topic {topic}", 0.5, "lda-1"),
            new SentimentScore(label, negative, neutral, positive, $"sent-{version}")), $"node:{id}");
    }

    // The rollup against a fresh aggregate of scored_posts, either way round (as RollupTriggerTests).
    private const string RollupMismatches = """
        WITH fresh AS (
            SELECT (created_at AT TIME ZONE 'UTC')::date, company_id, topic_id, topic_model_version, topic_label, sentiment_label,
                   count(*), count(sentiment_score), round(coalesce(sum(sentiment_score::float8), 0)::numeric, 4)
            FROM pipeline.scored_posts GROUP BY 1, 2, 3, 4, 5, 6),
        kept AS (
            SELECT day, company_id, topic_id, topic_model_version, topic_label, sentiment_label, posts, scored, round(score_sum::numeric, 4)
            FROM pipeline.daily_rollup)
        SELECT count(*) FROM ((TABLE fresh EXCEPT ALL TABLE kept) UNION ALL (TABLE kept EXCEPT ALL TABLE fresh)) g
        """;

    [Fact(Timeout = 120_000)]
    public async Task Sinks_of_several_nodes_upserting_the_same_posts_in_any_order_never_deadlock_and_keep_the_rollup_exact()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await TestDatabase.CreateAsync(postgres);
        var settings = SinkSettings.Default with { MinBackoff = TimeSpan.FromMilliseconds(10), MaxBackoff = TimeSpan.FromMilliseconds(100) };
        var nodes = Enumerable.Range(0, Nodes).Select(_ =>
        {
            var dataSource = PipelineDataSource.Create(new NpgsqlConnectionStringBuilder(database.ConnectionString) { ApplicationName = NodeApplication }.ConnectionString);
            var counters = new PipelineCounters();
            return (DataSource: dataSource, Counters: counters, Sink: new PostgresSink(new PostStore(dataSource), settings, counters));
        }).ToList();
        var deadlocksBefore = await DeadlocksAsync(database);

        var random = new Random(12);
        var lastSent = new Dictionary<long, int>();
        for (var round = 1; round <= Rounds; round++)
        {
            // Every round's batches mix posts stored before (updates) with new ones (inserts), in each node's own order
            // and batch sizes. In odd rounds every node replays most of what exists so far plus the new posts (a
            // failover: the same pages fetched again), so concurrent batches share posts; in even rounds the posts are
            // shared out (each node's scrapers fetch their own pages), so concurrent batches share no post but all
            // the rollup rows.
            var known = round * NewPostsPerRound;
            var owner = Enumerable.Range(0, known + 1).Select(_ => random.Next(Nodes)).ToArray();
            var work = new List<Task>();
            foreach (var (node, index) in nodes.Select((n, i) => (n, i)))
            {
                var ids = Enumerable.Range(1, known).Select(i => (long)i)
                    .Where(i => round % 2 == 0 ? owner[i] == index : i > known - NewPostsPerRound || random.NextDouble() < 0.6)
                    .ToArray();
                random.Shuffle(ids);
                foreach (var id in ids)
                {
                    lastSent[id] = round;
                }

                var batches = new List<PipelineItem[]>();
                for (var start = 0; start < ids.Length;)
                {
                    var size = random.Next(40, 260);
                    var batch = ids.Skip(start).Take(size).Select(id => Item(id, round)).ToList();
                    // A page fetched twice in one batch.
                    batch.Add(batch[random.Next(batch.Count)]);
                    batches.Add([.. batch]);
                    start += size;
                }

                for (var lane = 0; lane < LanesPerNode; lane++)
                {
                    var mine = batches.Where((_, i) => i % LanesPerNode == lane).ToList();
                    work.Add(Task.Run(async () =>
                    {
                        foreach (var batch in mine)
                        {
                            await node.Sink.CommitAsync(batch, ct);
                        }
                    }, ct));
                }
            }

            await Task.WhenAll(work);
        }

        foreach (var node in nodes)
        {
            await node.DataSource.DisposeAsync();
        }

        Assert.Empty(await database.QuarantineAsync());
        Assert.All(nodes, node => Assert.Equal(0, node.Counters.Quarantined));
        // A deadlock would be retried (and the rows stored all the same); the lock order means there is none to retry.
        var deadlocks = await DeadlocksAsync(database) - deadlocksBefore;
        Assert.True(deadlocks == 0, $"PostgreSQL detected {deadlocks} deadlocks");
        Assert.Equal(0, nodes.Sum(node => node.Counters.SinkRetries));

        // Each post once, with the scores of the last round that sent it, and the rollup equal to a fresh aggregate.
        var total = Rounds * NewPostsPerRound;
        Assert.Equal(total, await database.CountAsync("SELECT count(*) FROM pipeline.raw_posts"));
        var expectedKept = Enumerable.Range(1, total).Count(i => i % 17 != 0);
        Assert.Equal(expectedKept, await database.CountAsync("SELECT count(*) FROM pipeline.scored_posts"));
        var wrong = new List<string>();
        foreach (var row in await database.RowsAsync(
                     "SELECT post_id, topic_id, sentiment_label, sentiment_model_version, sentiment_score FROM pipeline.scored_posts"))
        {
            var id = (long)row[0]!;
            var expected = (PipelineItem.Scored)Item(id, lastSent[id]);
            var (topic, sentiment) = (expected.Post.Topic!, expected.Post.Sentiment!);
            if ((int)row[1]! != topic.TopicId || (string)row[2]! != sentiment.Label.ToString().ToLowerInvariant()
                || (string)row[3]! != sentiment.ModelVersion || Math.Abs((float)row[4]! - sentiment.Score) > 1e-6)
            {
                wrong.Add($"{id}: {string.Join(", ", row)}");
            }
        }

        Assert.Empty(wrong);
        Assert.Equal(total - expectedKept, await database.CountAsync("SELECT coalesce(sum(posts), 0) FROM pipeline.drop_counts"));
        Assert.Equal(0, await database.CountAsync(RollupMismatches));
        Assert.Equal(expectedKept, await database.CountAsync("SELECT sum(posts) FROM pipeline.daily_rollup"));
    }

    [Theory]
    [InlineData("40P01")] // deadlock_detected
    [InlineData("40001")] // serialization_failure
    [InlineData("55P03")] // lock_not_available
    public void A_batch_that_lost_to_a_concurrent_transaction_is_retried_not_split_into_quarantine(string sqlState)
    {
        var conflict = new PostgresException("conflict", "ERROR", "ERROR", sqlState);

        Assert.True(PostgresSink.IsTransient(conflict));
        Assert.False(PostgresSink.IsRowError(conflict));
    }

    /// <summary>
    /// Deadlocks PostgreSQL detected in this database: counted by the backend that got the error, and published when it
    /// exits, so this waits until the nodes' connections are gone.
    /// </summary>
    private static async Task<long> DeadlocksAsync(TestDatabase database)
    {
        await Eventually.TrueAsync("the nodes' connections closed", async () => await database.CountAsync(
            $"SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = '{NodeApplication}'") == 0,
            TimeSpan.FromSeconds(20));
        await using var connection = await database.DataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(
            "SELECT pg_stat_clear_snapshot(); SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.NextResultAsync();
        await reader.ReadAsync();
        return reader.GetInt64(0);
    }
}
