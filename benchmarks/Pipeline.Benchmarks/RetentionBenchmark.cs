using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Npgsql;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Storage;
using Pipeline.Models.Domain;

namespace Pipeline.Benchmarks;

/// <summary>
/// The retention purge at a million stored posts (the dashboard benchmark's year of posts): its rows/s alone and beside
/// the sink, and the sink's rows/s while it runs against the sink alone, all in one run on one server.
/// </summary>
/// <remarks>
/// Three phases on the same database: the sink alone (fresh posts dated today), then the sink again with the purge of the
/// first quarter of the year running beside it, then the purge of the second quarter alone. The sink's rate beside the
/// purge counts only the batches committed while the purge ran. Each sink phase writes posts of its own ids, so neither
/// is a replay.
/// </remarks>
public static class RetentionBenchmark
{
    public static async Task RunAsync(int posts, int sinkRows, int purgeBatch, int sinkBatch, int parallelism)
    {
        using var system = ActorSystem.Create("bench", "akka.loglevel = WARNING");
        var materializer = system.Materializer();
        await using var postgres = await Postgres.StartAsync();
        var load = Stopwatch.StartNew();
        var (kept, dropped) = await DashboardBenchmark.LoadAsync(postgres.DataSource, posts);
        await ExecuteAsync(postgres.DataSource, "VACUUM ANALYZE");
        Console.WriteLine($"Loaded {kept:N0} stored + {dropped:N0} dropped posts over a year in {load.Elapsed.TotalSeconds:0.0} s; " +
            $"purge batch {purgeBatch:N0}; sink {sinkRows:N0} rows of today, batch {sinkBatch:N0}, {parallelism} parallel commits");

        DateTimeOffset first, last;
        await using (var span = postgres.DataSource.CreateCommand("SELECT min(created_at), max(created_at) FROM pipeline.raw_posts"))
        await using (var reader = await span.ExecuteReaderAsync())
        {
            await reader.ReadAsync();
            (first, last) = (reader.GetFieldValue<DateTimeOffset>(0), reader.GetFieldValue<DateTimeOffset>(1));
        }

        var quarter = (last - first) / 4;
        var items = SinkBenchmark.BuildItems(sinkRows);
        var settings = SinkSettings.Default with { BatchSize = sinkBatch, Parallelism = parallelism };

        // Not timed: JIT, the pool and each connection's staging table, which the first sink phase would otherwise pay for.
        await SinkAsync(postgres.DataSource, Today(items.Take(Math.Max(sinkBatch * parallelism * 4, sinkRows / 10)).ToList(), 9), settings, materializer, during: null);

        // 1. The sink alone.
        var alone = await SinkAsync(postgres.DataSource, Today(items, 0), settings, materializer, during: null);

        // 2. The sink with the purge of the first quarter beside it.
        var purgeWindow = new TaskCompletionSource<(DateTime Start, DateTime End)>();
        var purgeTask = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(300));
            var start = DateTime.UtcNow;
            var result = await PurgeAsync(postgres.DataSource, first + quarter, purgeBatch);
            purgeWindow.SetResult((start, DateTime.UtcNow));
            return result;
        });
        var beside = await SinkAsync(postgres.DataSource, Today(items, 1), settings, materializer, during: purgeWindow.Task);
        var (besideRemoved, besideSeconds) = await purgeTask;

        // 3. The purge of the second quarter alone.
        var (aloneRemoved, aloneSeconds) = await PurgeAsync(postgres.DataSource, first + 2 * quarter, purgeBatch);

        // A run with nothing past its period left: what each node's scheduled run costs most of the time.
        var idle = Stopwatch.StartNew();
        var (idleRemoved, _) = await PurgeAsync(postgres.DataSource, first + 2 * quarter, purgeBatch);
        var idleMs = idle.Elapsed.TotalMilliseconds;

        Console.WriteLine();
        Console.WriteLine($"{"what",-48} {"seconds",8} {"rows/s",10} {"vs alone",9}");
        Console.WriteLine($"{"sink alone",-48} {alone.Seconds,8:0.00} {alone.RowsPerSecond,10:N0} {1.0,9:0.00}");
        Console.WriteLine($"{"sink while the purge runs",-48} {beside.Seconds,8:0.00} {beside.RowsPerSecond,10:N0} {beside.RowsPerSecond / alone.RowsPerSecond,9:0.00}");
        var alonePosts = aloneRemoved.KeptPosts + aloneRemoved.DroppedPosts;
        var besidePosts = besideRemoved.KeptPosts + besideRemoved.DroppedPosts;
        Console.WriteLine($"{"purge alone (posts removed/s)",-48} {aloneSeconds,8:0.00} {alonePosts / aloneSeconds,10:N0} {1.0,9:0.00}");
        Console.WriteLine($"{"purge beside the sink (posts removed/s)",-48} {besideSeconds,8:0.00} {besidePosts / besideSeconds,10:N0} " +
            $"{besidePosts / besideSeconds / (alonePosts / aloneSeconds),9:0.00}");
        Console.WriteLine();
        Console.WriteLine($"purge alone removed {aloneRemoved.KeptPosts:N0} kept posts (raw + scored rows) and {aloneRemoved.DroppedPosts:N0} dropped in {aloneRemoved.Batches:N0} batches; " +
            $"beside the sink {besideRemoved.KeptPosts:N0} + {besideRemoved.DroppedPosts:N0} in {besideRemoved.Batches:N0}");
        Console.WriteLine($"sink batch commit p50 / p99 ms: alone {alone.P50:0} / {alone.P99:0}, while purging {beside.P50:0} / {beside.P99:0}");
        Console.WriteLine($"a purge with nothing to remove: {idleMs:0.0} ms ({idleRemoved.Total} rows)");
        Console.WriteLine($"rollups equal a fresh aggregate after both purges: {await RollupsMatchAsync(postgres.DataSource)}");
    }

    private sealed record SinkRun(double Seconds, double RowsPerSecond, double P50, double P99);

    /// <summary>The items with ids of their own (phase <paramref name="phase"/>) and dates of today, so no purge takes them.</summary>
    private static List<PipelineItem> Today(List<PipelineItem> items, int phase)
    {
        var now = DateTimeOffset.UtcNow;
        RawPost Move(RawPost raw, int i) => raw with { Id = new PostId(raw.Id.Value + phase * 100_000_000L), CreatedAt = now.AddSeconds(-i) };
        return items.Select((item, i) => item switch
        {
            PipelineItem.Scored s => (PipelineItem)(s with { Post = s.Post with { Post = s.Post.Post with { Raw = Move(s.Post.Post.Raw, i) } } }),
            PipelineItem.Dropped d => d with { Post = Move(d.Post, i) },
            _ => item,
        }).ToList();
    }

    /// <summary>
    /// Runs the sink over <paramref name="items"/>. With <paramref name="during"/>, the rate counts only the batches that
    /// committed inside the window it gives (the purge's run).
    /// </summary>
    private static async Task<SinkRun> SinkAsync(
        NpgsqlDataSource dataSource, List<PipelineItem> items, SinkSettings settings, IMaterializer materializer, Task<(DateTime Start, DateTime End)>? during)
    {
        var sink = new PostgresSink(new PostStore(dataSource), settings, new PipelineCounters());
        var commits = new ConcurrentQueue<(DateTime At, int Rows, double Ms)>();
        var stopwatch = Stopwatch.StartNew();
        var started = DateTime.UtcNow;
        await Source.From(items).CommitTo(sink, settings)
            .RunWith(Sink.ForEach<BatchCommitted>(b => commits.Enqueue((DateTime.UtcNow, b.Items.Count, b.Elapsed.TotalMilliseconds))), materializer);
        var seconds = stopwatch.Elapsed.TotalSeconds;
        var (from, to) = (started, DateTime.UtcNow);
        if (during is not null)
        {
            // The purge is longer than the sink at the defaults; if it ended first, only its window counts.
            var window = during.IsCompleted ? await during : (Start: from, End: DateTime.MaxValue);
            (from, to) = (window.Start > from ? window.Start : from, window.End < to ? window.End : to);
        }

        var inside = commits.Where(c => c.At >= from && c.At <= to).ToList();
        var ms = inside.Select(c => c.Ms).Order().ToList();
        var rate = inside.Sum(c => c.Rows) / (to - from).TotalSeconds;
        return new SinkRun(seconds, rate, Percentile(ms, 0.5), Percentile(ms, 0.99));
    }

    private static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Count - 1, p * sorted.Count)];

    private static async Task<(RetentionRemoved Removed, double Seconds)> PurgeAsync(NpgsqlDataSource dataSource, DateTimeOffset cutoff, int batch)
    {
        var stopwatch = Stopwatch.StartNew();
        await using var held = await new RetentionStore(dataSource).TryLockAsync(CancellationToken.None)
            ?? throw new InvalidOperationException("the retention lock is taken");
        var removed = await RetentionStore.PurgeAsync(held, new RetentionCutoffs(cutoff, cutoff, cutoff), batch, CancellationToken.None);
        return (removed, stopwatch.Elapsed.TotalSeconds);
    }

    private static async Task<bool> RollupsMatchAsync(NpgsqlDataSource dataSource)
    {
        // Per day and company (the full rollup check is the tests' RollupChecks; this one reads a million rows once).
        await using var command = dataSource.CreateCommand("""
            WITH fresh AS (SELECT (created_at AT TIME ZONE 'UTC')::date, company_id, count(*) FROM pipeline.scored_posts GROUP BY 1, 2),
                 kept AS (SELECT day, company_id, sum(posts)::bigint FROM pipeline.daily_rollup GROUP BY 1, 2),
                 fresh_drops AS (SELECT coalesce(company_id, ''), (created_at AT TIME ZONE 'UTC')::date, drop_reason, count(*)
                                 FROM pipeline.raw_posts WHERE drop_reason IS NOT NULL GROUP BY 1, 2, 3),
                 kept_drops AS (SELECT company_id, day, reason, posts FROM pipeline.drop_counts)
            SELECT (SELECT count(*) FROM ((TABLE fresh EXCEPT ALL TABLE kept) UNION ALL (TABLE kept EXCEPT ALL TABLE fresh)) d)
                 + (SELECT count(*) FROM ((TABLE fresh_drops EXCEPT ALL TABLE kept_drops) UNION ALL (TABLE kept_drops EXCEPT ALL TABLE fresh_drops)) c)
            """);
        command.CommandTimeout = 600;
        return (long)(await command.ExecuteScalarAsync())! == 0;
    }

    private static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.CommandTimeout = 1800;
        await command.ExecuteNonQueryAsync();
    }
}
