using System.Globalization;
using System.Text;
using System.Text.Json;
using Akka.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pipeline.Host.Database;
using Pipeline.Host.Settings;
using Pipeline.Host.Tests.Http;

namespace Pipeline.Host.Tests.Retention;

/// <summary>The scheduled purge on the running service: posts imported through its inbox age out, and /ready and /metrics say what went.</summary>
public sealed class RetentionSpecs(PostgresFixture postgres)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private static string Line(long id, DateTimeOffset created) =>
        $$"""{"id": "{{id}}", "text": "@gtbank transfer number {{id}} failed, card {{id * 7}} blocked", "created_at": "{{created.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}}", "author_handle": "ada{{id}}", "company": "gtbank", "lang": "en"}""";

    private static async Task<long> CountAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task The_service_purges_posts_past_their_period_on_schedule_and_reports_them_in_ready_and_metrics()
    {
        using var folder = new TempDirectory();
        var inbox = folder.Combine("inbox");
        Directory.CreateDirectory(inbox);
        var config = ConfigurationFactory.ParseString($$"""
            pipeline.database.connection-string = "{{await postgres.CreateDatabaseAsync()}}"
            pipeline.import.inbox = "{{inbox}}"
            pipeline.import.files = []
            pipeline.import.poll-interval = 100ms
            pipeline.sink.max-wait = 50ms
            pipeline.topics.enabled = off
            pipeline.sentiment.max-wait = 20ms
            pipeline.alerts.enabled = off
            pipeline.retention { kept-posts = 30d, dropped-posts = 30d, interval = 200ms, first-run-after = 0s }
            """).WithFallback(SettingsLoader.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "pipeline.conf")), _ => null));
        var settings = SettingsLoader.Load(config);
        await using var database = await PipelineDatabase.OpenAsync(settings, NullLoggerFactory.Instance);
        await using var app = PipelineComposition.BuildService(settings, config, database.DataSource, ["http://127.0.0.1:0"],
            sentimentScorers: _ => new LexiconSentimentScorer("lexicon-host"));
        await app.StartAsync(TestContext.Current.CancellationToken);
        var root = RunningService.Root(app);

        // Ten posts from two months ago, ten from yesterday.
        var now = DateTimeOffset.UtcNow;
        var staging = folder.Combine("posts.jsonl");
        await File.WriteAllLinesAsync(staging,
            [.. Enumerable.Range(1, 10).Select(i => Line(i, now.AddDays(-60))), .. Enumerable.Range(11, 10).Select(i => Line(i, now.AddDays(-1)))],
            new UTF8Encoding(false), TestContext.Current.CancellationToken);
        File.Move(staging, Path.Combine(inbox, "posts.jsonl"));

        string metrics = "";
        await Eventually.TrueAsync(() => $"the old posts imported and purged; /metrics: {metrics}", async () =>
        {
            metrics = await Http.GetStringAsync(new Uri(root, "/metrics"));
            return File.Exists(Path.Combine(inbox, "done", "posts.jsonl"))
                && PrometheusText.Parse(metrics).TryGetValue("pipeline_retention_removed_total", out var removed)
                && PrometheusText.Single(removed, "", ("kind", "kept_posts")) + PrometheusText.Single(removed, "", ("kind", "dropped_posts")) == 10;
        }, TimeSpan.FromSeconds(90));

        Assert.Equal(Enumerable.Range(11, 10).Select(i => (long)i), await StoredPosts.IdsAsync(database.DataSource));
        Assert.Equal(0, await CountAsync(database.DataSource, RollupChecks.RollupMismatches));
        Assert.Equal(0, await CountAsync(database.DataSource, RollupChecks.DropCountMismatches));
        Assert.Equal(await CountAsync(database.DataSource, "SELECT count(*) FROM pipeline.scored_posts"),
            await CountAsync(database.DataSource, "SELECT coalesce(sum(posts), 0) FROM reporting.daily_counts"));
        Assert.True(PrometheusText.Single(PrometheusText.Parse(metrics)["pipeline_retention_runs_total"], "", ("outcome", "ran")) >= 1, metrics);

        using var ready = await Http.GetAsync(new Uri(root, "/ready"), TestContext.Current.CancellationToken);
        var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        var check = body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "retention");
        Assert.Equal("Healthy", check.GetProperty("status").GetString());
        var data = check.GetProperty("data");
        Assert.Equal(("30.00:00:00", "30.00:00:00", "forever", "ran"), (data.GetProperty("keptPosts").GetString(), data.GetProperty("droppedPosts").GetString(),
            data.GetProperty("quarantine").GetString(), data.GetProperty("outcome").GetString()));
    }
}
