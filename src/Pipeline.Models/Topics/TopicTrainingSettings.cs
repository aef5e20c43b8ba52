using System.Globalization;

namespace Pipeline.Models.Topics;

/// <summary>
/// How <c>train-topics</c> builds a model (HOCON <c>pipeline.topics.training</c>). The defaults are the
/// measured best on the bank-tweet corpus (README, "Topic model"): K=10 as the issue asks, unigrams,
/// a flatter document prior than the original's and gensim's vocabulary limits (a word in at least 5
/// documents and at most half of them), which keep the rare typos and the ubiquitous "account" out
/// of the topics.
/// </summary>
public sealed record TopicTrainingSettings
{
    public int Topics { get; init; } = 10;

    /// <summary>Longest n-gram; 1 = unigrams.</summary>
    public int NgramLength { get; init; } = 1;

    /// <summary>A word must occur in at least this many documents to enter the vocabulary.</summary>
    public int MinDocumentCount { get; init; } = 5;

    /// <summary>A word in more than this fraction of documents says nothing about topics and is left out.</summary>
    public double MaxDocumentFraction { get; init; } = 0.5;

    /// <summary>The most frequent words kept, after the two limits above.</summary>
    public int MaxVocabulary { get; init; } = 100_000;

    public float AlphaSum { get; init; } = 10f;

    public float Beta { get; init; } = 0.05f;

    public int Iterations { get; init; } = 200;

    public int BurninIterations { get; init; } = 10;

    public int SamplingSteps { get; init; } = 4;

    /// <summary>Sampler threads. Only 1 is known to repeat a run exactly (README); 2 is faster.</summary>
    public int Threads { get; init; } = 1;

    public int Seed { get; init; } = 2023;

    public int MaxTokensPerDocument { get; init; } = 512;

    /// <summary>Words per topic kept in topics.json (coherence and identity use the first 10).</summary>
    public int TopWords { get; init; } = 15;

    /// <summary>
    /// The Unclassified threshold is this quantile of the strongest-topic probability of shuffled documents
    /// (<see cref="TopicCalibration"/>). Not part of <see cref="Describe"/>: it does not change the LDA, and
    /// model versions of earlier trainings must stay reproducible.
    /// </summary>
    public double ThresholdQuantile { get; init; } = 0.95;

    /// <summary>Share of the word overlap a topic needs to take a post below the threshold; null: no reassignment.</summary>
    public double? ReassignMinShare { get; init; } = TopicDecisionRule.DefaultReassignMinShare;

    /// <summary>Every problem, each naming its HOCON key (relative to <c>pipeline.topics.training</c>).</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        void Range(string key, double value, double min, double max)
        {
            if (!(value >= min && value <= max))
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"{key} = {value}: must be between {min} and {max}"));
        }

        Range("topics", Topics, 2, 1000);
        Range("ngram-length", NgramLength, 1, 3);
        Range("min-document-count", MinDocumentCount, 1, int.MaxValue);
        Range("max-document-fraction", MaxDocumentFraction, 0.000001, 1);
        Range("max-vocabulary", MaxVocabulary, 10, 10_000_000);
        Range("alpha-sum", AlphaSum, 0.001, 100_000);
        Range("beta", Beta, 0.0001, 100);
        Range("iterations", Iterations, 1, 100_000);
        Range("burnin-iterations", BurninIterations, 0, 100_000);
        Range("sampling-steps", SamplingSteps, 1, 100);
        Range("threads", Threads, 1, 64);
        Range("max-tokens-per-document", MaxTokensPerDocument, 1, 100_000);
        Range("top-words", TopWords, 10, 100);
        Range("threshold-quantile", ThresholdQuantile, 0.5, 0.999);
        if (ReassignMinShare is { } share && !(share is > 0.5 and <= 1))
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"reassign-min-share = {share}: must be above 0.5 and at most 1"));
        if (BurninIterations >= Iterations && Iterations >= 1)
            problems.Add($"burnin-iterations = {BurninIterations}: must be fewer than iterations ({Iterations})");
        return problems;
    }

    public LdaSettings ToLdaSettings() => new()
    {
        NumberOfTopics = Topics,
        AlphaSum = AlphaSum,
        Beta = Beta,
        Iterations = Iterations,
        BurninIterations = BurninIterations,
        SamplingStepCount = SamplingSteps,
        NgramLength = NgramLength,
        MaximumVocabulary = MaxVocabulary,
        MaximumTokensPerDocument = MaxTokensPerDocument,
        SummaryTermsPerTopic = TopWords,
        NumberOfThreads = Threads,
        Seed = Seed,
    };

    /// <summary>The decision rule's settings, for the model card (kept out of <see cref="Describe"/>, see <see cref="ThresholdQuantile"/>).</summary>
    public string DescribeDecision() => string.Create(CultureInfo.InvariantCulture,
        $"threshold-quantile={ThresholdQuantile} reassign-min-share={(ReassignMinShare is { } share ? share.ToString("0.###", CultureInfo.InvariantCulture) : "off")}");

    /// <summary>A stable text of every setting, for the model version's content hash and the model card.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"topics={Topics} ngram-length={NgramLength} min-document-count={MinDocumentCount} max-document-fraction={MaxDocumentFraction} " +
        $"max-vocabulary={MaxVocabulary} alpha-sum={AlphaSum} beta={Beta} iterations={Iterations} burnin-iterations={BurninIterations} " +
        $"sampling-steps={SamplingSteps} threads={Threads} seed={Seed} max-tokens-per-document={MaxTokensPerDocument} top-words={TopWords}");
}
