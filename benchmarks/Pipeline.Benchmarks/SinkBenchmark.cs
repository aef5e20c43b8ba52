using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Npgsql;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Storage;
using Pipeline.Models.Cleaning;
using Pipeline.Models.Domain;
using Pipeline.Postgres;
using Pipeline.Tests.Shared;

namespace Pipeline.Benchmarks;

/// <summary>
/// Our sink (batched binary COPY + upsert, raw and scored tables) against psql's \copy of the
/// same rows into empty tables of the same shape and indexes, in the same run on the same server.
/// </summary>
public static class SinkBenchmark
{
    public static async Task RunAsync(int rows, int batchSize, int parallelism, bool v004Indexes = false, bool v004Trigger = false)
    {
        // Earlier schemas timed in the same rounds as the current one: (name, run the sink on that schema).
        var earlier = new List<(string Name, string Current, Func<Postgres, Func<Task<double>>, Task<double>> Run)>();
        if (v004Indexes)
        {
            earlier.Add((V004Name, "V005's indexes", WithV004IndexesAsync));
        }

        if (v004Trigger)
        {
            earlier.Add((V004TriggerName, "V006's trigger", WithV004TriggerAsync));
        }

        using var system = ActorSystem.Create("bench", "akka.loglevel = WARNING");
        var materializer = system.Materializer();
        await using var postgres = await Postgres.StartAsync();
        var items = BuildItems(rows);
        var kept = items.Count(i => i is PipelineItem.Scored);
        Console.WriteLine($"{rows:N0} rows ({kept:N0} kept → raw + scored tables, {rows - kept:N0} dropped → raw table only), " +
            $"batch {batchSize:N0}, {parallelism} parallel commits");

        var csv = Path.Combine(Path.GetTempPath(), $"pipeline-bench-{Environment.ProcessId}.csv");
        var scoredCsv = Path.Combine(Path.GetTempPath(), $"pipeline-bench-{Environment.ProcessId}-scored.csv");
        await WriteCsvAsync(csv, items);
        await WriteScoredCsvAsync(scoredCsv, items);
        try
        {
            var results = new List<(string Name, double Seconds)>();
            for (var round = 1; round <= 3; round++)
            {
                var raw = await PsqlCopyAsync(postgres, "raw_posts", RawColumns, csv);
                results.Add(("psql \\copy, raw rows only", raw));
                results.Add(("psql \\copy, raw + scored rows", raw + await PsqlCopyAsync(postgres, "scored_posts", ScoredColumns, scoredCsv)));
                var sink = () => SinkAsync(postgres, items, batchSize, parallelism, materializer);
                // Same round, same server, order swapped every round: a schema's gain is not lost in the machine's noise.
                // The first round pays for warming up (JIT, pool, staging tables); the current schema takes that cost.
                foreach (var (name, _, run) in round % 2 == 0 ? earlier : [])
                {
                    results.Add((name, await run(postgres, sink)));
                }

                results.Add(("sink (raw + scored, upsert)", await sink()));
                results.Add(("sink replay (all already stored)", await SinkAsync(postgres, items, batchSize, parallelism, materializer, fresh: false)));
                foreach (var (name, _, run) in round % 2 == 1 ? earlier : [])
                {
                    results.Add((name, await run(postgres, sink)));
                }
            }

            Console.WriteLine();
            Console.WriteLine($"{"what",-36} {"best s",8} {"rows/s",12} {"vs \\copy",9}");
            // The fair reference stores what the sink stores: both tables.
            var reference = results.Where(r => r.Name == "psql \\copy, raw + scored rows").Min(r => r.Seconds);
            foreach (var group in results.GroupBy(r => r.Name))
            {
                var best = group.Min(r => r.Seconds);
                Console.WriteLine($"{group.Key,-36} {best,8:0.00} {rows / best,12:N0} {reference / best,9:0.00}");
            }

            foreach (var (name, current, _) in earlier)
            {
                var now = results.Where(r => r.Name == "sink (raw + scored, upsert)").Select(r => r.Seconds).ToList();
                var before = results.Where(r => r.Name == name).Select(r => r.Seconds).ToList();
                Console.WriteLine();
                Console.WriteLine($"per round, sink time with {current} / {name["sink, ".Length..]}: " +
                    string.Join(", ", now.Zip(before, (a, b) => $"{a:0.00} / {b:0.00} s = {a / b:0.00}")));
            }
        }
        finally
        {
            File.Delete(csv);
            File.Delete(scoredCsv);
        }
    }

