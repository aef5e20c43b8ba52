using System.CommandLine;
using System.Globalization;
using Pipeline.Actors.Import;
using Pipeline.Actors.Storage;
using Pipeline.Host.Database;
using Pipeline.Host.Settings;
using Pipeline.Models.Topics;
using Spectre.Console;

namespace Pipeline.Host.Commands;

/// <summary>Command-line overrides of <c>pipeline.topics.training</c>; null keeps the configured value.</summary>
public sealed record TrainTopicsOverrides(
    int? Topics = null,
    int? Iterations = null,
    int? Seed = null,
    int? Threads = null,
    int? NgramLength = null,
    float? AlphaSum = null,
    float? Beta = null)
{
    public TopicTrainingSettings ApplyTo(TopicTrainingSettings settings) => settings with
    {
        Topics = Topics ?? settings.Topics,
        Iterations = Iterations ?? settings.Iterations,
        Seed = Seed ?? settings.Seed,
        Threads = Threads ?? settings.Threads,
        NgramLength = NgramLength ?? settings.NgramLength,
        AlphaSum = AlphaSum ?? settings.AlphaSum,
        Beta = Beta ?? settings.Beta,
    };
}

/// <param name="File">Posts to train on (CSV, JSON lines, X archive); null with <paramref name="FromDatabase"/>.</param>
/// <param name="Output">The model folder to write; null: <c>models/VERSION</c> in the working directory.</param>
/// <param name="Previous">The model whose ids and labels to keep; null: the configured model folder, if there is one.</param>
public sealed record TrainTopicsRequest(
    FileInfo? File,
    bool FromDatabase,
    string? Output,
    string? Previous,
    bool NoPrevious,
    FileInfo? Labels,
    TrainTopicsOverrides Overrides);

/// <summary>
/// <c>pipeline train-topics</c>: reads post texts from a file or the database, trains the topic model
/// (<see cref="TopicTrainer"/>), keeps the previous model's ids and labels, writes the model folder
/// and prints topics, the match with the previous model and the metrics.
/// </summary>
public sealed class TrainTopicsCommand : PipelineCommand
{
    private const int ProblemsShown = 10;

    private readonly Argument<FileInfo?> _file = new("file")
    {
        Description = "Posts to train on: CSV, JSON lines or tweets.js (only a text column is needed)", Arity = ArgumentArity.ZeroOrOne,
    };

    private readonly Option<bool> _fromDatabase = new("--from-database") { Description = "Train on the kept posts stored in PostgreSQL instead of a file" };
    private readonly Option<string?> _out = new("--out") { Description = "Model folder to write (default: models/VERSION)" };
    private readonly Option<string?> _previous = new("--previous") { Description = "Model folder whose topic ids and labels to keep (default: pipeline.topics.model-dir, if present)" };
    private readonly Option<bool> _noPrevious = new("--no-previous") { Description = "Start ids afresh even if a model is configured" };
    private readonly Option<FileInfo?> _labels = new("--labels") { Description = "Labels file: one 'id<TAB>label' per line; overrides inherited and automatic labels" };
    private readonly Option<int?> _topics = new("--topics", "-k") { Description = "Number of topics (pipeline.topics.training.topics)" };
    private readonly Option<int?> _iterations = new("--iterations") { Description = "LDA sampler iterations" };
    private readonly Option<int?> _seed = new("--seed") { Description = "Random seed" };
    private readonly Option<int?> _threads = new("--threads") { Description = "Sampler threads (1 repeats runs exactly)" };
    private readonly Option<int?> _ngrams = new("--ngrams") { Description = "Longest n-gram (1 = unigrams)" };
    private readonly Option<float?> _alphaSum = new("--alpha-sum") { Description = "Document-topic prior, summed over topics" };
    private readonly Option<float?> _beta = new("--beta") { Description = "Topic-word prior" };

