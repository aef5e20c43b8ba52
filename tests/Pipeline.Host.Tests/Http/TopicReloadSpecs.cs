using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Akka.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Host.Database;
using Pipeline.Host.Settings;

namespace Pipeline.Host.Tests.Http;

/// <summary>Topic model hot reload on the running service: endpoint, health, and the rows stored before and after.</summary>
public sealed class TopicReloadSpecs(PostgresFixture postgres)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };

    private static (PipelineSettings Settings, Config Config) Configure(string connectionString, string inbox, string modelDir)
    {
        var config = ConfigurationFactory.ParseString($$"""
            pipeline.database.connection-string = "{{connectionString}}"
            pipeline.import.inbox = "{{inbox}}"
            pipeline.http.models-root = "{{Path.GetDirectoryName(inbox)}}"
            pipeline.import.files = []
            pipeline.import.poll-interval = 100ms
            pipeline.sink.max-wait = 50ms
            pipeline.topics.model-dir = "{{modelDir}}"
            pipeline.topics.max-wait = 20ms
            pipeline.sentiment.max-wait = 20ms
            """).WithFallback(SettingsLoader.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "pipeline.conf")), _ => null));
        return (SettingsLoader.Load(config), config);
    }

    [Fact]
    public async Task Reloading_switches_new_posts_to_the_new_model_and_a_bad_folder_is_refused_with_422_keeping_the_old_one()
    {
        using var folder = new TempDirectory();
        var inbox = folder.Combine("inbox");
        Directory.CreateDirectory(inbox);
        var first = TestScoring.SaveTopicModel(folder.Combine("model-a"), "lda-a");
        var second = TestScoring.SaveTopicModel(folder.Combine("model-b"), "lda-b", labelPrefix: "Theme");
        Directory.CreateDirectory(folder.Combine("not-a-model"));
        var (settings, config) = Configure(await postgres.CreateDatabaseAsync(), inbox, first);
        await using var database = await PipelineDatabase.OpenAsync(settings, NullLoggerFactory.Instance);
        await using var app = PipelineComposition.BuildService(settings, config, database.DataSource, ["http://127.0.0.1:0"],
            sentimentScorers: _ => new LexiconSentimentScorer("lexicon-host"));
        await app.StartAsync();
        var root = RunningService.Root(app);

        await RunningService.ImportAsync(inbox, "one.jsonl", 1_000_000_000_000_000_000);
        Assert.Equal("lda-a", (await RunningService.ModelAsync(root, "topic-model")).Version);
        Assert.Equal("lexicon-host", (await RunningService.ModelAsync(root, "sentiment-model")).Version);

        using var switched = await Http.PostAsJsonAsync(new Uri(root, "/admin/topics/reload"), new { path = second });
        var body = await switched.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.OK, switched.StatusCode);
        Assert.Equal("lda-a", body.GetProperty("previousVersion").GetString());
        Assert.Equal("lda-b", body.GetProperty("version").GetString());
        Assert.Equal("lda-b", (await RunningService.ModelAsync(root, "topic-model")).Version);
        await RunningService.ImportAsync(inbox, "two.jsonl", 2_000_000_000_000_000_000);

        using var refused = await Http.PostAsync(new Uri(root, "/admin/topics/reload?path=" + Uri.EscapeDataString(folder.Combine("not-a-model"))), null);
        var reason = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("model.zip", reason.GetProperty("error").GetString());
        Assert.Equal("lda-b", reason.GetProperty("version").GetString());
        await RunningService.ImportAsync(inbox, "three.jsonl", 3_000_000_000_000_000_000);

        var versions = await RunningService.VersionsByFileAsync(database, "topic_model_version");
        Assert.Equal(["lda-a"], versions[1]);
        Assert.Equal(["lda-b"], versions[2]);
        Assert.Equal(["lda-b"], versions[3]);
        await using var labels = database.DataSource.CreateCommand(
            "SELECT count(*) FROM reporting.posts WHERE post_id >= 2000000000000000000 AND topic_id >= 10 AND topic_label NOT LIKE 'Theme %'");
        Assert.Equal(0L, (long)(await labels.ExecuteScalarAsync())!);
        await using var sentiment = database.DataSource.CreateCommand(
            "SELECT count(*) FROM pipeline.scored_posts WHERE sentiment_model_version IS DISTINCT FROM 'lexicon-host'");
        Assert.Equal(0L, (long)(await sentiment.ExecuteScalarAsync())!);
        var metrics = await Http.GetStringAsync(new Uri(root, "/metrics"));
        Assert.Matches(@"pipeline_stage_scored_total\{stage=""topics""\} [1-9]", metrics);
        Assert.Contains("pipeline_stage_failed_total{stage=\"sentiment\"} 0", metrics);
    }

    [Fact]
    public void A_missing_topic_model_folder_stops_start_up_naming_the_setting()
    {
        using var folder = new TempDirectory();
        var (settings, config) = Configure("Host=unused", folder.Combine("inbox"), folder.Combine("no-such-model"));

        var error = Assert.Throws<SettingsException>(() => PipelineComposition.BuildService(
            settings, config, Npgsql.NpgsqlDataSource.Create("Host=unused"), ["http://127.0.0.1:0"],
            sentimentScorers: _ => new LexiconSentimentScorer()));

        Assert.Contains("pipeline.topics.model-dir", error.Message);
        Assert.Contains("no-such-model", error.Message);
    }

    [Fact]
    public void An_unavailable_sentiment_scorer_stops_start_up_naming_the_setting()
    {
        using var folder = new TempDirectory();
        var (settings, config) = Configure("Host=unused", folder.Combine("inbox"), TestScoring.SaveTopicModel(folder.Combine("model"), "lda-a"));

        var error = Assert.Throws<SettingsException>(() => PipelineComposition.BuildService(
            settings, config, Npgsql.NpgsqlDataSource.Create("Host=unused"), ["http://127.0.0.1:0"],
            sentimentScorers: _ => throw new FileNotFoundException("model.onnx is missing")));

        Assert.Contains("pipeline.sentiment", error.Message);
        Assert.Contains("model.onnx is missing", error.Message);
    }
}
