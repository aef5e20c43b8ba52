using System.CommandLine;
using Pipeline.Host.Commands;
using Pipeline.Host.Settings;

// Only as the program itself: tests that call this entry point in their own process keep their descriptors.
if (System.Reflection.Assembly.GetEntryAssembly() == typeof(ExitCodes).Assembly)
{
    Pipeline.Host.NativeOutput.KeepOffStandardOutput();
    if (Pipeline.Host.NativeOutput.TerminalSize is { } size)
    {
        Spectre.Console.AnsiConsole.Console.Profile.Width = size.Columns;
    }
}

var config = new Option<string?>("--config", "-c")
{
    Description = "HOCON settings file (default: PIPELINE_CONFIG, then pipeline.conf beside the program or in ./hocon)",
    Recursive = true,
};

var run = new Command("run", "Run the service: import the configured files and the inbox, store to PostgreSQL, serve health on the management port.");
run.SetAction(result => Guarded(() => RunCommand.ExecuteAsync(result.GetValue(config))));

var demo = new Command("demo", "Run the demo: embedded PostgreSQL, a simulated Nitter instance on loopback and the full service collecting from it; prints the dashboard and health URLs.");
demo.SetAction(result => Guarded(() => DemoCommand.ExecuteAsync(result.GetValue(config))));

var file = new Argument<FileInfo>("file") { Description = "A CSV (header-mapped), JSON lines or X archive tweets.js file" };
var import = new Command("import", "Import one file through the cleaning stage into PostgreSQL, print a summary and exit.") { file };
import.SetAction(result => Guarded(() => ImportCommand.ExecuteAsync(result.GetValue(config), result.GetValue(file)!)));

var migrate = new Command("migrate", "Apply the database schema migrations and exit.");
migrate.SetAction((result, ct) => Guarded(() => MigrateCommand.ExecuteAsync(result.GetValue(config), ct)));

var trainFile = new Argument<FileInfo?>("file") { Description = "Posts to train on: CSV, JSON lines or tweets.js (only a text column is needed)", Arity = ArgumentArity.ZeroOrOne };
var fromDatabase = new Option<bool>("--from-database") { Description = "Train on the kept posts stored in PostgreSQL instead of a file" };
var trainOut = new Option<string?>("--out") { Description = "Model folder to write (default: models/VERSION)" };
var previousModel = new Option<string?>("--previous") { Description = "Model folder whose topic ids and labels to keep (default: pipeline.topics.model-dir, if present)" };
var noPrevious = new Option<bool>("--no-previous") { Description = "Start ids afresh even if a model is configured" };
var labelsFile = new Option<FileInfo?>("--labels") { Description = "Labels file: one 'id<TAB>label' per line; overrides inherited and automatic labels" };
var topicCount = new Option<int?>("--topics", "-k") { Description = "Number of topics (pipeline.topics.training.topics)" };
var ldaIterations = new Option<int?>("--iterations") { Description = "LDA sampler iterations" };
var ldaSeed = new Option<int?>("--seed") { Description = "Random seed" };
var ldaThreads = new Option<int?>("--threads") { Description = "Sampler threads (1 repeats runs exactly)" };
var ngramLength = new Option<int?>("--ngrams") { Description = "Longest n-gram (1 = unigrams)" };
var alphaSum = new Option<float?>("--alpha-sum") { Description = "Document-topic prior, summed over topics" };
var beta = new Option<float?>("--beta") { Description = "Topic-word prior" };
var trainTopics = new Command("train-topics", "Train the topic model (LDA) from a file or the database, keeping the previous model's topic ids and labels.")
{
    trainFile, fromDatabase, trainOut, previousModel, noPrevious, labelsFile, topicCount, ldaIterations, ldaSeed, ldaThreads, ngramLength, alphaSum, beta,
};
trainTopics.SetAction((result, ct) => Guarded(() => TrainTopicsCommand.ExecuteAsync(
    result.GetValue(config),
    new TrainTopicsRequest(
        result.GetValue(trainFile), result.GetValue(fromDatabase), result.GetValue(trainOut), result.GetValue(previousModel),
        result.GetValue(noPrevious), result.GetValue(labelsFile),
        new TrainTopicsOverrides(result.GetValue(topicCount), result.GetValue(ldaIterations), result.GetValue(ldaSeed),
            result.GetValue(ldaThreads), result.GetValue(ngramLength), result.GetValue(alphaSum), result.GetValue(beta))),
    Spectre.Console.AnsiConsole.Console,
    ct)));

var calibrateFile = new Argument<FileInfo>("file") { Description = "Posts to calibrate on, ideally the model's training corpus: CSV, JSON lines or tweets.js" };
var calibrateModel = new Option<string?>("--model") { Description = "Model folder to calibrate in place (default: pipeline.topics.model-dir)" };
var calibrateTopics = new Command("calibrate-topics", "Calibrate a topic model's Unclassified threshold and turn on reassignment, keeping its topics, ids and labels.")
{
    calibrateFile, calibrateModel,
};
calibrateTopics.SetAction((result, ct) => Guarded(() => TrainTopicsCommand.CalibrateAsync(
    result.GetValue(config), result.GetValue(calibrateFile)!, result.GetValue(calibrateModel), Spectre.Console.AnsiConsole.Console, ct)));