    public TrainTopicsCommand()
        : base("train-topics", "Train the topic model (LDA) from a file or the database, keeping the previous model's topic ids and labels.")
    {
        Declare(_file, _fromDatabase, _out, _previous, _noPrevious, _labels, _topics, _iterations, _seed, _threads, _ngrams, _alphaSum, _beta);

        SetAction((result, context, ct) => ExecuteAsync(
            context,
            new TrainTopicsRequest(
                result.GetValue(_file), result.GetValue(_fromDatabase), result.GetValue(_out), result.GetValue(_previous), result.GetValue(_noPrevious),
                result.GetValue(_labels),
                new TrainTopicsOverrides(result.GetValue(_topics), result.GetValue(_iterations), result.GetValue(_seed), result.GetValue(_threads),
                    result.GetValue(_ngrams), result.GetValue(_alphaSum), result.GetValue(_beta))),
            AnsiConsole.Console,
            ct));
    }

    public static async Task<int> ExecuteAsync(string? configPath, TrainTopicsRequest request, IAnsiConsole console, CancellationToken ct = default)
    {
        using var context = new CommandContext(configPath);
        return await ExecuteAsync(context, request, console, ct);
    }

    public static async Task<int> ExecuteAsync(CommandContext context, TrainTopicsRequest request, IAnsiConsole console, CancellationToken ct)
    {
        if ((request.File is null) == !request.FromDatabase)
        {
            return Fail(ExitCodes.BadInput, "give either a FILE to train on or --from-database, not both or neither");
        }

        var settings = context.Settings;
        var training = request.Overrides.ApplyTo(SettingsLoader.LoadTopicTraining(context.Config));
        if (training.Problems() is { Count: > 0 } problems)
        {
            throw new SettingsException(problems.Select(p => $"{p} (command line over {SettingsLoader.TopicTrainingKey})").ToList());
        }

        TopicCatalog? previous;
        string? previousDirectory;
        IReadOnlyDictionary<int, string>? labels;
        try
        {
            (previous, previousDirectory) = ReadPrevious(request, settings.Topics.ModelDirectory);
            labels = request.Labels is { } labelsFile
                ? TopicLabels.Read(labelsFile.Exists ? labelsFile.FullName : throw new FileNotFoundException($"labels file not found ({labelsFile.FullName})"))
                : null;
        }
        catch (Exception e) when (e is InvalidDataException or TopicLabelsFormatException or FileNotFoundException)
        {
            return Fail(ExitCodes.BadInput, e.Message);
        }

        if (request.File is { Exists: false } missing)
        {
            throw new PostFileException(missing.Name, null, $"file not found ({missing.FullName})");
        }

        var texts = new List<string>();
        var unreadable = new List<string>();
        var unreadableCount = 0;
        TopicTrainingResult? result = null;
        await console.Progress()
            .AutoClear(false)
            .Columns(new SpinnerColumn(), new TaskDescriptionColumn { Alignment = Justify.Left }, new ElapsedTimeColumn())
            .StartAsync(async progress =>
            {
                var source = request.File?.Name ?? "the database";
                var reading = progress.AddTask($"Reading {source}").IsIndeterminate();
                if (request.File is { } file)
                {
                    unreadableCount = await ReadFileAsync(file, settings, texts, unreadable, count => reading.Description = $"Reading {source}: {count:N0} texts", ct);
                }
                else
                {
                    await using var database = await PipelineDatabase.OpenAsync(settings, context.Loggers, ct, joinRunningServer: true);
                    await foreach (var text in TrainingTexts.ReadKeptAsync(database.DataSource, ct))
                    {
                        texts.Add(text);
                    }
                }

                reading.Description = $"Read {texts.Count:N0} texts from {source}" + (unreadableCount > 0 ? $" ({unreadableCount:N0} unreadable records)" : "");
                Finish(reading);
                if (texts.Count == 0)
                {
                    return;
                }

                ProgressTask? current = null;
                var phaseProgress = new SynchronousProgress<TrainingPhase>(phase =>
                {
                    if (current is not null)
                    {
                        Finish(current);
                    }

                    current = progress.AddTask(Describe(phase, texts.Count, training)).IsIndeterminate();
                });
                result = await Task.Run(
                    () => TopicTrainer.Train(texts, training, new TopicTrainingOptions(previous, labels, settings.Cleaning.DomainStopwords), phaseProgress),
                    ct);
                if (current is not null)
                {
                    Finish(current);
                }
            });

        foreach (var problem in unreadable)
        {
            console.MarkupLineInterpolated($"[yellow]skipped[/] {problem}");
        }

        if (unreadableCount > unreadable.Count)
        {
            console.MarkupLineInterpolated($"[yellow]… and {unreadableCount - unreadable.Count:N0} more unreadable records[/]");
        }

        if (result is null)
        {
            return Fail(ExitCodes.BadInput, $"no texts to train on in {request.File?.FullName ?? "the database (no kept posts yet)"}");
        }

        var output = Path.GetFullPath(request.Output ?? Path.Combine("models", result.Model.Version));
        result.Save(output);
        PrintTopics(console, result);
        if (previous is not null)
        {
            PrintMatch(console, result, previousDirectory!, previous);
        }

        PrintMetrics(console, result.Metrics, output);
        return ExitCodes.Ok;
    }

