using System.Globalization;
using Npgsql;
using Pipeline.Host.Commands;
using Pipeline.Models.Topics;
using Spectre.Console;

namespace Pipeline.Host.Tests.Commands;

/// <summary>
/// <c>pipeline train-topics --from-database</c> against a real PostgreSQL, filled by the <c>import</c> verb
/// (the service's own graph and sink), so the kept posts are exactly what the pipeline stores.
/// </summary>
[Collection(StandardErrorCollection.Name)]
public sealed class TrainTopicsFromDatabaseTests(PostgresFixture postgres) : IDisposable
{
    private static readonly string[][] Themes =
    [
        ["card", "atm", "pin", "blocked", "swallowed", "machine"],
        ["transfer", "reversal", "debit", "pending", "beneficiary", "credited"],
        ["loan", "interest", "repayment", "collateral", "approval", "salary"],
    ];

    private const int Rows = 330;

    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("train-topics-db-tests-");

    public void Dispose() => _temp.Delete(recursive: true);

    private string Path(string name) => System.IO.Path.Combine(_temp.FullName, name);

    // The shipped configuration on the test database, no scoring models (nothing to score yet), small fast training.
    private string WriteConfig(string connectionString)
    {
        var path = Path("pipeline.conf");
        File.WriteAllText(path, File.ReadAllText(System.IO.Path.Combine(AppContext.BaseDirectory, "pipeline.conf")) + $$"""

            pipeline.database.connection-string = "{{connectionString}}"
            pipeline.topics.enabled = off
            pipeline.sentiment.enabled = off
            pipeline.topics.model-dir = "{{Path("no-model-here")}}"
            pipeline.topics.training { topics = 3, iterations = 60, burnin-iterations = 5, min-document-count = 2, max-document-fraction = 0.9, top-words = 10 }
            """);
        return path;
    }

    /// <summary>
    /// Posts to GTBank, one theme each; every tenth is French, which cleaning drops (stored, not kept).
    /// Returns the file and how many posts cleaning keeps.
    /// </summary>
    private (FileInfo File, int Kept) WriteCsv()
    {
        var random = new Random(5);
        var start = new DateTimeOffset(2024, 3, 1, 8, 0, 0, TimeSpan.Zero);
        var lines = new List<string> { "id,created_at,lang,text" };
        for (var i = 0; i < Rows; i++)
        {
            var words = string.Join(' ', Enumerable.Range(0, 8).Select(_ => Themes[i % 3][random.Next(6)]));
            var lang = i % 10 == 9 ? "fr" : "en";
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{1_700_000_000_000_000_000L + i},{start.AddMinutes(i):O},{lang},@gtbank {words} since morning"));
        }

        var file = new FileInfo(Path("posts.csv"));
        File.WriteAllLines(file.FullName, lines);
        return (file, Rows - Rows / 10);
    }

    private static async Task<long> CountAsync(string connectionString, string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static Task<(int Code, string Error)> TrainAsync(string config, string output)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(TextWriter.Null), Interactive = InteractionSupport.No });
        return StandardError.CaptureAsync(() => TrainTopicsCommand.ExecuteAsync(
            config,
            new TrainTopicsRequest(null, true, output, null, false, null, new TrainTopicsOverrides(Threads: 1)),
            console,
            TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Training_from_the_database_uses_every_kept_post_and_only_those()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        var config = WriteConfig(connectionString);
        var (csv, kept) = WriteCsv();
        Assert.Equal(ExitCodes.Ok, await ImportCommand.ExecuteAsync(config, csv));
        Assert.Equal(Rows, await CountAsync(connectionString, "SELECT count(*) FROM pipeline.raw_posts"));
        Assert.Equal(kept, await CountAsync(connectionString, "SELECT count(*) FROM pipeline.raw_posts WHERE drop_reason IS NULL"));

        var folder = Path("model");
        var (code, error) = await TrainAsync(config, folder);

        Assert.True(code == ExitCodes.Ok, error);
        var model = TopicModel.Load(folder);
        Assert.Equal(3, model.Catalog.Topics.Count);
        // Each theme's words make up one topic: the database texts, not noise, were trained on.
        Assert.All(model.Catalog.Topics, topic =>
            Assert.Single(Themes, theme => topic.TopWords.Take(3).All(w => theme.Contains(w.Word))));
        var metrics = TopicMetricsJson.Deserialize(File.ReadAllText(System.IO.Path.Combine(folder, TopicTrainingResult.MetricsFileName)));
        Assert.Equal(kept, metrics.Documents);
    }

    [Fact]
    public async Task An_empty_database_fails_with_bad_input_saying_there_are_no_kept_posts()
    {
        var config = WriteConfig(await postgres.CreateDatabaseAsync());
        var folder = Path("model");

        var (code, error) = await TrainAsync(config, folder);

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("no kept posts", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder));
    }
}
