using System.Globalization;
using System.Text.RegularExpressions;
using Akka.Configuration;
using Microsoft.ML.OnnxRuntime;
using Pipeline.Host.Commands;
using Pipeline.Host.Scoring;
using Pipeline.Host.Settings;
using Pipeline.Models.Sentiment;
using Spectre.Console;

namespace Pipeline.Host.Tests.Commands;

/// <summary><c>pipeline eval-sentiment</c> with the shipped built-in model, and its bad-input exits.</summary>
[Collection(StandardErrorCollection.Name)]
public sealed partial class EvalSentimentCommandTests : IDisposable
{
    // Plain, one-sided sentences: any usable sentiment model gets these right.
    private static readonly string[] Labelled =
    [
        "0\tThis bank is terrible, they stole my money and nobody answers. Worst service ever!",
        "0\tI hate this app, it crashed again and my transfer failed. So frustrating and useless.",
        "0\tAwful customer care, rude staff, horrible experience. I am so angry right now.",
        "0\tThey debited me twice and refused to refund me. Disgusting, never again!",
        "1\tThe branch opens at 8am on Monday.",
        "1\tI am going to the bank tomorrow to update my BVN.",
        "1\tWhat is the USSD code for checking my balance?",
        "1\tThe new branch is on Allen Avenue in Ikeja.",
        "2\tThank you so much, my reversal came in minutes. Excellent service, I love this bank!",
        "2\tGreat app, fast transfers and amazing customer care. Very happy with you guys!",
        "2\tWonderful experience today, the staff were friendly and helpful. Thanks a lot!",
        "2\tBest bank ever, brilliant support and everything works perfectly. Love it!",
    ];

    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("eval-sentiment-tests-");

    public void Dispose() => _temp.Delete(recursive: true);

    private string Write(string name, IEnumerable<string> lines)
    {
        var path = Path.Combine(_temp.FullName, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    [GeneratedRegex(@"macro recall (\d\.\d{4})")]
    private static partial Regex MacroRecall();

    [Fact]
    public void The_builtin_model_on_a_labelled_tsv_prints_macro_recall_and_the_confusion_matrix()
    {
        var tsv = Write("labelled.tsv", Labelled);
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output), Interactive = InteractionSupport.No, Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors,
        });
        console.Profile.Width = 240;

        var code = SentimentCommands.Evaluate(new FileInfo(tsv), null,
            SentimentCommands.EvaluationSettings(SentimentCommands.ConfiguredSentiment(null), "builtin", SentimentCommands.DefaultModelFolder), 4, console);

