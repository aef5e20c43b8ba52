using System.CommandLine;
using Pipeline.Models.Sentiment;

namespace Pipeline.Host.Commands;

/// <summary><c>pipeline train-sentiment</c>: see <see cref="SentimentCommands.Train"/>.</summary>
public sealed class TrainSentimentCommand : PipelineCommand
{
    private static readonly BuiltInTrainerOptions Trainer = new();
    private static readonly SentimentFeaturizerOptions Featurizer = new();

    private readonly LabelledFileOptions _files = new();
    private readonly Option<DirectoryInfo> _out = new("--out") { Description = "Model folder to write (model.zip + sentiment.json)", Required = true };
    private readonly Option<int> _folds = new("--folds") { Description = "Cross-validation folds (offsets are tuned on them); 0 = none", DefaultValueFactory = _ => 5 };
    private readonly Option<float?> _l2 = new("--l2") { Description = "L2 regularisation (default: the trainer's)" };
    private readonly Option<string> _algorithm = new("--trainer") { Description = "sdca or lbfgs", DefaultValueFactory = _ => Trainer.Algorithm };
    private readonly Option<int?> _iterations = new("--iterations") { Description = "Maximum trainer iterations (default: the trainer's)" };
    private readonly Option<int> _hashBits = new("--hash-bits") { DefaultValueFactory = _ => Featurizer.HashBits };
    private readonly Option<int> _wordNgrams = new("--word-ngrams") { DefaultValueFactory = _ => Featurizer.WordNgramLength };
    private readonly Option<float> _charWeight = new("--char-weight") { Description = "0 = no character n-grams", DefaultValueFactory = _ => Featurizer.CharWeight };
    private readonly Option<bool> _noLexicon = new("--no-lexicon") { Description = "Leave out the VADER lexicon features" };
    private readonly Option<bool> _noNegation = new("--no-negation") { Description = "Leave out negation marking" };
    private readonly Option<bool> _noPidgin = new("--no-pidgin") { Description = "Leave out the Pidgin negations, intensifiers, markers, lexicon and offsets (the pcm file still counts by weighted F1)" };
    private readonly Option<float> _pidginWeight = new("--pidgin-weight") { Description = "Weight of each example of the pcm corpus (English ones weigh 1 on average)", DefaultValueFactory = _ => Trainer.PidginWeight };
    private readonly Option<bool> _naiveBayes = new("--nb") { Description = "NB-SVM: scale each n-gram by its naive-Bayes log-count ratio, learned from the rows being fitted" };
    private readonly Option<float> _naiveBayesAlpha = new("--nb-alpha") { Description = "Smoothing count of the --nb ratios", DefaultValueFactory = _ => Trainer.NaiveBayesAlpha };
    private readonly Option<FileInfo?> _outOfFold = new("--out-of-fold") { Description = "Write each training row's cross-validation prediction, fold and tokens to this TSV (to cross-validate other models on the same folds)" };

    public TrainSentimentCommand()
        : base("train-sentiment", "Train the built-in sentiment model (ML.NET) on labelled files (the one named pcm is Pidgin), with cross-validation.")
    {
        Declare([.. _files.All, _out, _folds, _l2, _algorithm, _iterations, _hashBits, _wordNgrams, _charWeight, _noLexicon, _noNegation,
            _noPidgin, _pidginWeight, _naiveBayes, _naiveBayesAlpha, _outOfFold]);
        SetAction((result, _, _) => Task.FromResult(SentimentCommands.Train(
            _files.Read(result, "train"), result.GetValue(_out)!, TrainerOptions(result), result.GetValue(_outOfFold))));
    }

    private BuiltInTrainerOptions TrainerOptions(ParseResult result) => new()
    {
        PidginWeight = result.GetValue(_pidginWeight),
        NaiveBayesScaling = result.GetValue(_naiveBayes),
        NaiveBayesAlpha = result.GetValue(_naiveBayesAlpha),
        Folds = result.GetValue(_folds),
        L2Regularization = result.GetValue(_l2),
        Algorithm = result.GetValue(_algorithm)!,
        MaximumIterations = result.GetValue(_iterations),
        Featurizer = new SentimentFeaturizerOptions
        {
            HashBits = result.GetValue(_hashBits),
            WordNgramLength = result.GetValue(_wordNgrams),
            CharWeight = result.GetValue(_charWeight),
            UseLexicon = !result.GetValue(_noLexicon),
            MarkNegation = !result.GetValue(_noNegation),
            Pidgin = !result.GetValue(_noPidgin),
        },
    };
}
