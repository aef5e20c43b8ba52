using Pipeline.Host.Commands;
using Pipeline.Models.Topics;
using Spectre.Console;

namespace Pipeline.Host.Tests.Commands;

public sealed class TrainTopicsCommandTests : IDisposable
{
    private static readonly string[][] Themes =
    [
        ["card", "atm", "pin", "blocked", "swallowed", "machine"],
        ["transfer", "reversal", "debit", "pending", "beneficiary", "credited"],
        ["loan", "interest", "repayment", "collateral", "approval", "salary"],
    ];

    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("train-topics-tests-");

    public void Dispose() => _temp.Delete(recursive: true);

    private string Path(string name) => System.IO.Path.Combine(_temp.FullName, name);

    // The shipped configuration with a small, fast training block and a model folder that does not exist.
    private string WriteConfig()
    {
        var path = Path("pipeline.conf");
        File.WriteAllText(path, File.ReadAllText(System.IO.Path.Combine(AppContext.BaseDirectory, "pipeline.conf")) + $$"""

            pipeline.topics.model-dir = "{{Path("no-model-here")}}"
            pipeline.topics.training { topics = 3, iterations = 60, burnin-iterations = 5, min-document-count = 2, max-document-fraction = 0.9, top-words = 10 }
            """);
        return path;
    }

    // An analysis export without ids or times: only the text column matters to training.
    private string WriteCsv(string name, int shuffleSeed)
    {
        var random = new Random(11);
        var rows = Enumerable.Range(0, 180)
            .Select(i => string.Join(' ', Enumerable.Range(0, 8).Select(_ => Themes[i % 3][random.Next(6)])))
            .ToArray();
        new Random(shuffleSeed).Shuffle(rows);
        var path = Path(name);
        File.WriteAllLines(path, rows.Select((r, i) => $"{i},{r}").Prepend(",tweet"));
        return path;
    }

    private static int ThemeOf(TopicDescription topic) =>
        Array.FindIndex(Themes, theme => topic.TopWords.Take(3).All(w => theme.Contains(w.Word)));

