using System.Text.Json;
using Akka.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pipeline.Host.Database;
using Pipeline.Host.Settings;
using Pipeline.Host.Tests.Http;

namespace Pipeline.Host.Tests.Scoring;

/// <summary>
/// Scheduled retraining on the running service: a model trained on yesterday's conversation meets a week with a new
/// theme, imported through the service's inbox (cleaned and scored by the old model), and the job retrains on its own.
/// </summary>
public sealed class TopicRetrainSpecs(PostgresFixture postgres)
{
    private const int WeekPosts = 400;
    private const long FirstId = 1_000_000_000_000_000_000;

    // Every fourth post of the week is about loans (RetrainCorpus.NewWeek).
    private const string LoanPost = "(post_id - 1000000000000000000) % 4 = 3";
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };

    private sealed record Service(WebApplication App, PipelineDatabase Database, Uri Root, string Models) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await App.StopAsync();
            await App.DisposeAsync();
            await Database.DisposeAsync();
        }
    }

    private static async Task<Service> StartAsync(string connectionString, TempDirectory folder, string retrain)
    {
        var models = folder.Combine("models");
        var inbox = folder.Combine("inbox");
        Directory.CreateDirectory(inbox);
        var initial = Path.Combine(models, "yesterday");
        if (!Directory.Exists(initial))
        {
            RetrainCorpus.SaveYesterdaysModel(initial);
        }

        var config = ConfigurationFactory.ParseString($$"""
            pipeline.database.connection-string = "{{connectionString}}"
            pipeline.import.inbox = "{{inbox}}"
            pipeline.http.models-root = "{{models}}"
            pipeline.import.files = []
            pipeline.import.poll-interval = 100ms
            pipeline.sink.max-wait = 50ms
            pipeline.topics.model-dir = "{{initial}}"
            pipeline.topics.max-wait = 20ms
            pipeline.sentiment.max-wait = 20ms
            pipeline.alerts.enabled = off
            {{RetrainCorpus.TrainingHocon}}
            pipeline.topics.retrain { enabled = on, interval = 1h, check-every = 200ms, first-check-after = 0s, min-new-posts = {{WeekPosts}}, window = 28d }
            pipeline.topics.retrain { {{retrain}} }
            """).WithFallback(SettingsLoader.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "pipeline.conf")), _ => null));
        var settings = SettingsLoader.Load(config);
        var database = await PipelineDatabase.OpenAsync(settings, NullLoggerFactory.Instance);
        var app = PipelineComposition.BuildService(settings, config, database.DataSource, ["http://127.0.0.1:0"],
            sentimentScorers: _ => new LexiconSentimentScorer("lexicon-host"));
        await app.StartAsync();
        return new Service(app, database, RunningService.Root(app), models);
    }

    private static async Task ImportWeekAsync(Service service, string inbox)
    {
        var staging = Path.Combine(inbox, "..", "week.jsonl");
        RetrainCorpus.WriteJsonLines(staging, RetrainCorpus.NewWeek(WeekPosts), FirstId, DateTimeOffset.UtcNow);
        File.Move(staging, Path.Combine(inbox, "week.jsonl"));
        await RunningService.WaitImportedAsync(inbox, "week.jsonl");
        Assert.Equal(WeekPosts, await CountAsync(service.Database.DataSource, "SELECT count(*) FROM pipeline.scored_posts"));
    }

    /// <summary>The <c>topic-retrain</c> entry of /ready: status, description, data.</summary>
    private static async Task<(string Status, string Description, JsonElement Data)> RetrainCheckAsync(Uri root)
    {
        using var response = await Http.GetAsync(new Uri(root, "/ready"));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var check = body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "topic-retrain");
        return (check.GetProperty("status").GetString()!, check.GetProperty("description").GetString()!, check.GetProperty("data").Clone());
    }

    private static async Task<JsonElement> FinishedRunAsync(Uri root)
    {
        JsonElement data = default;
        await Eventually.TrueAsync("the scheduled retrain finished", async () =>
        {
            data = (await RetrainCheckAsync(root)).Data;
            return data.TryGetProperty("outcome", out var outcome) && outcome.GetString() is not "running";
        }, TimeSpan.FromSeconds(120));
        return data;
    }

    private static async Task<long> CountAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task A_week_with_a_new_theme_is_retrained_on_schedule_keeping_the_old_ids_and_the_reporting_views_show_the_new_topic()
    {
        using var folder = new TempDirectory();
        await using var service = await StartAsync(await postgres.CreateDatabaseAsync(), folder, "");
        var yesterday = (await RunningService.ModelAsync(service.Root, "topic-model")).Version;
        await ImportWeekAsync(service, folder.Combine("inbox"));
        // The old model knows no word of the loan posts: they are Unclassified.
        Assert.Equal(WeekPosts / 4, await CountAsync(service.Database.DataSource, $"SELECT count(*) FROM reporting.posts WHERE {LoanPost} AND topic_id = -1"));

        var run = await FinishedRunAsync(service.Root);

        Assert.True(run.GetProperty("outcome").GetString() == "accepted", run.GetProperty("reason").GetString());
        Assert.Equal(3, run.GetProperty("topicsKept").GetInt32());
        Assert.Equal(1, run.GetProperty("topicsNew").GetInt32());
        Assert.Equal(WeekPosts, run.GetProperty("documents").GetInt32());
        Assert.True(run.GetProperty("candidateUnclassified").GetDouble() < run.GetProperty("currentUnclassified").GetDouble());
        var candidate = run.GetProperty("candidateVersion").GetString()!;
        Assert.NotEqual(yesterday, candidate);
        Assert.Equal(candidate, (await RunningService.ModelAsync(service.Root, "topic-model")).Version);
        Assert.True(File.Exists(Path.Combine(service.Models, "retrained", candidate, "topics.json")));
        var (status, description, _) = await RetrainCheckAsync(service.Root);
        Assert.Equal("Healthy", status);
        Assert.StartsWith($"topic model retrained on {WeekPosts} posts: 3 topics kept, 1 new", description);

        // The old topics keep their ids and labels; the new one gets the next free id, and its words are the loans'.
        await using var topics = service.Database.DataSource.CreateCommand("""
            SELECT n.topic_id, n.label, o.label, n.top_word_list[1:3]
            FROM reporting.topics n LEFT JOIN reporting.topics o ON o.model_version = @old AND o.topic_id = n.topic_id
            WHERE n.model_version = @new AND n.topic_id >= 0 ORDER BY n.topic_id
            """);
        topics.Parameters.AddWithValue("old", yesterday);
        topics.Parameters.AddWithValue("new", candidate);
        var rows = new List<(int Id, string Label, string? OldLabel, string[] Words)>();
        await using (var reader = await topics.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                rows.Add((reader.GetInt32(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetFieldValue<string[]>(3)));
            }
        }

        Assert.Equal([0, 1, 2, 3], rows.Select(r => r.Id));
        Assert.All(rows.Take(3), r => Assert.Equal(r.OldLabel, r.Label));
        Assert.Null(rows[3].OldLabel);
        Assert.Contains(rows[3].Words, RetrainCorpus.NewTheme.Contains);

        // Re-scored: every post of the week carries the new model, the loan posts the new topic, and the daily counts say so.
        Assert.Equal(WeekPosts, run.GetProperty("rescoredPosts").GetInt64());
        Assert.Equal(0, await CountAsync(service.Database.DataSource, $"SELECT count(*) FROM pipeline.scored_posts WHERE topic_model_version <> '{candidate}'"));
        var loans = await CountAsync(service.Database.DataSource, $"SELECT count(*) FROM reporting.posts WHERE {LoanPost} AND topic_id = 3");
        Assert.True(loans >= WeekPosts / 4 * 0.9, $"{loans} of {WeekPosts / 4} loan posts on the new topic");
        Assert.Equal(await CountAsync(service.Database.DataSource, "SELECT count(*) FROM reporting.posts WHERE topic_id = 3"),
            await CountAsync(service.Database.DataSource, "SELECT coalesce(sum(posts), 0) FROM reporting.daily_counts WHERE topic_id = 3"));
        Assert.Equal(1, await CountAsync(service.Database.DataSource, "SELECT count(*) FROM reporting.topic_retrains WHERE is_latest AND accepted AND swapped"));
    }

    [Fact]
    public async Task A_candidate_that_fails_the_gate_leaves_the_old_model_scoring_and_ready_says_why()
    {
        using var folder = new TempDirectory();
        // A margin of −1 demands a c_v one whole point better: no candidate passes.
        await using var service = await StartAsync(await postgres.CreateDatabaseAsync(), folder, "gate.coherence-margin = -1");
        var yesterday = (await RunningService.ModelAsync(service.Root, "topic-model")).Version;
        await ImportWeekAsync(service, folder.Combine("inbox"));

        var run = await FinishedRunAsync(service.Root);

        Assert.Equal("rejected", run.GetProperty("outcome").GetString());
        Assert.Equal(yesterday, (await RunningService.ModelAsync(service.Root, "topic-model")).Version);
        var (status, description, data) = await RetrainCheckAsync(service.Root);
        Assert.Equal("Healthy", status);
        Assert.Contains("kept out by the quality gate", description);
        Assert.Contains("c_v", description);
        Assert.Equal(description, $"topic model retrained on {WeekPosts} posts, kept out by the quality gate: {data.GetProperty("reason").GetString()}");
        Assert.False(Directory.Exists(Path.Combine(service.Models, "retrained")));
        Assert.Equal(0, await CountAsync(service.Database.DataSource, $"SELECT count(*) FROM pipeline.scored_posts WHERE topic_model_version <> '{yesterday}'"));
        Assert.Equal(1, await CountAsync(service.Database.DataSource, "SELECT count(*) FROM reporting.topic_retrains WHERE outcome = 'rejected' AND NOT accepted"));
    }
}
