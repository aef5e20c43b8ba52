using System.Globalization;
using Npgsql;
using Pipeline.Host.Commands;
using Pipeline.Host.Tests.Scoring;
using Pipeline.Models.Topics;
using Spectre.Console;

namespace Pipeline.Host.Tests.Commands;

/// <summary>
/// <c>pipeline rescore</c> against a real PostgreSQL filled by the <c>import</c> verb with yesterday's model: the week's
/// posts move to the retrained model, older ones stay, and the rollups stay equal to a fresh aggregate of the posts.
/// </summary>
[Collection(StandardErrorCollection.Name)]
public sealed class RescoreCommandTests(PostgresFixture postgres) : IDisposable
{
    private const int Posts = 400;
    private const long FirstId = 1_700_000_000_000_000_000;

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string WriteConfig(string connectionString, string modelDir)
    {
        var path = _temp.Combine("pipeline.conf");
        File.WriteAllText(path, File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "pipeline.conf")) + $$"""

            pipeline.database.connection-string = "{{connectionString}}"
            pipeline.sentiment.enabled = off
            pipeline.topics.model-dir = "{{modelDir}}"
            pipeline.http.models-root = "{{_temp.Path}}"
            """);
        return path;
    }

    /// <summary>The week's posts spread over the last 30 days (some within the minute rollup's two days), as CSV.</summary>
    private FileInfo WriteCsv(DateTimeOffset now)
    {
        var texts = RetrainCorpus.NewWeek(Posts);
        var lines = new List<string> { "id,created_at,lang,text" };
        for (var i = 0; i < texts.Count; i++)
        {
            var created = now.AddMinutes(-i * 30.0 * 24 * 60 / texts.Count).AddSeconds(-1);
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{FirstId + i},{created:O},en,{texts[i]}"));
        }

        var file = new FileInfo(_temp.Combine("posts.csv"));
        File.WriteAllLines(file.FullName, lines);
        return file;
    }

    private static async Task<long> CountAsync(string connectionString, string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private static async Task<(int Code, string Output, string Error)> RescoreAsync(string config, string since)
    {
        using var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Interactive = InteractionSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        var (code, error) = await StandardError.CaptureAsync(() =>
            RescoreCommand.ExecuteAsync(config, since, null, 64, console, TestContext.Current.CancellationToken));
        return (code, output.ToString(), error);
    }

    [Fact]
    public async Task Rescoring_since_ten_days_moves_those_posts_to_the_current_model_and_keeps_every_rollup_equal_to_a_fresh_aggregate()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        var yesterday = RetrainCorpus.SaveYesterdaysModel(_temp.Combine("yesterday"));
        var now = DateTimeOffset.UtcNow;
        Assert.Equal(ExitCodes.Ok, await ImportCommand.ExecuteAsync(WriteConfig(connectionString, yesterday), WriteCsv(now)));
        // Sentiment scores (off for the import) so that the rollups' score sums and bins have something to keep equal.
        await CountAsync(connectionString, """
            WITH s AS (UPDATE pipeline.scored_posts SET sentiment_score = ((post_id % 997) / 997.0)::real,
                sentiment_label = (ARRAY['negative', 'neutral', 'positive'])[1 + post_id % 3] RETURNING 1)
            SELECT count(*) FROM s
            """);
        var current = TopicModel.Load(yesterday);
        var week = TopicTrainer.Train(RetrainCorpus.NewWeek(Posts, seed: 5), RetrainCorpus.Training(topics: 4), new TopicTrainingOptions(Previous: current.Catalog));
        var folder = _temp.Combine("week");
        week.Save(folder);
        var config = WriteConfig(connectionString, folder);
        var since = await CountAsync(connectionString, $"SELECT count(*) FROM pipeline.scored_posts WHERE created_at >= '{now.AddDays(-10):O}'");

        var (code, output, error) = await RescoreAsync(config, "10d");

        Assert.True(code == ExitCodes.Ok, error);
        Assert.Contains($"{since:N0} posts re-scored with {week.Model.Version}", output, StringComparison.Ordinal);
        Assert.Matches(@"\(\d[\d,]* posts/s\)", output);
        Assert.Equal(since, await CountAsync(connectionString, $"SELECT count(*) FROM pipeline.scored_posts WHERE topic_model_version = '{week.Model.Version}'"));
        Assert.Equal(Posts - since, await CountAsync(connectionString, $"SELECT count(*) FROM pipeline.scored_posts WHERE topic_model_version = '{current.Version}'"));
        // The loan posts of the last ten days left Unclassified for the new topic (id 3).
        Assert.True(await CountAsync(connectionString, $"SELECT count(*) FROM pipeline.scored_posts WHERE topic_id = 3 AND created_at >= '{now.AddDays(-10):O}'") >= since / 4 * 0.9);
        Assert.Equal(0, await CountAsync(connectionString, RollupChecks.RollupMismatches));
        Assert.Equal(0, await CountAsync(connectionString, RollupChecks.HourlyMismatches));
        Assert.Equal(0, await CountAsync(connectionString, RollupChecks.MinuteMismatches));
        Assert.True(await CountAsync(connectionString, "SELECT count(*) FROM pipeline.minute_rollup") > 0);

        var again = await RescoreAsync(config, now.AddDays(-40).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));

        Assert.Contains($"{Posts - since:N0} posts re-scored", again.Output, StringComparison.Ordinal);
        Assert.Equal(Posts, await CountAsync(connectionString, $"SELECT count(*) FROM pipeline.scored_posts WHERE topic_model_version = '{week.Model.Version}'"));
        Assert.Equal(0, await CountAsync(connectionString, RollupChecks.RollupMismatches));
        Assert.Equal(0, await CountAsync(connectionString, RollupChecks.HourlyMismatches));
        Assert.Equal(0, await CountAsync(connectionString, RollupChecks.MinuteMismatches));
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("-3d")]
    [InlineData("0s")]
    public async Task A_since_that_is_neither_a_date_nor_a_duration_is_bad_input(string since)
    {
        var (code, _, error) = await RescoreAsync(WriteConfig("Host=unused", _temp.Combine("none")), since);

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains($"--since {since}", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_since_is_a_utc_date_or_a_duration_back_from_now()
    {
        var now = new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

        Assert.Equal(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), RescoreCommand.ParseSince("2026-11-01", now));
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 8, 0, 0, TimeSpan.Zero), RescoreCommand.ParseSince("2026-11-01T09:00+01:00", now));
        Assert.Equal(now.AddDays(-7), RescoreCommand.ParseSince("7d", now));
        Assert.Equal(now.AddHours(-36), RescoreCommand.ParseSince("36h", now));
    }
}