    private const string V004Name = "sink, V004's post indexes";

    /// <summary>Runs <paramref name="sink"/> with the post-table indexes as V001–V004 left them, then puts V005's back.</summary>
    private static Task<double> WithV004IndexesAsync(Postgres postgres, Func<Task<double>> sink) =>
        WithEarlierSchemaAsync(postgres, sink, """
            CREATE INDEX scored_posts_created_cover ON pipeline.scored_posts (created_at)
                INCLUDE (company_id, topic_id, topic_label, sentiment_label, sentiment_score);
            CREATE INDEX scored_posts_company_created ON pipeline.scored_posts (company_id, created_at)
                INCLUDE (topic_id, topic_label, sentiment_label, sentiment_score);
            CREATE INDEX raw_posts_company_created ON pipeline.raw_posts (company_id, created_at);
            CREATE INDEX raw_posts_dropped ON pipeline.raw_posts (drop_reason, company_id) WHERE drop_reason IS NOT NULL;
            """, restoredBy: 5);

    private const string V004TriggerName = "sink, V004's rollup trigger";

    /// <summary>
    /// Runs <paramref name="sink"/> with the rollup trigger function as V004 wrote it (a SQL state function per
    /// row), then puts V006's back. The function is cut out of V004's script, so the reference is the shipped text.
    /// </summary>
    private static Task<double> WithV004TriggerAsync(Postgres postgres, Func<Task<double>> sink)
    {
        const string start = "CREATE FUNCTION pipeline.apply_rollup_delta()";
        var v004 = SchemaMigrator.Shipped.Single(m => m.Version == 4).Sql;
        var from = v004.IndexOf(start, StringComparison.Ordinal);
        var to = v004.IndexOf("$$;", v004.IndexOf("AS $$", from, StringComparison.Ordinal) + 5, StringComparison.Ordinal) + 3;
        return WithEarlierSchemaAsync(postgres, sink, "CREATE OR REPLACE" + v004[(from + "CREATE".Length)..to], restoredBy: 6);
    }

    /// <summary>Empties the post tables, applies <paramref name="earlier"/>, runs <paramref name="sink"/>, then re-applies migration <paramref name="restoredBy"/>.</summary>
    private static async Task<double> WithEarlierSchemaAsync(Postgres postgres, Func<Task<double>> sink, string earlier, int restoredBy)
    {
        const string empty = "TRUNCATE pipeline.scored_posts, pipeline.raw_posts; ";
        await using (var before = postgres.DataSource.CreateCommand(empty + earlier))
        {
            await before.ExecuteNonQueryAsync();
        }

        var seconds = await sink();
        await using (var after = postgres.DataSource.CreateCommand(empty + SchemaMigrator.Shipped.Single(m => m.Version == restoredBy).Sql))
        {
            await after.ExecuteNonQueryAsync();
        }

        return seconds;
    }

    internal static List<PipelineItem> BuildItems(int rows)
    {
        var cleaner = new PostCleaner(CleaningPolicy.Default with { DuplicateWindow = 1 }, new CompanyDirectory(SyntheticTweets.Companies));
        var fetched = DateTimeOffset.UtcNow;
        return SyntheticTweets.Generate(rows)
            .Select((row, i) => new RawPost(new PostId(5_000_000_000 + i), row.Company is null ? null : new CompanyId(row.Company),
                PostSource.Import, "1", row.Author, row.Text, row.CreatedAt, row.Likes, row.Retweets, 0, 0, null, row.Lang,
                row.IsRetweet, false, fetched))
            .Select(raw => cleaner.Clean(raw) switch
            {
                CleaningOutcome.Kept k => (PipelineItem)new PipelineItem.Scored(new ScoredPost(k.Post), "bench"),
                CleaningOutcome.Dropped d => new PipelineItem.Dropped(d.Post, d.Company, d.Reason, "bench"),
                _ => throw new UnreachableException(),
            })
            .ToList();
    }