    // Texts into `texts`, the first few problems into `unreadable`; returns how many records could not be read.
    private static async Task<int> ReadFileAsync(
        FileInfo file, PipelineSettings settings, List<string> texts, List<string> unreadable, Action<int> progress, CancellationToken ct)
    {
        var unreadableCount = 0;
        await foreach (var record in PostFileReader.ReadTextsAsync(file.FullName, settings.Limits, ct))
        {
            if (record.Text is { } text)
            {
                texts.Add(text);
            }
            else
            {
                unreadableCount++;
                if (unreadable.Count < ProblemsShown)
                {
                    unreadable.Add(record.Problem ?? record.Location);
                }
            }

            if (texts.Count % 5000 == 0)
            {
                progress(texts.Count);
            }
        }

        return unreadableCount;
    }

    /// <summary>
    /// <c>pipeline calibrate-topics FILE</c>: calibrates an existing model's Unclassified threshold and turns on
    /// reassignment, on the posts in FILE, without touching its topics, ids or labels. Rewrites topics.json (and
    /// the decision part of metrics.json) in the model folder; model.zip stays as it is.
    /// </summary>
    public static async Task<int> CalibrateAsync(string? configPath, FileInfo file, string? modelDirectory, IAnsiConsole console, CancellationToken ct = default)
    {
        using var context = new CommandContext(configPath);
        return await CalibrateAsync(context, file, modelDirectory, console, ct);
    }

