using System.Globalization;
using Akka.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Pipeline.Actors.Sources.Scraping;
using Pipeline.Actors.Storage;
using Pipeline.Host;
using Pipeline.Host.Demo;
using Pipeline.Host.Settings;

namespace Pipeline.Benchmarks;

/// <summary>
/// Freshness of the demo: for each post of the live trickle, the time from its appearing on the
/// simulator's timeline to its row being visible in <c>reporting.posts</c> (the view is polled
/// every 100 ms). Measured after the backlog is collected, with the shipped demo settings (poll
/// interval, faults) and sink settings. References from the same run: the poll interval itself,
/// and the fetch → stored time (graph and sink commit) of the same posts.
/// </summary>
public static class FreshnessBenchmark
{
    private static readonly TimeSpan ViewPoll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan GiveUp = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync(double seconds, double postsPerMinute, int backlogDays)
    {
        await using var postgres = await Postgres.StartAsync();
        var folder = Path.Combine(Path.GetTempPath(), $"pipeline-freshness-{Guid.NewGuid():N}");
        var config = ConfigurationFactory.ParseString($$"""
            pipeline.database.connection-string = "{{postgres.ConnectionString}}"
            pipeline.demo.folder = "{{folder}}"
            pipeline.demo.backlog-days = {{backlogDays}}
            pipeline.demo.live-posts-per-minute = {{postsPerMinute.ToString(CultureInfo.InvariantCulture)}}
            pipeline.demo.live-lead = 0s
            pipeline.http.port = 0
            akka.loglevel = WARNING
            """).WithFallback(SettingsLoader.LoadConfig(SettingsLoader.ResolveConfigPath(null)));
        var settings = SettingsLoader.Load(config);
        // A flat live rate without incidents: the latency is measured on the rate asked for, whatever the hour.
        var demo = SettingsLoader.LoadDemo(config).Steady();
        await CompanyCatalog.SyncAsync(postgres.DataSource, settings.Companies);

        await using var simulator = await SimulatorServer.StartAsync(settings.Companies, demo.Simulation(DateTimeOffset.UtcNow), demo.Faults);
        var demoSettings = demo.Apply(settings, simulator.BaseUrl);
        await using var app = PipelineComposition.BuildService(demoSettings, config, postgres.DataSource, ["http://127.0.0.1:0"],
            postgres.ConnectionString);
        var started = DateTimeOffset.UtcNow;
        await app.StartAsync();

        var board = app.Services.GetRequiredService<SourceStatusBoard>();
        while (board.All.Count < settings.Companies.Count || board.All.Any(s => !s.Mode.StartsWith("live", StringComparison.Ordinal)))
        {
            if (DateTimeOffset.UtcNow - started > TimeSpan.FromMinutes(15))
            {
                Console.Error.WriteLine("freshness: the backlog was not collected within 15 minutes");
                return 1;
            }

            await Task.Delay(200);
        }

        var liveFrom = DateTimeOffset.UtcNow;
        Console.WriteLine($"backlog of {backlogDays} days for {settings.Companies.Count} companies collected in {(liveFrom - started).TotalSeconds:0.0} s; " +
            $"measuring {seconds:0} s of live posts at {postsPerMinute:0}/min, poll interval {demo.PollInterval.TotalSeconds:0.###} s, " +
            $"sink max-wait {settings.Sink.MaxWait.TotalMilliseconds:0} ms, faults 429 {demo.Faults.RateLimitProbability:P0} / slow {demo.Faults.SlowPageProbability:P0}");

        var measureUntil = liveFrom.AddSeconds(seconds);
        var generator = simulator.Nitter.Timeline.Generator;
        var pending = new Dictionary<long, DateTimeOffset>();
        var visible = new List<double>();
        var fetchDelays = new List<double>();
        var commitDelays = new List<double>();
        var appeared = 0;
        var notVisible = 0;
        var scanned = liveFrom;
        while (true)
        {
            var now = DateTimeOffset.UtcNow;
            if (scanned < measureUntil)
            {
                var upTo = now < measureUntil ? now : measureUntil;
                foreach (var post in generator.Between(scanned, upTo))
                {
                    appeared++;
                    // A retweet shows its original's id: the first appearance is the one that can become visible.
                    pending.TryAdd(post.StatusId, post.AppearedAt);
                }

                scanned = upTo;
            }

            foreach (var (id, fetchedAt, storedAt) in await VisibleAsync(postgres.DataSource, pending.Keys.ToArray()))
            {
                var at = pending[id];
                pending.Remove(id);
                visible.Add((now - at).TotalSeconds);
                fetchDelays.Add((fetchedAt - at).TotalSeconds);
                commitDelays.Add((storedAt - fetchedAt).TotalSeconds);
            }

            // Dropped by cleaning (spam, own posts, replies naming no company…) or already stored: never visible as new.
            foreach (var id in pending.Where(p => now - p.Value > GiveUp).Select(p => p.Key).ToList())
            {
                pending.Remove(id);
                notVisible++;
            }

            if (scanned >= measureUntil && pending.Count == 0)
            {
                break;
            }

            await Task.Delay(ViewPoll);
        }

        Console.WriteLine($"{appeared} live items appeared; {visible.Count} became visible, {notVisible} did not within {GiveUp.TotalSeconds:0} s (dropped by cleaning)");
        Console.WriteLine("                               p50      p95      max");
        Row("appeared -> visible in view", visible);
        Row("  appeared -> fetched", fetchDelays);
        Row("  fetched -> committed", commitDelays);
        Console.WriteLine($"reference: poll interval {demo.PollInterval.TotalSeconds:0.000} s; view polled every {ViewPoll.TotalSeconds:0.0} s");
        var p95 = Percentile(visible, 0.95);
        Console.WriteLine(p95 <= 5 ? $"p95 {p95:0.00} s <= 5 s target" : $"p95 {p95:0.00} s MISSES the 5 s target");

        await app.StopAsync();
        return 0;
    }

    private static async Task<List<(long Id, DateTimeOffset FetchedAt, DateTimeOffset StoredAt)>> VisibleAsync(NpgsqlDataSource dataSource, long[] ids)
    {
        var rows = new List<(long, DateTimeOffset, DateTimeOffset)>();
        if (ids.Length == 0)
        {
            return rows;
        }

        await using var command = dataSource.CreateCommand("SELECT post_id, fetched_at, stored_at FROM reporting.posts WHERE post_id = ANY(@ids)");
        command.Parameters.AddWithValue("ids", ids);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(2)));
        }

        return rows;
    }

    private static void Row(string name, List<double> values) =>
        Console.WriteLine($"{name,-28} {Percentile(values, 0.5),6:0.00} s {Percentile(values, 0.95),6:0.00} s {(values.Count == 0 ? 0 : values.Max()),6:0.00} s");

    private static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToList();
        return sorted[(int)Math.Min(sorted.Count - 1, Math.Ceiling(p * sorted.Count) - 1)];
    }
}