var reloadUrl = new Option<Uri?>("--url")
{
    Description = "The running service's management address (default: pipeline.http host and port)",
    // System.CommandLine has no converter for Uri.
    CustomParser = result =>
    {
        var text = result.Tokens.Single().Value;
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri))
        {
            return uri;
        }

        result.AddError($"--url {text}: not an absolute URL (e.g. http://127.0.0.1:8558/)");
        return null;
    },
};
var reloadPath = new Option<string?>("--path") { Description = "Topic model folder (default: the service's pipeline.topics.model-dir)" };
var reloadTopics = new Command("reload-topics", "Ask the running service to switch to the topic model in a folder, without a restart.") { reloadUrl, reloadPath };
reloadTopics.SetAction((result, ct) => Guarded(() => ReloadModelCommand.TopicsAsync(result.GetValue(config), result.GetValue(reloadUrl), result.GetValue(reloadPath), ct)));
var sentimentPath = new Option<string?>("--path") { Description = "Sentiment model folder, read as the service's pipeline.sentiment.scorer kind (default: its pipeline.sentiment.model-dir)" };
var reloadSentiment = new Command("reload-sentiment", "Ask the running service to switch to the sentiment model in a folder, without a restart.") { reloadUrl, sentimentPath };
reloadSentiment.SetAction((result, ct) => Guarded(() => ReloadModelCommand.SentimentAsync(result.GetValue(config), result.GetValue(reloadUrl), result.GetValue(sentimentPath), ct)));

var rescoreSince = new Option<string>("--since") { Description = "Posts created since: a date (2024-05-01, 2024-05-01T09:00Z, UTC) or a duration back from now (7d, 36h)", Required = true };
var rescoreModel = new Option<string?>("--model") { Description = "Topic model folder (default: the latest retrained model, else pipeline.topics.model-dir)" };
var rescoreBatch = new Option<int>("--batch") { Description = "Posts per transaction", DefaultValueFactory = _ => 2000 };
var rescore = new Command("rescore", "Re-compute the topic of stored posts created since a date with the current topic model (rollups follow), print counts and rate.")
{
    rescoreSince, rescoreModel, rescoreBatch,
};
rescore.SetAction((result, ct) => Guarded(() => RescoreCommand.ExecuteAsync(
    result.GetValue(config), result.GetValue(rescoreSince)!, result.GetValue(rescoreModel), result.GetValue(rescoreBatch), Spectre.Console.AnsiConsole.Console, ct)));

