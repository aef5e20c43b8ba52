using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using Pipeline.Host.Dashboard;
using Pipeline.Tests.Shared;

using static Pipeline.Benchmarks.Measure;

namespace Pipeline.Benchmarks;

/// <summary>
/// Every dashboard query at a realistic size (default a million stored posts over a year, plus the
/// dropped ones), unfiltered and filtered, against the cheapest question one can ask of the same
/// view in the same run: <c>SELECT count(*) FROM reporting.posts</c>.
/// </summary>
public static class DashboardBenchmark
{
    private static readonly string[] Topics =
    [
        "Failed transfers and reversals", "App and login problems", "Card and ATM issues", "Charges and fees",
        "Customer care", "Fraud and security", "Account opening", "USSD and airtime", "POS and agents", "Praise",
    ];

    public static async Task RunAsync(int posts, int runs)
    {
        await using var postgres = await Postgres.StartAsync();
        var load = Stopwatch.StartNew();
        var (kept, dropped) = await LoadAsync(postgres.DataSource, posts);
        await ExecuteAsync(postgres.DataSource, "VACUUM ANALYZE");
        Console.WriteLine($"Loaded {kept:N0} stored + {dropped:N0} dropped posts in {load.Elapsed.TotalSeconds:0.0} s (binary COPY, then VACUUM ANALYZE)");

        var queries = new DashboardQueries(postgres.DataSource, NullLogger<DashboardQueries>.Instance);
        var lastDay = DateOnly.FromDateTime(Start.AddSeconds(SecondsBetweenPosts * (posts - 1)).UtcDateTime);
        var filters = new (string Name, DashboardFilter Filter)[]
        {
            ("no filter", DashboardFilter.None),
            ("company", new DashboardFilter(Company: "gtbank")),
            ("company + 90 days", new DashboardFilter(Company: "gtbank", From: lastDay.AddDays(-90), To: lastDay)),
            ("topic", new DashboardFilter(Topic: 3)),
            ("30 days", new DashboardFilter(From: lastDay.AddDays(-30), To: lastDay)),
        };

        var results = new List<(string Query, string Filter, double Ms)>
        {
            ("reference: count(*) reporting.posts", "no filter",
                await MedianAsync(runs, () => ExecuteAsync(postgres.DataSource, "SELECT count(*) FROM reporting.posts"))),
            ("options", "no filter", await MedianAsync(runs, () => queries.OptionsAsync(5000, 25))),
        };
        foreach (var (name, filter) in filters)
        {
            results.Add(("topics", name, await MedianAsync(runs, () => queries.TopicDistributionAsync(filter))));
            results.Add(("sentiment-histogram", name, await MedianAsync(runs, () => queries.SentimentHistogramAsync(filter))));
            results.Add(("weekly-topics", name, await MedianAsync(runs, () => queries.WeeklyTopicsAsync(filter))));
            results.Add(("company-sentiment", name, await MedianAsync(runs, () => queries.CompanySentimentAsync(filter))));
            results.Add(("funnel", name, await MedianAsync(runs, () => queries.FunnelAsync(filter))));
            results.Add(("feed (25 newest)", name, await MedianAsync(runs, () => queries.LatestPostsAsync(filter, 25))));
        }

        var reference = results[0].Ms;
        Console.WriteLine();
        Console.WriteLine($"{"query",-36} {"filter",-18} {"p50 ms",8} {"vs ref",7}");
        foreach (var (query, filter, ms) in results)
        {
            Console.WriteLine($"{query,-36} {filter,-18} {ms,8:0.0} {ms / reference,7:0.00}");
        }

        // One page refresh asks every chart question at once (options only every 12th time).
        Console.WriteLine();
        Console.WriteLine($"one unfiltered page refresh (5 charts + feed, sequential): " +
            $"{results.Where(r => r.Filter == "no filter" && r.Query is not "options" && !r.Query.StartsWith("reference", StringComparison.Ordinal)).Sum(r => r.Ms):0} ms");
    }

