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
    public static SentimentSettings ConfiguredSentiment(string? configPath)
    {
        using var context = new CommandContext(configPath);
        return context.Settings.Sentiment;
    }

    /// <summary>
    /// The labelled files named on the command line: each <c>--data NAME=TEXT[:LABELS]</c> (a text
    /// file with its labels file, or one label&lt;TAB&gt;text file), then <c>--text</c>/<c>--labels</c> as
    /// one more file named <paramref name="textName"/>.
    /// </summary>
    public static IReadOnlyList<SentimentCorpus> ReadCorpora(IReadOnlyList<string>? data, FileInfo? text, FileInfo? labels, string textName)
    {
        var corpora = new List<SentimentCorpus>();
        foreach (var spec in data ?? [])
        {
            var equals = spec.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || equals == spec.Length - 1)
            {
                throw new LabelledFileException($"--data {spec}: expected NAME=TEXT[:LABELS], e.g. pcm=train_text.txt:train_labels.txt.");
            }

            var name = spec[..equals];
            var files = spec[(equals + 1)..];
            var colon = files.LastIndexOf(':');
            corpora.Add(new SentimentCorpus(name, Prepare(colon > 0
                ? LabelledSentimentFile.ReadPair(files[..colon], files[(colon + 1)..])
                : LabelledSentimentFile.ReadTsv(files))));
        }

        if (text is not null)
        {
            corpora.Add(new SentimentCorpus(textName, Prepare(Read(text, labels))));
        }

        if (corpora.Count == 0)
        {
            throw new LabelledFileException("No labelled file: give --text (with --labels) or one or more --data NAME=TEXT[:LABELS].");
        }

        var duplicate = corpora.GroupBy(c => c.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new LabelledFileException($"Two labelled files are named '{duplicate.Key}': give each --data a different NAME.");
        }

        return corpora;
    }

    /// <param name="outOfFold">Where to write each training row's cross-validation prediction (TSV), or null.</param>
    public static int Train(IReadOnlyList<SentimentCorpus> corpora, DirectoryInfo output, BuiltInTrainerOptions options, FileInfo? outOfFold = null)
    {
        foreach (var corpus in corpora)
        {
            var role = corpus.Name != options.PidginCorpus ? "macro recall"
                : options.Featurizer.Pidgin ? "Pidgin: weighted F1, lexicon, own offsets"
                : "Pidgin: weighted F1 (Pidgin features off)";
            AnsiConsole.MarkupLine($"[bold]{Markup.Escape(corpus.Name)}[/]: {corpus.Data.Count:N0} tweets ({Counts(corpus.Data)}), {role}");
        }

        AnsiConsole.MarkupLine($"Training on [bold]{corpora.Sum(c => c.Data.Count):N0}[/] tweets, {options.Folds}-fold cross-validation");
        BuiltInSentimentTrainer.Result? result = null;
        AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask("featurising", maxValue: 1);
                result = BuiltInSentimentTrainer.Train(corpora, options, output.FullName, new InlineProgress(p =>
                {
                    task.Description = p.Stage;
                    task.Value = p.Fraction;
                }));
            });

        var metadata = result!.Metadata;
        var f = CultureInfo.InvariantCulture;
        if (metadata.CrossValidation is { } cv)
        {
            var table = new Table().Title($"cross-validation on the training files ({cv.Folds} folds, out-of-fold)")
                .AddColumn("corpus").AddColumn(new TableColumn("n").RightAligned()).AddColumn("metric")
                .AddColumn(new TableColumn("argmax").RightAligned()).AddColumn(new TableColumn("with offsets").RightAligned()).AddColumn("per fold (argmax)");
            foreach (var corpus in cv.Corpora)
            {
                table.AddRow(Markup.Escape(corpus.Name), corpus.Examples.ToString("N0", f), corpus.Metric, corpus.Argmax.ToString("0.0000", f),
                    corpus.WithOffsets.ToString("0.0000", f), string.Join(" ", corpus.FoldArgmax.Select(r => r.ToString("0.000", f))));
            }

            AnsiConsole.Write(table);
        }

        var summary = new Table().Title($"{metadata.ModelVersion}").AddColumn("").AddColumn(new TableColumn("value").RightAligned());
        summary.AddRow("class offsets (neg neu pos)", string.Join(" ", metadata.ClassOffsets.Select(o => o.ToString("0.00", f))));
        if (metadata.PidginClassOffsets is { } pidgin)
        {
            summary.AddRow($"Pidgin offsets (≥ {metadata.PidginMarkerThreshold} markers)", string.Join(" ", pidgin.Select(o => o.ToString("0.00", f))));
        }

        if (metadata.PidginLexiconFile is { } lexicon)
        {
            summary.AddRow("Pidgin lexicon", Markup.Escape(lexicon));
        }

        if (outOfFold is not null)
        {
            WriteOutOfFold(outOfFold, result.OutOfFold);
            summary.AddRow("out-of-fold predictions", Markup.Escape(outOfFold.FullName));
        }

        summary.AddRow("training seconds", result.Elapsed.TotalSeconds.ToString("0", f));
        summary.AddRow("written to", Markup.Escape(output.FullName));
        AnsiConsole.Write(summary);
        return ExitCodes.Ok;
    }

    /// <param name="settings">The scorer to build, through the same factory as the service (see <see cref="EvaluationSettings"/>).</param>
    public static int Evaluate(FileInfo text, FileInfo? labels, SentimentSettings settings, int batchSize, IAnsiConsole console) =>
        Evaluate(ReadCorpora(null, text, labels, text.Name), settings, batchSize, console);

    /// <summary>Scores each labelled file with one scorer: a summary row per file, then each file's per-class table and confusion matrix.</summary>
    public static int Evaluate(IReadOnlyList<SentimentCorpus> corpora, SentimentSettings settings, int batchSize, IAnsiConsole console)
    {
        using var scorer = SentimentScorers.Create(settings);
        var reports = new List<(string Name, SentimentEvaluationReport Report)>();
        foreach (var corpus in corpora)
        {
            // One warm-up batch so the timing is of scoring, not of JIT and first-touch page faults.
            scorer.Score(corpus.Data.Take(Math.Min(batchSize, corpus.Data.Count)).Select(d => d.Text).ToArray());
            reports.Add((corpus.Name, SentimentEvaluation.Evaluate(scorer, corpus.Data, batchSize)));
        }

        var f = CultureInfo.InvariantCulture;
        var table = new Table().Title($"model {Markup.Escape(scorer.ModelVersion)}").AddColumn("file").AddColumn(new TableColumn("n").RightAligned())
            .AddColumn(new TableColumn("macro recall").RightAligned()).AddColumn(new TableColumn("macro F1").RightAligned())
            .AddColumn(new TableColumn("weighted F1").RightAligned()).AddColumn(new TableColumn("accuracy").RightAligned())
            .AddColumn(new TableColumn("tweets/s").RightAligned());
        foreach (var (name, report) in reports)
        {
            var m = report.Metrics;
            table.AddRow(Markup.Escape(name), m.Count.ToString("N0", f), m.MacroRecall.ToString("0.0000", f), m.MacroF1.ToString("0.0000", f),
                m.WeightedF1.ToString("0.0000", f), m.Accuracy.ToString("0.0000", f), report.TweetsPerSecond.ToString("N0", f));
        }

        console.Write(table);
        console.MarkupLine($"tweets/s: batches of {batchSize} ({(batchSize < 256 ? "the built-in scorer scores a batch this small on the calling thread" : "the built-in scorer spreads a batch this large over the cores")}), {Environment.ProcessorCount} cores");
        foreach (var (name, report) in reports)
        {
            console.WriteLine();
            Print(console, report, name);
        }

        return ExitCodes.Ok;
    }

    public static void Print(IAnsiConsole console, SentimentEvaluationReport report, string title)
    {
        var m = report.Metrics;
        var f = CultureInfo.InvariantCulture;
        console.MarkupLine($"[bold]{Markup.Escape(title)}[/]: {m.Count:N0} tweets, model {Markup.Escape(report.ModelVersion)}");
        console.MarkupLine($"macro recall [bold]{m.MacroRecall.ToString("0.0000", f)}[/]   macro F1 {m.MacroF1.ToString("0.0000", f)}   weighted F1 {m.WeightedF1.ToString("0.0000", f)}   accuracy {m.Accuracy.ToString("0.0000", f)}");
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

    /// <summary>
    /// One line per training row: corpus, fold, gold label (0..2), Pidgin markers, the three raw class
    /// scores, then the featurizer's tokens (negated ones suffixed <c>_neg</c>) separated by spaces: what
    /// another model needs to be cross-validated on the same folds and stacked with this one.
    /// </summary>
    private static void WriteOutOfFold(FileInfo file, IReadOnlyList<BuiltInSentimentTrainer.OutOfFoldPrediction> rows)
    {
        var f = CultureInfo.InvariantCulture;
        using var writer = new StreamWriter(file.FullName);
        writer.WriteLine("corpus\tfold\tlabel\tmarkers\tnegative\tneutral\tpositive\ttokens");
        foreach (var row in rows)
        {
            var tokens = string.Join(' ', row.Tokens.Select(t => string.Concat(t.Text.Where(c => !char.IsWhiteSpace(c))) + (t.Negated ? "_neg" : "")));
            writer.WriteLine(string.Join('\t', row.Corpus, row.Fold.ToString(f), ((int)row.Label).ToString(f), row.PidginMarkers.ToString(f),
                row.Logits[0].ToString("R", f), row.Logits[1].ToString("R", f), row.Logits[2].ToString("R", f), tokens));
        }
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
