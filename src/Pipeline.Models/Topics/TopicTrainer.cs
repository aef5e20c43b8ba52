using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Pipeline.Models.Cleaning;

namespace Pipeline.Models.Topics;

/// <summary>What training is busy with; the LDA sampler itself reports nothing until it is done.</summary>
public enum TrainingPhase
{
    Tokenising,
    Training,
    ScoringCoherence,
    Matching,

    /// <summary>Scoring shuffled documents for the Unclassified threshold (<see cref="TopicCalibration"/>).</summary>
    Calibrating,
}

/// <param name="Previous">The catalog of the model this one replaces: matched topics keep its ids and labels.</param>
/// <param name="LabelOverrides">Labels by (final) topic id that win over inherited and automatic ones.</param>
/// <param name="DomainStopwords">The cleaning stage's domain stopwords, so training tokenises as inference will.</param>
/// <param name="TrainedOn">The day stamped into the model version.</param>
public sealed record TopicTrainingOptions(
    TopicCatalog? Previous = null,
    IReadOnlyDictionary<int, string>? LabelOverrides = null,
    IReadOnlySet<string>? DomainStopwords = null,
    DateOnly? TrainedOn = null);

/// <param name="Id">The stable id the topic got.</param>
public sealed record TopicCoherence(int Id, string Label, double? CV, double? UMass, double? Npmi);

/// <summary>What <c>metrics.json</c> holds: how good the topics are and what they were trained on.</summary>
/// <param name="CV">Coherence on the top-10 words, scored as tools/topic_anchor.py scores them (its tokeniser and
/// vocabulary over the same texts), so the numbers compare with gensim's; null when a topic has no word in that
/// vocabulary (tiny corpora).</param>
/// <param name="EmptyDocuments">Documents left without a single vocabulary word; they shape no topic.</param>
public sealed record TopicTrainingMetrics(
    string ModelVersion,
    int Documents,
    int EmptyDocuments,
    int Vocabulary,
    long Tokens,
    double TokeniseSeconds,
    double TrainingSeconds,
    double CoherenceSeconds,
    double? CV,
    double? UMass,
    double? Npmi,
    IReadOnlyList<TopicCoherence> Topics,
    string Settings,
    TopicDecisionMetrics? Decision = null,
    string? DecisionSettings = null);

public sealed record TopicTrainingResult(TopicModel Model, TopicMatchResult Match, TopicTrainingMetrics Metrics)
{
    public const string MetricsFileName = "metrics.json";

    /// <summary>Writes the model folder: model.zip, topics.json and metrics.json.</summary>
    public void Save(string directory)
    {
        Model.Save(directory);
        File.WriteAllText(Path.Combine(directory, MetricsFileName), TopicMetricsJson.Serialize(Metrics), new UTF8Encoding(false));
    }
}

/// <summary>
/// Trains a topic model from post texts: the cleaning stage's topic tokens, gensim-style vocabulary
/// limits, ML.NET LDA, coherence, and stable ids and labels carried over from the previous model.
/// </summary>
public static class TopicTrainer
{
    public const int CoherenceTopN = 10;

    public static TopicTrainingResult Train(
        IReadOnlyList<string> texts,
        TopicTrainingSettings settings,
        TopicTrainingOptions? options = null,
        IProgress<TrainingPhase>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(settings);
        options ??= new TopicTrainingOptions();
        var problems = settings.Problems();
        if (problems.Count > 0)
            throw new ArgumentException("Invalid topic training settings: " + string.Join("; ", problems), nameof(settings));
        if (texts.Count == 0)
            throw new ArgumentException("No documents to train on.", nameof(texts));

        progress?.Report(TrainingPhase.Tokenising);
        var watch = Stopwatch.StartNew();
        var decoded = texts.Select(TextNormalizer.DecodeEntities).ToArray();
        var (vocabulary, documents) = Documents(decoded, settings, options.DomainStopwords);
        if (vocabulary.Count == 0)
            throw new ArgumentException(
                $"No word of the {texts.Count} documents is within the vocabulary limits (min-document-count {settings.MinDocumentCount}, " +
                $"max-document-fraction {settings.MaxDocumentFraction}); train on more documents or loosen the limits.", nameof(texts));
        var tokeniseSeconds = watch.Elapsed.TotalSeconds;

        progress?.Report(TrainingPhase.Training);
        watch.Restart();
        var lda = LdaTrainer.Train(documents, settings.ToLdaSettings());
        var trainingSeconds = watch.Elapsed.TotalSeconds;

        progress?.Report(TrainingPhase.Matching);
        var newTopics = lda.Topics
            .Select(t => (IReadOnlyList<WeightedWord>)t.Words.Zip(t.Weights, (w, s) => new WeightedWord(w, s)).ToArray())
            .ToArray();
        var match = TopicIdentity.Match(
            options.Previous ?? TopicCatalog.Empty,
            newTopics,
            MatchOptions.Default with { LabelOverrides = options.LabelOverrides });
        var version = ModelVersion(settings, documents, options.TrainedOn ?? DateOnly.FromDateTime(DateTime.UtcNow));
        var catalog = match.ToCatalog(version, lda.Topics.Select(t => t.DocumentShare).ToArray());

        progress?.Report(TrainingPhase.Calibrating);
        var (rule, decisionMetrics, wordWeights) = TopicCalibration.Calibrate(
            lda, catalog, documents, settings.ThresholdQuantile, settings.ReassignMinShare, PriorAlpha(settings), settings.Seed);
        catalog = catalog with { Decision = rule };
        var model = new TopicModel(lda, catalog, wordWeights: wordWeights);

        progress?.Report(TrainingPhase.ScoringCoherence);
        watch.Restart();
        var scores = ScoreCoherence(lda, decoded);
        var coherenceSeconds = watch.Elapsed.TotalSeconds;

        var metrics = new TopicTrainingMetrics(
            version,
            texts.Count,
            documents.Count(d => d.Count == 0),
            vocabulary.Count,
            documents.Sum(d => (long)d.Count),
            Math.Round(tokeniseSeconds, 3),
            Math.Round(trainingSeconds, 3),
            Math.Round(coherenceSeconds, 3),
            scores?.CV,
            scores?.UMass,
            scores?.Npmi,
            catalog.Topics.Select((t, i) => new TopicCoherence(
                t.Id, t.Label, scores?.PerTopicCV[i], scores?.PerTopicUMass[i], scores?.PerTopicNpmi[i])).ToArray(),
            settings.Describe(),
            decisionMetrics,
            settings.DescribeDecision());
        return new TopicTrainingResult(model, match, metrics);
    }

