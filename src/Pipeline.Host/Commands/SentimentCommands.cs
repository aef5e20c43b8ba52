using System.Globalization;
using Pipeline.Host.Scoring;
using Pipeline.Host.Settings;
using Pipeline.Models.Cleaning;
using Pipeline.Models.Domain;
using Pipeline.Models.Sentiment;
using Spectre.Console;

namespace Pipeline.Host.Commands;

/// <summary>
/// <c>train-sentiment</c> and <c>eval-sentiment</c>: train the built-in scorer on a labelled file,
/// and measure any scorer on one (TweetEval's macro recall, per-class table, confusion matrix, speed).
/// </summary>
public static class SentimentCommands
{
    /// <summary>Where the shipped model sits beside the program (copied from models/sentiment).</summary>
    public static string DefaultModelFolder => Path.Combine(AppContext.BaseDirectory, "models", "sentiment");

    /// <summary>
    /// What eval-sentiment scores with: the service's <c>pipeline.sentiment</c> (scorer kind, model
    /// folder, ONNX session options), with <paramref name="scorerName"/> and <paramref name="modelFolder"/>
    /// overriding the kind and the folder. Another kind than the configured one without a folder takes
    /// the shipped model for builtin and needs <c>--model</c> for onnx.
    /// </summary>
    public static SentimentSettings EvaluationSettings(SentimentSettings configured, string? scorerName, string? modelFolder)
    {
        var kind = configured.Scorer;
        if (scorerName is not null)
        {
            kind = SentimentScorers.Parse(scorerName)
                ?? throw new LabelledFileException($"--scorer {scorerName}: not available in this build (available: builtin, onnx).");
        }

        var folder = modelFolder
            ?? (kind == configured.Scorer ? configured.ModelDirectory
                : kind == SentimentScorerKind.BuiltIn ? DefaultModelFolder
                : throw new LabelledFileException("--scorer onnx needs --model: the exported model folder (model.onnx, vocab.json, merges.txt)."));
        return configured with { Scorer = kind, ModelDirectory = folder };
    }

    /// <summary>The <c>pipeline.sentiment</c> settings of <paramref name="configPath"/> (or the default settings file).</summary>
    public static SentimentSettings ConfiguredSentiment(string? configPath) =>
        SettingsLoader.Load(SettingsLoader.LoadConfig(SettingsLoader.ResolveConfigPath(configPath))).Sentiment;