    private static async Task<double> SinkAsync(
        Postgres postgres, List<PipelineItem> items, int batchSize, int parallelism, IMaterializer materializer, bool fresh = true)
    {
        var dataSource = postgres.DataSource;
        if (fresh)
        {
            await using var truncate = dataSource.CreateCommand(
                "TRUNCATE pipeline.scored_posts, pipeline.raw_posts, pipeline.drop_counts, pipeline.quarantine");
            await truncate.ExecuteNonQueryAsync();
        }

        // Through the graph's own commit stage, so batching and parallel commits are what the service does.
        var settings = SinkSettings.Default with { BatchSize = batchSize, Parallelism = parallelism };
        var sink = new PostgresSink(new PostStore(dataSource), settings, new PipelineCounters());
        var stopwatch = Stopwatch.StartNew();
        await Source.From(items).CommitTo(sink, settings).RunWith(Sink.Ignore<BatchCommitted>(), materializer);
        return stopwatch.Elapsed.TotalSeconds;
    }

    private const string RawColumns = "post_id, company_id, source, author_id, author_handle, text, created_at, likes, retweets, " +
        "replies, quotes, url, lang, is_retweet, is_reply, fetched_at, drop_reason";

    private const string ScoredColumns = "post_id, company_id, created_at, clean_text, sentiment_text, topic_tokens";

    private static async Task<double> PsqlCopyAsync(Postgres postgres, string table, string columns, string csv)
    {
        await using (var reset = postgres.DataSource.CreateCommand(
            $"DROP TABLE IF EXISTS bench_{table}; CREATE TABLE bench_{table} (LIKE pipeline.{table} INCLUDING ALL)"))
        {
            await reset.ExecuteNonQueryAsync();
        }

        var builder = new NpgsqlConnectionStringBuilder(postgres.ConnectionString);
        var psql = Path.Combine(LocalPostgres.FindBinDirectory() ?? "/usr/bin", "psql");
        var start = new ProcessStartInfo(File.Exists(psql) ? psql : "psql")
        {
            ArgumentList =
            {
                "-h", builder.Host!, "-p", builder.Port.ToString(CultureInfo.InvariantCulture), "-U", builder.Username!,
                "-d", builder.Database!, "-v", "ON_ERROR_STOP=1", "-c",
                $"\\copy bench_{table} ({columns}) FROM '{csv}' WITH (FORMAT csv)",
            },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        // The embedded cluster requires its password; psql takes it from the environment, never the command line.
        if (!string.IsNullOrEmpty(builder.Password))
            start.Environment["PGPASSWORD"] = builder.Password;
        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException("psql \\copy failed: " + error);
        }

        return stopwatch.Elapsed.TotalSeconds;
    }

    private static async Task WriteScoredCsvAsync(string path, List<PipelineItem> items)
    {
        await using var writer = new StreamWriter(path);
        foreach (var scored in items.OfType<PipelineItem.Scored>())
        {
            var post = scored.Post.Post;
            var tokens = "{" + string.Join(',', post.TopicTokens.Select(t => "\"\"" + t + "\"\"")) + "}";
            await writer.WriteLineAsync(string.Join(',',
                post.Raw.Id.Value.ToString(CultureInfo.InvariantCulture), post.Company.Value,
                post.Raw.CreatedAt.ToString("O", CultureInfo.InvariantCulture),
                SyntheticTweets.Quote(post.Text), SyntheticTweets.Quote(post.SentimentText), "\"" + tokens + "\""));
        }
    }

    private static async Task WriteCsvAsync(string path, List<PipelineItem> items)
    {
        await using var writer = new StreamWriter(path);
        foreach (var item in items)
        {
            var (raw, company, reason) = item switch
            {
                PipelineItem.Scored s => (s.Post.Post.Raw, s.Post.Post.Company.Value, ""),
                PipelineItem.Dropped d => (d.Post, d.Company?.Value ?? "", d.Reason.ToSnakeCase()),
                _ => throw new UnreachableException(),
            };
            if (reason == "duplicate_id")
            {
                continue;
            }

            await writer.WriteLineAsync(string.Join(',',
                raw.Id.Value.ToString(CultureInfo.InvariantCulture), company, "import", raw.AuthorId, raw.AuthorHandle,
                SyntheticTweets.Quote(raw.Text), raw.CreatedAt.ToString("O", CultureInfo.InvariantCulture),
                raw.Likes, raw.Retweets, raw.Replies, raw.Quotes, "", raw.Lang, raw.IsRetweet, raw.IsReply,
                raw.FetchedAt.ToString("O", CultureInfo.InvariantCulture), reason));
        }
    }
}