var sentimentText = new Option<FileInfo?>("--text") { Description = "Tweets, one a line (or label<TAB>text lines when --labels is not given)" };
var sentimentData = new Option<string[]>("--data") { Description = "A labelled file as NAME=TEXT:LABELS (or NAME=TSV); repeat for several, e.g. --data en=… --data pcm=…" };
var sentimentLabels = new Option<FileInfo?>("--labels") { Description = "Labels, one a line: 0 negative, 1 neutral, 2 positive" };
var sentimentOut = new Option<DirectoryInfo>("--out") { Description = "Model folder to write (model.zip + sentiment.json)", Required = true };
var sentimentFolds = new Option<int>("--folds") { Description = "Cross-validation folds (offsets are tuned on them); 0 = none", DefaultValueFactory = _ => 5 };
var sentimentL2 = new Option<float?>("--l2") { Description = "L2 regularisation (default: the trainer's)" };
var sentimentAlgorithm = new Option<string>("--trainer") { Description = "sdca or lbfgs", DefaultValueFactory = _ => new Pipeline.Models.Sentiment.BuiltInTrainerOptions().Algorithm };
var sentimentIterations = new Option<int?>("--iterations") { Description = "Maximum trainer iterations (default: the trainer's)" };
var sentimentHashBits = new Option<int>("--hash-bits") { DefaultValueFactory = _ => new Pipeline.Models.Sentiment.SentimentFeaturizerOptions().HashBits };
var sentimentWordNgrams = new Option<int>("--word-ngrams") { DefaultValueFactory = _ => new Pipeline.Models.Sentiment.SentimentFeaturizerOptions().WordNgramLength };
var sentimentCharWeight = new Option<float>("--char-weight") { Description = "0 = no character n-grams", DefaultValueFactory = _ => new Pipeline.Models.Sentiment.SentimentFeaturizerOptions().CharWeight };
var sentimentNoLexicon = new Option<bool>("--no-lexicon") { Description = "Leave out the VADER lexicon features" };
var sentimentNoNegation = new Option<bool>("--no-negation") { Description = "Leave out negation marking" };
var sentimentNoPidgin = new Option<bool>("--no-pidgin") { Description = "Leave out the Pidgin negations, intensifiers, markers, lexicon and offsets (the pcm file still counts by weighted F1)" };
var sentimentPidginWeight = new Option<float>("--pidgin-weight") { Description = "Weight of each example of the pcm corpus (English ones weigh 1 on average)", DefaultValueFactory = _ => new Pipeline.Models.Sentiment.BuiltInTrainerOptions().PidginWeight };
var sentimentNaiveBayes = new Option<bool>("--nb") { Description = "NB-SVM: scale each n-gram by its naive-Bayes log-count ratio, learned from the rows being fitted" };
var sentimentNaiveBayesAlpha = new Option<float>("--nb-alpha") { Description = "Smoothing count of the --nb ratios", DefaultValueFactory = _ => new Pipeline.Models.Sentiment.BuiltInTrainerOptions().NaiveBayesAlpha };
var trainSentiment = new Command("train-sentiment", "Train the built-in sentiment model (ML.NET) on labelled files (the one named pcm is Pidgin), with cross-validation.")
{
    sentimentData, sentimentText, sentimentLabels, sentimentOut, sentimentFolds, sentimentL2, sentimentAlgorithm, sentimentIterations, sentimentHashBits, sentimentWordNgrams, sentimentCharWeight, sentimentNoLexicon, sentimentNoNegation,
    sentimentNoPidgin, sentimentPidginWeight, sentimentNaiveBayes, sentimentNaiveBayesAlpha,
};
trainSentiment.SetAction(result => Guarded(() => Task.FromResult(SentimentCommands.Train(
    SentimentCommands.ReadCorpora(result.GetValue(sentimentData), result.GetValue(sentimentText), result.GetValue(sentimentLabels), "train"),
    result.GetValue(sentimentOut)!,
    new Pipeline.Models.Sentiment.BuiltInTrainerOptions
    {
        PidginWeight = result.GetValue(sentimentPidginWeight),
        NaiveBayesScaling = result.GetValue(sentimentNaiveBayes),
        NaiveBayesAlpha = result.GetValue(sentimentNaiveBayesAlpha),
        Folds = result.GetValue(sentimentFolds),
        L2Regularization = result.GetValue(sentimentL2),
        Algorithm = result.GetValue(sentimentAlgorithm)!,
        MaximumIterations = result.GetValue(sentimentIterations),
        Featurizer = new Pipeline.Models.Sentiment.SentimentFeaturizerOptions
        {
            HashBits = result.GetValue(sentimentHashBits),
            WordNgramLength = result.GetValue(sentimentWordNgrams),
            CharWeight = result.GetValue(sentimentCharWeight),
            UseLexicon = !result.GetValue(sentimentNoLexicon),
            MarkNegation = !result.GetValue(sentimentNoNegation),
            Pidgin = !result.GetValue(sentimentNoPidgin),
        },
    }))));

var evalModel = new Option<string?>("--model") { Description = "Model folder (default: pipeline.sentiment.model-dir, or the shipped built-in model for --scorer builtin)" };
var evalScorer = new Option<string?>("--scorer") { Description = "builtin or onnx (default: pipeline.sentiment.scorer, with its model-dir and onnx session settings)" };
var evalBatch = new Option<int>("--batch") { Description = "Tweets per Score call", DefaultValueFactory = _ => 1024 };
var evalSentiment = new Command("eval-sentiment", "Evaluate a sentiment scorer on labelled files: a row each (macro recall, macro/weighted F1, accuracy, tweets/s), then per-class P/R/F1 and confusion.")
{
    sentimentData, sentimentText, sentimentLabels, evalModel, evalScorer, evalBatch,
};
evalSentiment.SetAction(result => Guarded(() => Task.FromResult(SentimentCommands.Evaluate(
    SentimentCommands.ReadCorpora(result.GetValue(sentimentData), result.GetValue(sentimentText), result.GetValue(sentimentLabels), result.GetValue(sentimentText)?.Name ?? ""),
    SentimentCommands.EvaluationSettings(SentimentCommands.ConfiguredSentiment(result.GetValue(config)), result.GetValue(evalScorer), result.GetValue(evalModel)),
    result.GetValue(evalBatch),
    Spectre.Console.AnsiConsole.Console))));

var root = new RootCommand("Pipeline: what customers say about companies on social media, cleaned, scored and kept in PostgreSQL.")
{
    run, demo, import, migrate, trainTopics, calibrateTopics, rescore, reloadTopics, reloadSentiment, trainSentiment, evalSentiment,
};
root.Options.Add(config);
root.Subcommands.Add(ForgetCommand.Create(config));
root.Subcommands.Add(ExportCommand.Create(config));

// The run, demo and import verbs handle SIGTERM/SIGINT themselves to drain in-flight batches.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });

static async Task<int> Guarded(Func<Task<int>> verb)
{
    try
    {
        return await verb();
    }
    catch (Exception e) when (ExitCodes.For(e) is { } failure)
    {
        Console.Error.WriteLine($"pipeline: {failure.Message}");
        return failure.Code;
    }
}