    public static int Train(FileInfo text, FileInfo? labels, DirectoryInfo output, BuiltInTrainerOptions options)
    {
        var data = Prepare(Read(text, labels));
        AnsiConsole.MarkupLine($"Training on [bold]{data.Count:N0}[/] tweets ({Counts(data)}), {options.Folds}-fold cross-validation");
        BuiltInSentimentTrainer.Result? result = null;
        AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask("featurising", maxValue: 1);
                result = BuiltInSentimentTrainer.Train(data, options, output.FullName, new InlineProgress(p =>
                {
                    task.Description = p.Stage;
                    task.Value = p.Fraction;
                }));
            });

        var metadata = result!.Metadata;
        var table = new Table().Title($"{metadata.ModelVersion}").AddColumn("").AddColumn(new TableColumn("value").RightAligned());
        if (metadata.CrossValidation is { } cv)
        {
            table.AddRow($"CV macro recall ({cv.Folds} folds, argmax)", cv.MacroRecall.ToString("0.0000", CultureInfo.InvariantCulture));
            table.AddRow("CV macro recall with tuned offsets", cv.MacroRecallWithOffsets.ToString("0.0000", CultureInfo.InvariantCulture));
            table.AddRow("per fold (argmax)", string.Join(" ", cv.FoldMacroRecalls.Select(r => r.ToString("0.000", CultureInfo.InvariantCulture))));
        }

        table.AddRow("class offsets (neg neu pos)", string.Join(" ", metadata.ClassOffsets.Select(o => o.ToString("0.00", CultureInfo.InvariantCulture))));
        table.AddRow("training seconds", result.Elapsed.TotalSeconds.ToString("0", CultureInfo.InvariantCulture));
        table.AddRow("written to", output.FullName);
        AnsiConsole.Write(table);
        return ExitCodes.Ok;
    }

    /// <param name="settings">The scorer to build, through the same factory as the service (see <see cref="EvaluationSettings"/>).</param>
    public static int Evaluate(FileInfo text, FileInfo? labels, SentimentSettings settings, int batchSize, IAnsiConsole console)
    {
        var data = Prepare(Read(text, labels));
        using var scorer = SentimentScorers.Create(settings);
        // One warm-up batch so the timing is of scoring, not of JIT and first-touch page faults.
        scorer.Score(data.Take(Math.Min(batchSize, data.Count)).Select(d => d.Text).ToArray());
        var report = SentimentEvaluation.Evaluate(scorer, data, batchSize);
        Print(console, report, text.Name);
        return ExitCodes.Ok;
    }

    public static void Print(IAnsiConsole console, SentimentEvaluationReport report, string title)
    {
        var m = report.Metrics;
        var f = CultureInfo.InvariantCulture;
        console.MarkupLine($"[bold]{Markup.Escape(title)}[/]: {m.Count:N0} tweets, model {Markup.Escape(report.ModelVersion)}");
        console.MarkupLine($"macro recall [bold]{m.MacroRecall.ToString("0.0000", f)}[/]   macro F1 {m.MacroF1.ToString("0.0000", f)}   accuracy {m.Accuracy.ToString("0.0000", f)}");
        var perClass = new Table().AddColumn("class").AddColumn(new TableColumn("precision").RightAligned())
            .AddColumn(new TableColumn("recall").RightAligned()).AddColumn(new TableColumn("F1").RightAligned()).AddColumn(new TableColumn("support").RightAligned());
        foreach (var c in m.PerClass)
        {
            perClass.AddRow(c.Label.ToString().ToLowerInvariant(), c.Precision.ToString("0.0000", f), c.Recall.ToString("0.0000", f), c.F1.ToString("0.0000", f), c.Support.ToString("N0", f));
        }

        console.Write(perClass);
        var confusion = new Table().Title("confusion (rows gold, columns predicted)").AddColumn("");
        var labels = Enum.GetValues<SentimentLabel>();
        foreach (var label in labels)
        {
            confusion.AddColumn(new TableColumn(label.ToString().ToLowerInvariant()).RightAligned());
        }

        for (var g = 0; g < labels.Length; g++)
        {
            confusion.AddRow([labels[g].ToString().ToLowerInvariant(), .. Enumerable.Range(0, labels.Length).Select(p => m.Confusion[g, p].ToString("N0", f))]);
        }

        console.Write(confusion);
        console.MarkupLine($"speed: {report.TweetsPerSecond.ToString("N0", f)} tweets/s (batches of {report.BatchSize}, {Environment.ProcessorCount} cores, {report.Seconds.ToString("0.00", f)} s scoring)");
    }

    /// <summary>A text + labels pair, or a single TSV (label&lt;TAB&gt;text) when no labels file is given.</summary>
    private static IReadOnlyList<LabelledText> Read(FileInfo text, FileInfo? labels) =>
        labels is null ? LabelledSentimentFile.ReadTsv(text.FullName) : LabelledSentimentFile.ReadPair(text.FullName, labels.FullName);

    /// <summary>The scorers see what the pipeline gives them: decoded, Cardiff-preprocessed text.</summary>
    private static IReadOnlyList<LabelledText> Prepare(IReadOnlyList<LabelledText> data) =>
        data.Select(d => d with { Text = TextNormalizer.ForSentiment(TextNormalizer.DecodeEntities(d.Text)) }).ToArray();

    private static string Counts(IReadOnlyList<LabelledText> data) =>
        string.Join(" / ", Enum.GetValues<SentimentLabel>().Select(l => $"{data.Count(d => d.Label == l):N0} {l.ToString().ToLowerInvariant()}"));

    /// <summary>Progress reported on the training thread (Progress&lt;T&gt; would post to a context we do not have).</summary>
    private sealed class InlineProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