        Assert.Equal(ExitCodes.Ok, code);
        var text = output.ToString();
        Assert.Contains("labelled.tsv: 12 tweets", text, StringComparison.Ordinal);
        var recall = double.Parse(Assert.Single(MacroRecall().Matches(text)).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange(recall, 0.75, 1.0);
        Assert.Contains("confusion (rows gold, columns predicted)", text, StringComparison.Ordinal);
        // One row per gold class whose cells add up to the four sentences of that class.
        foreach (var gold in new[] { "negative", "neutral", "positive" })
        {
            var row = text.Split('\n').Last(l => Regex.IsMatch(l, $@"^\W*{gold}\W"));
            var cells = Regex.Matches(row, @"\b\d+\b").Select(m => int.Parse(m.Value, CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(3, cells.Length);
            Assert.Equal(4, cells.Sum());
        }
    }

    private static (IAnsiConsole Console, StringWriter Output) Capture()
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output), Interactive = InteractionSupport.No, Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors,
        });
        console.Profile.Width = 240;
        return (console, output);
    }

    [Fact]
    public void Eval_over_two_labelled_files_prints_a_row_each_then_each_files_detail()
    {
        var english = Write("english.tsv", Labelled);
        var pidginText = Write("pidgin_text.txt", ["this bank no dey work abeg", "una app sweet die, i like am", "the branch go open for monday"]);
        var pidginLabels = Write("pidgin_labels.txt", ["0", "2", "1"]);
        var (console, output) = Capture();

        var corpora = SentimentCommands.ReadCorpora([$"en={english}", $"pcm={pidginText}:{pidginLabels}"], null, null, "");
        var code = SentimentCommands.Evaluate(corpora,
            SentimentCommands.EvaluationSettings(SentimentCommands.ConfiguredSentiment(null), "builtin", SentimentCommands.DefaultModelFolder), 4, console);

        Assert.Equal(ExitCodes.Ok, code);
        var lines = output.ToString().Split('\n');
        var header = Assert.Single(lines, l => l.Contains("macro recall", StringComparison.Ordinal) && l.Contains("weighted F1", StringComparison.Ordinal) && l.Contains("tweets/s", StringComparison.Ordinal));
        Assert.Contains("accuracy", header, StringComparison.Ordinal);
        // One row per file: the name, n, four metrics and the speed.
        var en = Assert.Single(lines, l => Regex.IsMatch(l, @"^\W*en\s+\W\s+12\s+\W"));
        var pcm = Assert.Single(lines, l => Regex.IsMatch(l, @"^\W*pcm\s+\W\s+3\s+\W"));
        Assert.All(new[] { en, pcm }, row => Assert.Equal(4, Regex.Matches(row, @"\b[01]\.\d{4}\b").Count));
        // Then each file's own detail, in order.
        var text = output.ToString();
        Assert.True(text.IndexOf("en: 12 tweets", StringComparison.Ordinal) is var a && a > 0);
        Assert.True(text.IndexOf("pcm: 3 tweets", StringComparison.Ordinal) > a);
        Assert.Equal(2, Regex.Matches(text, "confusion \\(rows gold, columns predicted\\)").Count);
    }

    [Fact]
    public void A_data_option_without_a_name_is_refused_with_the_expected_form()
    {
        var error = Assert.Throws<LabelledFileException>(() => SentimentCommands.ReadCorpora(["train_text.txt"], null, null, ""));

        Assert.Contains("NAME=TEXT[:LABELS]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Eval_builds_its_scorer_from_pipeline_sentiment_with_model_replacing_only_the_folder()
    {
        var configured = SettingsLoader.Load(ConfigurationFactory.ParseString("""
            pipeline.sentiment.scorer = onnx
            pipeline.sentiment.model-dir = "/srv/models/roberta"
            pipeline.sentiment.onnx { intra-op-threads = 1, graph-optimization = basic, max-tokens = 64 }
            """).WithFallback(SettingsLoader.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "pipeline.conf")), _ => null))).Sentiment;

        var chosen = SentimentCommands.EvaluationSettings(configured, null, "/tmp/other-roberta");
        var options = SentimentScorers.OnnxOptions(chosen);

        Assert.Equal((SentimentScorerKind.Onnx, "/tmp/other-roberta"), (chosen.Scorer, chosen.ModelDirectory));
        Assert.Equal((1, GraphOptimizationLevel.ORT_ENABLE_BASIC, (int?)64), (options.IntraOpThreads, options.GraphOptimization, options.MaxTokens));
        Assert.Equal("/srv/models/roberta", SentimentCommands.EvaluationSettings(configured, "onnx", null).ModelDirectory);
        Assert.Equal(SentimentCommands.DefaultModelFolder, SentimentCommands.EvaluationSettings(configured, "builtin", null).ModelDirectory);
        var error = Assert.Throws<LabelledFileException>(() =>
            SentimentCommands.EvaluationSettings(configured with { Scorer = SentimentScorerKind.BuiltIn }, "onnx", null));
        Assert.Contains("--scorer onnx needs --model", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_onnx_scorer_with_an_empty_model_folder_exits_with_bad_input_naming_the_missing_files()
    {
        var tsv = Write("labelled.tsv", Labelled);
        var empty = Directory.CreateDirectory(Path.Combine(_temp.FullName, "empty-model")).FullName;

        var (code, error) = await StandardError.RunProgramAsync("eval-sentiment", "--text", tsv, "--scorer", "onnx", "--model", empty);

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains(empty, error, StringComparison.Ordinal);
        Assert.Contains("missing model.onnx", error, StringComparison.Ordinal);
        Assert.Contains("missing vocab.json", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_label_outside_0_to_2_exits_with_bad_input_naming_the_file_and_line()
    {
        var tsv = Write("bad-labels.tsv", [Labelled[0], Labelled[4], "7\tThe branch closes at 4pm.", Labelled[8]]);

        var (code, error) = await StandardError.RunProgramAsync("eval-sentiment", "--text", tsv);

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("bad-labels.tsv line 3: '7' is not a sentiment label", error, StringComparison.Ordinal);
    }
}