    /// <summary>
    /// Which index each reader and writer of the post tables uses, on the same data: every dashboard query
    /// (each filter), the reporting views as Tableau reads them, <c>train-topics --from-database</c>, and a
    /// sink batch (new posts, then the same batch replayed), each run once under auto_explain (ANALYZE,
    /// BUFFERS, nested statements so the rollup trigger's upsert shows too), with the index scans it caused.
    /// </summary>
    public static async Task ExplainAsync(int posts)
    {
        await using var postgres = await Postgres.StartAsync(new Dictionary<string, string>
        {
            ["session_preload_libraries"] = "auto_explain",
            ["auto_explain.log_analyze"] = "on",
            ["auto_explain.log_buffers"] = "on",
            ["auto_explain.log_nested_statements"] = "on",
        });
        var (kept, dropped) = await LoadAsync(postgres.DataSource, posts);
        await ExecuteAsync(postgres.DataSource, "VACUUM ANALYZE");
        Console.WriteLine($"Loaded {kept:N0} stored + {dropped:N0} dropped posts");
        Console.WriteLine();
        Console.WriteLine("Indexes on the post tables:");
        foreach (var (name, size) in await RowsAsync(postgres.DataSource,
                     "SELECT indexrelid::regclass::text, pg_size_pretty(pg_relation_size(indexrelid)) FROM pg_stat_user_indexes " +
                     "WHERE relname IN ('raw_posts', 'scored_posts') ORDER BY 1"))
        {
            Console.WriteLine($"  {name,-45} {size}");
        }

        // Plans go to the server log from here on; one connection, so its index statistics can be flushed on demand.
        var connection = new NpgsqlConnectionStringBuilder(postgres.ConnectionString) { MaxPoolSize = 1 };
        await ExecuteAsync(postgres.DataSource, $"ALTER ROLE CURRENT_USER IN DATABASE {connection.Database} SET auto_explain.log_min_duration = 0");
        var builder = new NpgsqlDataSourceBuilder(connection.ConnectionString);
        await using var explained = builder.Build();
        var queries = new DashboardQueries(explained, NullLogger<DashboardQueries>.Instance);
        var lastDay = DateOnly.FromDateTime(Start.AddSeconds(SecondsBetweenPosts * (posts - 1)).UtcDateTime);
        var steps = new List<(string Name, Func<Task> Run)>
        {
            ("dashboard options", () => queries.OptionsAsync(5000, 25)),
        };
        foreach (var (name, filter) in new (string, DashboardFilter)[]
                 {
                     ("no filter", DashboardFilter.None),
                     ("company", new DashboardFilter(Company: "gtbank")),
                     ("company + 90 days", new DashboardFilter(Company: "gtbank", From: lastDay.AddDays(-90), To: lastDay)),
                     ("topic", new DashboardFilter(Topic: 3)),
                     ("30 days", new DashboardFilter(From: lastDay.AddDays(-30), To: lastDay)),
                 })
        {
            steps.Add(($"dashboard topics, {name}", () => queries.TopicDistributionAsync(filter)));
            steps.Add(($"dashboard sentiment histogram, {name}", () => queries.SentimentHistogramAsync(filter)));
            steps.Add(($"dashboard weekly topics, {name}", () => queries.WeeklyTopicsAsync(filter)));
            steps.Add(($"dashboard company sentiment, {name}", () => queries.CompanySentimentAsync(filter)));
            steps.Add(($"dashboard funnel, {name}", () => queries.FunnelAsync(filter)));
            steps.Add(($"dashboard feed, {name}", () => queries.LatestPostsAsync(filter, 25)));
        }

        var from = lastDay.AddDays(-30).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        foreach (var sql in new[]
                 {
                     "SELECT count(*) FROM reporting.weekly_counts",
                     "SELECT count(*) FROM reporting.daily_sentiment_bins",
                     $"SELECT count(*), avg(sentiment_score) FROM reporting.posts WHERE company_id = 'gtbank' AND day >= '{from}'",
                     $"SELECT count(*), avg(sentiment_score) FROM reporting.posts WHERE created_at >= '{from}'",
                     "SELECT topic_label, sentiment_label, count(*) FROM reporting.posts GROUP BY 1, 2",
                 })
        {
            steps.Add(("tableau: " + sql, () => ExecuteAsync(explained, sql)));
        }

        steps.Add(("train-topics --from-database", async () =>
        {
            await foreach (var _ in Pipeline.Actors.Storage.TrainingTexts.ReadKeptAsync(explained))
            {
            }
        }));
        var batch = SinkBenchmark.BuildItems(2_000);
        var store = new Pipeline.Actors.Storage.PostStore(explained);
        steps.Add(("sink batch of 2,000 new posts", () => store.WriteAsync(batch)));
        steps.Add(("sink batch replayed (all stored)", () => store.WriteAsync(batch)));

        foreach (var (name, run) in steps)
        {
            var before = await IndexScansAsync(postgres.DataSource);
            var logStart = new FileInfo(postgres.LogFile).Length;
            await run();
            // auto_explain writes a plan before the statement's result reaches us, so the log is complete here.
            var logEnd = new FileInfo(postgres.LogFile).Length;
            await ExecuteAsync(explained, "SELECT pg_stat_force_next_flush()");
            var after = await IndexScansAsync(postgres.DataSource);
            var used = after.Where(a => a.Value > before.GetValueOrDefault(a.Key))
                .Select(a => $"{a.Key} x{a.Value - before.GetValueOrDefault(a.Key)}").ToList();
            Console.WriteLine();
            Console.WriteLine($"=== {name}");
            Console.WriteLine($"index scans: {(used.Count == 0 ? "none" : string.Join(", ", used))}");
            await using var log = new FileStream(postgres.LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            log.Seek(logStart, SeekOrigin.Begin);
            var bytes = new byte[logEnd - logStart];
            await log.ReadExactlyAsync(bytes);
            Console.WriteLine(System.Text.Encoding.UTF8.GetString(bytes).TrimEnd());
        }
    }

    private static async Task<Dictionary<string, long>> IndexScansAsync(NpgsqlDataSource dataSource) =>
        (await RowsAsync(dataSource, "SELECT indexrelid::regclass::text, idx_scan::text FROM pg_stat_user_indexes WHERE schemaname = 'pipeline'"))
        .ToDictionary(r => r.Item1, r => long.Parse(r.Item2, CultureInfo.InvariantCulture));

    private static async Task<List<(string, string)>> RowsAsync(NpgsqlDataSource dataSource, string sql)
    {
        var rows = new List<(string, string)>();
        await using var command = dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetString(1)));
        }

        return rows;
    }

    private static readonly DateTimeOffset Start = new(2023, 1, 2, 0, 0, 0, TimeSpan.Zero);

    // A year for a million posts: about as dense as the original's bank tweets.
    private const double SecondsBetweenPosts = 31.5;

    internal static async Task<(long Kept, long Dropped)> LoadAsync(NpgsqlDataSource dataSource, int posts)
    {
        var random = new Random(2023);
        var drops = new Dictionary<(string Company, DateOnly Day, string Reason), long>();
        long kept = 0, dropped = 0;
        var fetched = DateTime.UtcNow;
        await using var connection = await dataSource.OpenConnectionAsync();
        await using (var raw = await connection.BeginBinaryImportAsync(
            "COPY pipeline.raw_posts (post_id, company_id, source, author_handle, text, created_at, likes, retweets, fetched_at, drop_reason) FROM STDIN (FORMAT BINARY)"))
        await using (var scoredConnection = await dataSource.OpenConnectionAsync())
        await using (var scored = await scoredConnection.BeginBinaryImportAsync(
            "COPY pipeline.scored_posts (post_id, company_id, created_at, clean_text, sentiment_text, topic_id, topic_label, topic_confidence, " +
            "topic_model_version, sentiment_label, p_negative, p_neutral, p_positive, sentiment_score, sentiment_model_version, scored_at) " +
            "FROM STDIN (FORMAT BINARY)"))
        {
            // One COPY of a million rows: the rollup trigger then aggregates them all at the end.
            scored.Timeout = TimeSpan.FromMinutes(30);
            raw.Timeout = TimeSpan.FromMinutes(30);
            var i = 0L;
            foreach (var row in SyntheticTweets.Generate(int.MaxValue, seed: 11))
            {
                if (kept >= posts)
                {
                    break;
                }

                if (row.Company is null)
                {
                    continue;
                }

                var id = 1_610_000_000_000_000_000 + i * 1000 + random.Next(1000);
                var created = Start.AddSeconds(SecondsBetweenPosts * kept + random.Next(30)).UtcDateTime;
                var reason = row.Expected is { } r && r != Pipeline.Models.Domain.DropReason.DuplicateId
                    ? Pipeline.Models.Domain.DropReasonNames.ToSnakeCase(r) : null;
                i++;
                if (row.Expected is Pipeline.Models.Domain.DropReason.DuplicateId)
                {
                    continue;
                }

                await raw.StartRowAsync();
                raw.Write(id, NpgsqlDbType.Bigint);
                raw.Write(row.Company!, NpgsqlDbType.Text);
                raw.Write("import", NpgsqlDbType.Text);
                raw.Write(row.Author, NpgsqlDbType.Text);
                raw.Write(row.Text, NpgsqlDbType.Text);
                raw.Write(created, NpgsqlDbType.TimestampTz);
                raw.Write(row.Likes, NpgsqlDbType.Integer);
                raw.Write(row.Retweets, NpgsqlDbType.Integer);
                raw.Write(fetched, NpgsqlDbType.TimestampTz);
                if (reason is not null)
                {
                    raw.Write(reason, NpgsqlDbType.Text);
                    var key = (row.Company!, DateOnly.FromDateTime(created), reason);
                    drops[key] = drops.GetValueOrDefault(key) + 1;
                    dropped++;
                    continue;
                }

                raw.WriteNull();
                WriteScored(scored, random, id, row, created);
                kept++;
            }

            await scored.CompleteAsync();
            await raw.CompleteAsync();
        }

        await using var counts = await connection.BeginBinaryImportAsync("COPY pipeline.drop_counts (company_id, day, reason, posts) FROM STDIN (FORMAT BINARY)");
        foreach (var ((company, day, reason), n) in drops)
        {
            await counts.WriteRowAsync(default, company, day, reason, n);
        }

        await counts.CompleteAsync();
        return (kept, dropped);
    }

    private static void WriteScored(NpgsqlBinaryImporter scored, Random random, long id, SyntheticTweets.Row row, DateTime created)
    {
        var topic = random.Next(Topics.Length);
        // Complaints lean negative, as the original's histogram did.
        var positive = Math.Pow(random.NextDouble(), 2.2);
        var negative = (1 - positive) * random.NextDouble();
        var neutral = 1 - positive - negative;
        var label = positive >= negative && positive >= neutral ? "positive" : negative >= neutral ? "negative" : "neutral";
        scored.StartRow();
        scored.Write(id, NpgsqlDbType.Bigint);
        scored.Write(row.Company!, NpgsqlDbType.Text);
        scored.Write(created, NpgsqlDbType.TimestampTz);
        scored.Write(row.Text, NpgsqlDbType.Text);
        scored.Write(row.Text, NpgsqlDbType.Text);
        scored.Write(topic, NpgsqlDbType.Integer);
        scored.Write(Topics[topic], NpgsqlDbType.Text);
        scored.Write((float)(0.3 + 0.7 * random.NextDouble()), NpgsqlDbType.Real);
        scored.Write("bench-lda", NpgsqlDbType.Text);
        scored.Write(label, NpgsqlDbType.Text);
        scored.Write((float)negative, NpgsqlDbType.Real);
        scored.Write((float)neutral, NpgsqlDbType.Real);
        scored.Write((float)positive, NpgsqlDbType.Real);
        scored.Write((float)((positive - negative + 1) / 2), NpgsqlDbType.Real);
        scored.Write("bench-sentiment", NpgsqlDbType.Text);
        scored.Write(created, NpgsqlDbType.TimestampTz);
    }
}