    /// <inheritdoc cref="CalibrateAsync(string?, FileInfo, string?, IAnsiConsole, CancellationToken)"/>
    public static async Task<int> CalibrateAsync(CommandContext context, FileInfo file, string? modelDirectory, IAnsiConsole console, CancellationToken ct)
    {
        var settings = context.Settings;
        var training = SettingsLoader.LoadTopicTraining(context.Config);
        var directory = Path.GetFullPath(modelDirectory ?? settings.Topics.ModelDirectory);
        TopicModel model;
        try
        {
            model = TopicModel.Load(directory);
        }
        catch (InvalidDataException e)
        {
            return Fail(ExitCodes.BadInput, e.Message);
        }

        if (!file.Exists)
        {
            throw new PostFileException(file.Name, null, $"file not found ({file.FullName})");
        }

        var texts = new List<string>();
        var unreadable = new List<string>();
        var unreadableCount = await ReadFileAsync(file, settings, texts, unreadable, _ => { }, ct);
        if (texts.Count == 0)
        {
            return Fail(ExitCodes.BadInput, $"no texts to calibrate on in {file.FullName}");
        }

        var skipped = unreadableCount > 0 ? $" ({unreadableCount:N0} unreadable records)" : "";
        console.MarkupLineInterpolated($"Calibrating {model.Version} on {texts.Count:N0} texts from {file.Name}{skipped}");
        var (calibrated, metrics, sameCorpus) = await Task.Run(
            () => TopicTrainer.Calibrate(model, texts, training, settings.Cleaning.DomainStopwords), ct);
        // model.zip stays untouched (the topics do not change); the rule goes into topics.json, the longer word lists beside it.
        TopicCatalogJson.Write(Path.Combine(directory, TopicCatalogJson.FileName), calibrated.Catalog);
        TopicWordWeights.Write(Path.Combine(directory, TopicWordWeights.FileName), calibrated.WordWeights!);
        var metricsPath = Path.Combine(directory, TopicTrainingResult.MetricsFileName);
        if (File.Exists(metricsPath))
        {
            var previous = TopicMetricsJson.Deserialize(await File.ReadAllTextAsync(metricsPath, ct), metricsPath);
            await File.WriteAllTextAsync(
                metricsPath,
                TopicMetricsJson.Serialize(previous with { Decision = metrics, DecisionSettings = training.DescribeDecision() }),
                new System.Text.UTF8Encoding(false),
                ct);
        }

        var table = new Table().Title($"Decision rule of {Markup.Escape(calibrated.Version)}").AddColumn("").AddColumn(new TableColumn("value").RightAligned());
        table.AddRow(
            "calibrated on",
            sameCorpus
                ? "the model's own training corpus (tokens and settings hash to its version)"
                : "a corpus other than the model's training corpus (or other training settings)");
        AddDecisionRows(table, metrics);
        table.AddRow("model folder", Markup.Escape(directory));
        console.Write(table);
        return ExitCodes.Ok;
    }

    private static (TopicCatalog? Catalog, string? Directory) ReadPrevious(TrainTopicsRequest request, string configuredDirectory)
    {
        if (request.NoPrevious)
        {
            return (null, null);
        }

        if (request.Previous is { } explicitDirectory)
        {
            var path = Path.Combine(explicitDirectory, TopicCatalogJson.FileName);
            if (!File.Exists(path))
            {
                throw new InvalidDataException($"--previous {explicitDirectory}: no {TopicCatalogJson.FileName} in {Path.GetFullPath(explicitDirectory)}");
            }

            return (TopicCatalogJson.Read(path), Path.GetFullPath(explicitDirectory));
        }

        // The configured model is the one dashboards show; a retrain keeps its ids unless told otherwise.
        // pipeline.topics.model-dir, already looked up in the working directory, then beside the program.
        var configured = Path.Combine(configuredDirectory, TopicCatalogJson.FileName);
        if (File.Exists(configured))
        {
            return (TopicCatalogJson.Read(configured), Path.GetFullPath(configuredDirectory));
        }

        return (null, null);
    }

    private static string Describe(TrainingPhase phase, int documents, TopicTrainingSettings settings) => phase switch
    {
        TrainingPhase.Tokenising => $"Tokenising {documents:N0} texts",
        TrainingPhase.Training => $"Training LDA: {settings.Topics} topics, {settings.Iterations} iterations",
        TrainingPhase.Matching => "Matching topics to the previous model",
        TrainingPhase.ScoringCoherence => "Scoring coherence (c_v, u_mass, NPMI)",
        _ => phase.ToString(),
    };

    private static void Finish(ProgressTask task)
    {
        task.IsIndeterminate = false;
        task.MaxValue = 1;
        task.Value = 1;
        task.StopTask();
    }

