using System.Diagnostics;
using Npgsql;
using Pipeline.Actors.Alerts;
using Pipeline.Models.Alerts;

using static Pipeline.Benchmarks.Measure;

namespace Pipeline.Benchmarks;

/// <summary>
/// What one alert check costs (advisory lock, load the hourly and minute history, detect, decide, apply, prune) at a
/// realistic size: by default a million stored posts spread over 90 days up to now, 9 companies, 10 topics plus
/// Unclassified. Reported against the cheapest question one can ask of the same table in the same run:
/// <c>SELECT count(*) FROM pipeline.scored_posts</c>.
/// </summary>
public static class AlertsCostBenchmark
{
    public static async Task RunAsync(int posts, int days, int runs)
    {
        await using var postgres = await Postgres.StartAsync();
        var load = Stopwatch.StartNew();
        await LoadAsync(postgres.DataSource, posts, days);
        await ExecuteAsync(postgres.DataSource, "VACUUM ANALYZE");
        Console.WriteLine($"Loaded {posts:N0} scored posts over {days} days in {load.Elapsed.TotalSeconds:0.0} s " +
            "(one INSERT ... SELECT through the rollup trigger, then VACUUM ANALYZE)");
        Console.WriteLine($"hourly_rollup rows: {await ScalarAsync(postgres.DataSource, "SELECT count(*) FROM pipeline.hourly_rollup"):N0}, " +
            $"minute_rollup rows: {await ScalarAsync(postgres.DataSource, "SELECT count(*) FROM pipeline.minute_rollup"):N0}");

        var store = new AlertStore(postgres.DataSource);
        var rules = AlertRules.Default;
        // The first check opens whatever the synthetic data holds; the timed ones are the steady state (touches).
        var first = await store.CheckAsync(rules, []);
        Console.WriteLine($"first check: {first.Duration.TotalMilliseconds:0} ms, {first.HourlyRows:N0} hourly + {first.MinuteRows:N0} minute rows loaded, " +
            $"{first.Detections} detections, {first.OpenedAlerts.Count} alerts opened");

        var reference = await MedianAsync(runs, () => ExecuteAsync(postgres.DataSource, "SELECT count(*) FROM pipeline.scored_posts"), warmUp: false);
        CheckReport? last = null;
        // A fresh store reads the whole hourly history (what every check did without the cache, and what one check an
        // hour still does); the store the detector keeps reads only the recent hours.
        var fullReports = new List<CheckReport>();
        var full = await MedianAsync(runs, async () => fullReports.Add(await new AlertStore(postgres.DataSource).CheckAsync(rules, [])), warmUp: false);
        var reports = new List<CheckReport>();
        var check = await MedianAsync(runs, async () => reports.Add(last = await store.CheckAsync(rules, [])), warmUp: false);
        static double P50(IEnumerable<double> values) => values.Order().ElementAt(values.Count() / 2);

        Console.WriteLine();
        Console.WriteLine($"{"one alert check (lock, load, detect, apply, prune)",-52} {"p50 ms",8} {"vs ref",7}");
        Console.WriteLine($"{"reference: SELECT count(*) FROM pipeline.scored_posts",-52} {reference,8:0.0} {1,7:0.00}");
        Console.WriteLine($"{"check reading the full hourly history (hourly)",-52} {full,8:0.0} {full / reference,7:0.00}");
        Console.WriteLine($"{"  of which: load history + open incidents",-52} {P50(fullReports.Select(r => r.Load.TotalMilliseconds)),8:0.0}");
        Console.WriteLine($"{"  of which: detect + decide (pure core)",-52} {P50(fullReports.Select(r => r.Decide.TotalMilliseconds)),8:0.0}");
        Console.WriteLine($"  rows loaded: {fullReports[0].HourlyRows:N0} hourly + {fullReports[0].MinuteRows:N0} minute");
        Console.WriteLine($"{"steady check, every minute (recent hours read)",-52} {check,8:0.0} {check / reference,7:0.00}");
        Console.WriteLine($"{"  of which: load history + open incidents",-52} {P50(reports.Select(r => r.Load.TotalMilliseconds)),8:0.0}");
        Console.WriteLine($"{"  of which: detect + decide (pure core)",-52} {P50(reports.Select(r => r.Decide.TotalMilliseconds)),8:0.0}");
        Console.WriteLine($"rows loaded per check: {last!.HourlyRows:N0} hourly + {last.MinuteRows:N0} minute; outcome {last.Outcome}; " +
            $"{last.Detections} detections, {last.Touched} touched; median of {runs} runs");
    }

    /// <summary>
    /// Posts spread evenly over <paramref name="days"/> days ending a minute ago (with a daily rhythm from the spacing's
    /// jitter), written by the database itself so loading a million takes seconds; the statement trigger fills the rollups.
    /// </summary>
    private static async Task LoadAsync(NpgsqlDataSource dataSource, int posts, int days)
    {
        await ExecuteAsync(dataSource, """
            INSERT INTO pipeline.topics (model_version, topic_id, label)
            SELECT 'lda-1', t, (ARRAY['Failed transfers', 'App and login', 'Cards and ATMs', 'Charges', 'Customer care', 'Fraud',
                                      'Account opening', 'USSD and airtime', 'POS and agents', 'Praise'])[t + 1]
            FROM generate_series(0, 9) t
            """);
        await using var command = dataSource.CreateCommand("""
            INSERT INTO pipeline.scored_posts (post_id, company_id, created_at, clean_text, sentiment_text, topic_id, topic_label,
                                               topic_model_version, sentiment_label, sentiment_score)
            SELECT i,
                   (ARRAY['gtbank', 'access', 'zenith', 'uba', 'firstbank', 'opay', 'kuda', 'palmpay', 'fcmb'])[1 + (i::bigint * 7919 % 9)::int],
                   now() - interval '1 minute' - (@posts - i) * (@days * interval '1 day' / @posts)
                       - (hashint4(i::int) % 1800 + 1800) * interval '1 second' * (1 + sin(i * 0.0001)),
                   'post text', 'post text',
                   t.topic, CASE WHEN t.topic = -1 THEN 'Unclassified' ELSE 'Topic ' || t.topic END, 'lda-1',
                   (ARRAY['negative', 'negative', 'negative', 'neutral', 'neutral', 'neutral', 'neutral', 'positive', 'positive', 'positive'])[1 + (i * 31) % 10],
                   ((i * 37) % 100) / 100.0
            FROM generate_series(1, @posts) i, LATERAL (SELECT ((i * 13) % 11) - 1 AS topic) t
            """);
        command.CommandTimeout = 3600;
        command.Parameters.AddWithValue("posts", posts);
        command.Parameters.AddWithValue("days", days);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }
}