    /// <summary>The documents LDA trains on: each text's topic tokens, cut to the vocabulary the settings allow.</summary>
    public static (IReadOnlySet<string> Vocabulary, IReadOnlyList<IReadOnlyList<string>> Documents) Documents(
        IReadOnlyList<string> decodedTexts, TopicTrainingSettings settings, IReadOnlySet<string>? domainStopwords)
    {
        var tokens = decodedTexts.Select(t => TextNormalizer.TopicTokens(t, domainStopwords)).ToArray();
        var vocabulary = AnchorVocabulary.Build(tokens, settings.MinDocumentCount, settings.MaxDocumentFraction, settings.MaxVocabulary);
        return (vocabulary, tokens.Select(t => (IReadOnlyList<string>)t.Where(vocabulary.Contains).ToArray()).ToArray());
    }

    /// <summary>
    /// Calibrates an existing model's decision rule on <paramref name="texts"/> without touching its topics, ids
    /// or labels (<c>calibrate-topics</c>). <c>SameCorpus</c> tells whether the texts and settings hash to the
    /// model's version, i.e. whether this is exactly the calibration training would have done.
    /// </summary>
    public static (TopicModel Model, TopicDecisionMetrics Metrics, bool SameCorpus) Calibrate(
        TopicModel model, IReadOnlyList<string> texts, TopicTrainingSettings settings, IReadOnlySet<string>? domainStopwords)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Problems() is { Count: > 0 } problems)
            throw new ArgumentException("Invalid topic training settings: " + string.Join("; ", problems), nameof(settings));
        var (_, documents) = Documents(texts.Select(TextNormalizer.DecodeEntities).ToArray(), settings, domainStopwords);
        var sameCorpus = TrainedOn(model.Version) is { } day && ModelVersion(settings, documents, day) == model.Version;
        var (rule, metrics, wordWeights) = TopicCalibration.Calibrate(
            model.Lda, model.Catalog, documents, settings.ThresholdQuantile, settings.ReassignMinShare, PriorAlpha(settings), settings.Seed);
        return (new TopicModel(model.Lda, model.Catalog with { Decision = rule }, wordWeights: wordWeights), metrics, sameCorpus);
    }

    // ML.NET's alphaSum is the prior summed over topics; the posterior mean needs it per topic.
    private static double PriorAlpha(TopicTrainingSettings settings) => (double)settings.AlphaSum / settings.Topics;

    // The day in "lda-k10-20240131-1a2b3c4d"; null for versions not made by ModelVersion.
    private static DateOnly? TrainedOn(string version)
    {
        var parts = version.Split('-');
        return parts.Length == 4 && DateOnly.TryParseExact(parts[2], "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            ? day
            : null;
    }

    /// <summary>
    /// <c>lda-k10-20240131-1a2b3c4d</c>: K, the training day, and a hash of the settings and the
    /// tokenised documents, so the same data and settings give the same version on the same day.
    /// </summary>
    public static string ModelVersion(TopicTrainingSettings settings, IReadOnlyList<IReadOnlyList<string>> documents, DateOnly trainedOn)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(settings.Describe()));
        foreach (var document in documents)
        {
            hash.AppendData(Encoding.UTF8.GetBytes("\n" + string.Join(' ', document)));
        }

        var digest = Convert.ToHexStringLower(hash.GetHashAndReset())[..8];
        return string.Create(CultureInfo.InvariantCulture, $"lda-k{settings.Topics}-{trainedOn:yyyyMMdd}-{digest}");
    }

    /// <summary>
    /// Scores the topics on tools/topic_anchor.py's footing (its tokeniser and vocabulary over the same
    /// texts), so the numbers compare with gensim's. Null when a topic has no word that vocabulary
    /// knows: gensim refuses such topics too, and a tiny corpus makes that likely.
    /// </summary>
    public static CoherenceScores? ScoreCoherence(LdaModel lda, IReadOnlyList<string> decodedTexts)
    {
        var anchorTexts = decodedTexts.Select(t => AnchorTokenizer.Tokenize(t.ReplaceLineEndings(" "))).ToArray();
        var topics = lda.Topics.Select(t => (IReadOnlyList<string>)t.Words.ToArray()).ToArray();
        var vocabulary = AnchorVocabulary.Build(anchorTexts);
        if (topics.Any(t => !t.Any(vocabulary.Contains)))
            return null;

        // topic_anchor.py scores each topic's first 10 words as given (after dropping unknown ones).
        var top = topics.Select(t => (IReadOnlyList<string>)t.Take(CoherenceTopN).ToArray()).ToArray();
        return Coherence.All(top, anchorTexts, CoherenceTopN);
    }
}