    private static void PrintTopics(IAnsiConsole console, TopicTrainingResult result)
    {
        var table = new Table().Title(result.Model.Version)
            .AddColumn(new TableColumn("id").RightAligned())
            .AddColumn("label")
            .AddColumn(new TableColumn("share").RightAligned())
            .AddColumn(new TableColumn("c_v").RightAligned())
            .AddColumn("top words");
        var coherence = result.Metrics.Topics;
        for (var i = 0; i < result.Model.Catalog.Topics.Count; i++)
        {
            var topic = result.Model.Catalog.Topics[i];
            table.AddRow(
                Markup.Escape(topic.Id.ToString(CultureInfo.InvariantCulture)),
                Markup.Escape(topic.Label),
                topic.Share.ToString("P1", CultureInfo.InvariantCulture),
                coherence[i].CV?.ToString("0.000", CultureInfo.InvariantCulture) ?? "-",
                Markup.Escape(string.Join(' ', topic.TopWords.Take(10).Select(w => w.Word))));
        }

        console.Write(table);
    }

    private static void PrintMatch(IAnsiConsole console, TopicTrainingResult result, string previousDirectory, TopicCatalog previous)
    {
        var table = new Table().Title($"Identity: kept from {previous.ModelVersion} ({Markup.Escape(previousDirectory)})");
        foreach (var header in TopicTableRow.Headers)
        {
            table.AddColumn(header);
        }

        foreach (var row in result.Match.ToTable())
        {
            table.AddRow(row.Cells().Select(Markup.Escape).ToArray());
        }

        console.Write(table);
    }

    private static void PrintMetrics(IAnsiConsole console, TopicTrainingMetrics metrics, string output)
    {
        static string N(double? value, string format) => value?.ToString(format, CultureInfo.InvariantCulture) ?? "- (a topic has no scorable word)";
        var table = new Table().Title("Metrics").AddColumn("").AddColumn(new TableColumn("value").RightAligned());
        table.AddRow("documents", metrics.Documents.ToString("N0", CultureInfo.InvariantCulture));
        table.AddRow("documents without a vocabulary word", metrics.EmptyDocuments.ToString("N0", CultureInfo.InvariantCulture));
        table.AddRow("vocabulary", metrics.Vocabulary.ToString("N0", CultureInfo.InvariantCulture));
        table.AddRow("tokens", metrics.Tokens.ToString("N0", CultureInfo.InvariantCulture));
        table.AddRow("training s", metrics.TrainingSeconds.ToString("0.0", CultureInfo.InvariantCulture));
        table.AddRow("c_v (top 10)", N(metrics.CV, "0.0000"));
        table.AddRow("u_mass (top 10)", N(metrics.UMass, "0.000"));
        table.AddRow("NPMI (top 10)", N(metrics.Npmi, "0.000"));
        if (metrics.Decision is { } decision)
        {
            AddDecisionRows(table, decision);
        }

        table.AddRow("model folder", Markup.Escape(output));
        console.Write(table);
    }

    // Before/after on the corpus the rule was calibrated on, so a retrain shows what calibration and reassignment bought.
    private static void AddDecisionRows(Table table, TopicDecisionMetrics decision)
    {
        static string P(double share) => share.ToString("P1", CultureInfo.InvariantCulture);
        table.AddRow(
            "Unclassified threshold",
            string.Create(CultureInfo.InvariantCulture, $"{decision.Threshold:0.0000} (q{decision.Quantile * 100:0.#} of {decision.NullDocuments:N0} shuffled documents)"));
        table.AddRow("median top probability: shuffled / real", string.Create(CultureInfo.InvariantCulture, $"{decision.NullMedianTop:0.000} / {decision.MedianTop:0.000}"));
        table.AddRow($"Unclassified at {TopicDecision.DefaultThreshold.ToString(CultureInfo.InvariantCulture)}", P(decision.UnclassifiedAtDefault));
        table.AddRow("Unclassified at the calibrated threshold", P(decision.UnclassifiedAtThreshold));
        table.AddRow("Unclassified after reassignment", $"{P(decision.UnclassifiedAfterReassignment)} ({P(decision.Reassigned)} reassigned, {P(decision.NoKnownToken)} without a known word)");
    }
}
