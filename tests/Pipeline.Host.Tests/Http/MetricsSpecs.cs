using System.Text;
using Akka.Actor;
using Akka.Configuration;
using Akka.Streams;
using Akka.Streams.Dsl;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Actors.Graph;
using Pipeline.Models.Domain;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Host.Database;
using Pipeline.Host.Settings;

namespace Pipeline.Host.Tests.Http;

/// <summary>/metrics on the running service after its inbox took a file with every kind of input the clean stage and the scoring stages must survive.</summary>
public sealed class MetricsSpecs(PostgresFixture postgres)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private static string Line(long id, string text, string created = "2024-03-01T10:00:00Z") =>
        $$"""{"id": "{{id}}", "text": "{{text}}", "created_at": "{{created}}", "author_handle": "ada", "company": "gtbank", "lang": "en"}""";

    [Fact]
    public async Task Metrics_count_repaired_and_truncated_texts_quarantine_by_source_and_rows_stored_with_a_failed_stage()
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
            pipeline.limits.max-text-length = 280
            """).WithFallback(SettingsLoader.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "pipeline.conf")), _ => null));
        var settings = SettingsLoader.Load(config);
        await using var database = await PipelineDatabase.OpenAsync(settings, NullLoggerFactory.Instance);
        await using var app = PipelineComposition.BuildService(settings, config, database.DataSource, ["http://127.0.0.1:0"],
            sentimentScorers: _ => new LexiconSentimentScorer(failOn: "POISON"));
        await app.StartAsync();
        var staging = folder.Combine("posts.jsonl");
        await File.WriteAllLinesAsync(staging,
        [
            Line(1, "@gtbank my transfer failed"),
            Line(3, "@gtbank " + new string('x', 300)),
            Line(4, "@gtbank from the far future", created: "9999-12-31T00:00:00Z"),
            Line(5, "@gtbank POISON transfer failed"),
        ], new UTF8Encoding(false));
        File.Move(staging, Path.Combine(inbox, "posts.jsonl"));
        // A lone surrogate reaches the graph from a JSON escape or an HTML entity; here it comes as the scrapers bring
        // theirs, straight into the service's own graph.
        var lone = new RawPost(new PostId(2), new CompanyId("gtbank"), PostSource.Nitter, null, "ada", "@gtbank card blocked " + (char)0xD800,
            new DateTimeOffset(2024, 3, 1, 10, 0, 0, TimeSpan.Zero), 0, 0, 0, 0, null, "en", false, false, DateTimeOffset.UtcNow);
        var (_, scraped) = app.Services.GetRequiredService<PipelineGraph>().Run(
            Source.Single<SourceItem>(new SourceItem.Post(lone, "https://nitter.test/gtbank#2")), app.Services.GetRequiredService<ActorSystem>().Materializer());
        await scraped.WaitAsync(TimeSpan.FromSeconds(60));
        var failed = Path.Combine(inbox, "failed", "posts.jsonl.error.txt");
        await Eventually.TrueAsync("posts.jsonl imported", async () =>
        {
            Assert.False(File.Exists(failed), File.Exists(failed) ? await File.ReadAllTextAsync(failed) : null);
            return File.Exists(Path.Combine(inbox, "done", "posts.jsonl"));
        }, TimeSpan.FromSeconds(90));

        var metrics = await Http.GetStringAsync(new Uri(RunningService.Root(app), "/metrics"));

        Assert.Contains("pipeline_posts_repaired_text_total 1\n", metrics);
        Assert.Contains("pipeline_posts_truncated_text_total 1\n", metrics);
        Assert.Contains("pipeline_items_quarantined_total 2\n", metrics);
        Assert.Contains("pipeline_items_quarantined_by_source_total{source=\"clean\"} 1\n", metrics);
        Assert.Contains("pipeline_items_quarantined_by_source_total{source=\"sentiment\"} 1\n", metrics);
        Assert.Contains("pipeline_posts_scoring_failed_stored_total{stage=\"sentiment\"} 1\n", metrics);
        Assert.Contains("# TYPE pipeline_posts_scoring_failed_stored_total counter\n", metrics);
        await using var rows = database.DataSource.CreateCommand(
            "SELECT string_agg(post_id || ':' || coalesce(failed_stage, '-'), ' ' ORDER BY post_id) FROM pipeline.raw_posts");
        Assert.Equal("1:- 2:- 3:- 5:sentiment", await rows.ExecuteScalarAsync());
    }
}