    private static async Task<(int Code, string Output)> RunAsync(string config, TrainTopicsRequest request)
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Interactive = InteractionSupport.No });
        console.Profile.Width = 240;
        var code = await TrainTopicsCommand.ExecuteAsync(config, request, console, TestContext.Current.CancellationToken);
        return (code, output.ToString());
    }

    [Fact]
    public async Task Training_from_a_csv_writes_a_loadable_folder_and_a_retrain_with_previous_keeps_ids_and_labels()
    {
        var config = WriteConfig();
        var labels = Path("labels.tsv");
        File.WriteAllText(labels, "0\tAlpha\n1\tBeta\n2\tGamma\n");
        var first = Path("first");

        var (code, _) = await RunAsync(config, new TrainTopicsRequest(
            new FileInfo(WriteCsv("tweets.csv", 1)), false, first, null, false, new FileInfo(labels), new TrainTopicsOverrides()));

        Assert.Equal(ExitCodes.Ok, code);
        var model = TopicModel.Load(first);
        Assert.Equal(["Alpha", "Beta", "Gamma"], model.Catalog.Topics.OrderBy(t => t.Id).Select(t => t.Label));
        Assert.True(File.Exists(System.IO.Path.Combine(first, TopicTrainingResult.MetricsFileName)));
        var identityOfTheme = model.Catalog.Topics.ToDictionary(ThemeOf, t => (t.Id, t.Label));

        var second = Path("second");
        var (retrainCode, output) = await RunAsync(config, new TrainTopicsRequest(
            new FileInfo(WriteCsv("shuffled.csv", 2)), false, second, first, false, null, new TrainTopicsOverrides()));

        Assert.Equal(ExitCodes.Ok, retrainCode);
        var retrained = TopicModel.Load(second);
        Assert.All(retrained.Catalog.Topics, t => Assert.Equal(identityOfTheme[ThemeOf(t)], (t.Id, t.Label)));
        Assert.Contains($"kept from {model.Version}", output, StringComparison.Ordinal);
        Assert.Equal(3, output.Split("matched").Length - 1);
    }

    [Fact]
    public async Task Training_stores_the_calibrated_threshold_and_prints_the_Unclassified_share_before_and_after()
    {
        var folder = Path("calibrated");

        var (code, output) = await RunAsync(WriteConfig(), new TrainTopicsRequest(
            new FileInfo(WriteCsv("tweets.csv", 1)), false, folder, null, false, null, new TrainTopicsOverrides()));

        Assert.Equal(ExitCodes.Ok, code);
        var model = TopicModel.Load(folder);
        var rule = Assert.IsType<TopicDecisionRule>(model.Catalog.Decision);
        Assert.Equal(rule.Threshold, model.Threshold);
        Assert.True(File.Exists(System.IO.Path.Combine(folder, TopicWordWeights.FileName)));
        var metrics = TopicMetricsJson.Deserialize(File.ReadAllText(System.IO.Path.Combine(folder, TopicTrainingResult.MetricsFileName)));
        Assert.Equal(rule.Threshold, metrics.Decision!.Threshold);
        Assert.Contains($"{rule.Threshold:0.0000} (q95 of 180 shuffled documents)", output, StringComparison.Ordinal);
        Assert.Contains("Unclassified at 0.4", output, StringComparison.Ordinal);
        Assert.Contains("Unclassified after reassignment", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Calibrating_an_uncalibrated_model_in_place_adds_the_rule_and_keeps_its_topics_and_model_zip()
    {
        var config = WriteConfig();
        var csv = WriteCsv("tweets.csv", 1);
        var folder = Path("model");
        Assert.Equal(ExitCodes.Ok, (await RunAsync(config, new TrainTopicsRequest(
            new FileInfo(csv), false, folder, null, false, null, new TrainTopicsOverrides()))).Code);
        // Make it a folder from before calibration.
        var trained = TopicModel.Load(folder);
        var old = trained.Catalog with { Decision = null };
        TopicCatalogJson.Write(System.IO.Path.Combine(folder, TopicCatalogJson.FileName), old);
        File.Delete(System.IO.Path.Combine(folder, TopicWordWeights.FileName));
        var zip = File.ReadAllBytes(System.IO.Path.Combine(folder, TopicModel.ModelFileName));

        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Interactive = InteractionSupport.No });
        console.Profile.Width = 240;
        var code = await TrainTopicsCommand.CalibrateAsync(config, new FileInfo(csv), folder, console, TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.Ok, code);
        var calibrated = TopicModel.Load(folder);
        Assert.Equal(trained.Catalog.Decision, calibrated.Catalog.Decision);
        Assert.Equal(old.Topics.Select(t => (t.Id, t.Label)), calibrated.Catalog.Topics.Select(t => (t.Id, t.Label)));
        Assert.Equal(zip, File.ReadAllBytes(System.IO.Path.Combine(folder, TopicModel.ModelFileName)));
        Assert.Contains("the model's own training corpus", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Training_reads_its_file_held_to_the_configured_limits()
    {
        var config = WriteConfig();
        File.AppendAllText(config, "\npipeline.limits.max-line-length = 1024\n");
        var csv = WriteCsv("tweets.csv", 1);
        // Well within the default line bound, over the configured one.
        File.AppendAllText(csv, $"180,{string.Join(' ', Enumerable.Repeat("card", 300))}\n");

        var (code, output) = await RunAsync(config, new TrainTopicsRequest(
            new FileInfo(csv), false, Path("out"), null, false, null, new TrainTopicsOverrides()));

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("line 182 is longer than pipeline.limits.max-line-length (1,024 characters)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_labels_file_fails_with_bad_input_before_training()
    {
        var (code, _) = await RunAsync(WriteConfig(), new TrainTopicsRequest(
            new FileInfo(WriteCsv("tweets.csv", 1)), false, Path("out"), null, false, new FileInfo(Path("nope.tsv")), new TrainTopicsOverrides()));

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.False(Directory.Exists(Path("out")));
    }

    [Fact]
    public async Task A_command_line_override_outside_its_range_names_the_setting()
    {
        var error = await Assert.ThrowsAsync<Pipeline.Host.Settings.SettingsException>(() => RunAsync(WriteConfig(), new TrainTopicsRequest(
            new FileInfo(WriteCsv("tweets.csv", 1)), false, Path("out"), null, false, null, new TrainTopicsOverrides(Topics: 1))));

        Assert.Contains("topics = 1: must be between 2 and 1000", error.Message, StringComparison.Ordinal);
    }
}
