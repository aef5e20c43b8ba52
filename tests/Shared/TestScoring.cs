using Pipeline.Models.Cleaning;
using Pipeline.Models.Domain;
using Pipeline.Models.Sentiment;
using Pipeline.Models.Topics;

namespace Pipeline.Tests.Shared;

/// <summary>
/// Small real models for tests and benchmarks of the scoring stages: an LDA model trained (briefly)
/// on the cleaned synthetic tweets, and a deterministic lexicon sentiment scorer.
/// </summary>
public static class TestScoring
{
    public const int TopicCount = 3;

    private static readonly Lazy<IReadOnlyList<IReadOnlyList<string>>> Corpus = new(() =>
    {
        var cleaner = new PostCleaner(CleaningPolicy.Default with { DuplicateWindow = 1 }, new CompanyDirectory(SyntheticTweets.Companies));
        var fetched = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        return SyntheticTweets.Generate(1_500, seed: 3)
            .Select(r => cleaner.Clean(new RawPost(new PostId(r.Id), r.Company is null ? null : new CompanyId(r.Company), PostSource.Import,
                null, r.Author, r.Text, r.CreatedAt, r.Likes, r.Retweets, 0, 0, null, r.Lang, r.IsRetweet, false, fetched)))
            .OfType<CleaningOutcome.Kept>()
            .Select(k => k.Post.TopicTokens)
            .Where(t => t.Count > 0)
            .ToList();
    });

    private static readonly Lazy<LdaModel> Lda = new(() => LdaTrainer.Train(Corpus.Value, new LdaSettings
    {
        NumberOfTopics = TopicCount,
        Iterations = 30,
        AlphaSum = 3f,
        SummaryTermsPerTopic = 5,
        Seed = 5,
    }));

    /// <summary>A catalog for the trained topics: ids 10, 11, 12 (not positions, as after a retrain), labels "{prefix} n".</summary>
    public static TopicCatalog Catalog(string version, string labelPrefix = "Topic") => new(
        version,
        Lda.Value.Topics.Select((t, i) => new TopicDescription(
            10 + i, $"{labelPrefix} {10 + i}", t.Words.Select((w, j) => new WeightedWord(w, t.Weights[j])).ToList(), t.DocumentShare)).ToList());

    /// <summary>The trained model under a version and labels of the caller's choosing (versions are what reloads switch between).</summary>
    public static TopicModel TopicModel(string version, double threshold = TopicDecision.DefaultThreshold, string labelPrefix = "Topic") =>
        new(Lda.Value, Catalog(version, labelPrefix), threshold);

    /// <summary>Writes a model folder (model.zip + topics.json) and returns its path.</summary>
    public static string SaveTopicModel(string directory, string version, string labelPrefix = "Topic")
    {
        TopicModel(version, labelPrefix: labelPrefix).Save(directory);
        return directory;
    }
}

/// <summary>
/// Counts a few positive and negative words: deterministic, instant, and enough to tell the
/// stage's plumbing from the model's quality. Throws on any text containing <see cref="FailOn"/>,
/// which is how tests make a scorer fail on one tweet.
/// </summary>
public sealed class LexiconSentimentScorer(string modelVersion = "lexicon-test", string? failOn = null) : ISentimentScorer
{
    private static readonly string[] Positive = ["thank", "smooth", "quickly", "sorted", "👏", "good", "great"];
    private static readonly string[] Negative = ["failed", "crash", "terrible", "frustrating", "never", "fraud", "swallowed", "charged", "pending", "down"];

    public string ModelVersion { get; } = modelVersion;

    public string? FailOn { get; } = failOn;

    public int Calls { get; private set; }

    public IReadOnlyList<SentimentScore> Score(IReadOnlyList<string> texts)
    {
        Calls++;
        return texts.Select(ScoreOne).ToList();
    }

    private SentimentScore ScoreOne(string text)
    {
        if (FailOn is not null && text.Contains(FailOn, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"the lexicon scorer cannot read '{FailOn}'");
        }

        var lower = text.ToLowerInvariant();
        var positive = Positive.Count(w => lower.Contains(w, StringComparison.Ordinal));
        var negative = Negative.Count(w => lower.Contains(w, StringComparison.Ordinal));
        var (neg, neu, pos) = (positive - negative) switch
        {
            > 0 => (0.1, 0.2, 0.7),
            < 0 => (0.7, 0.2, 0.1),
            _ => (0.2, 0.6, 0.2),
        };
        var label = pos > neg && pos > neu ? SentimentLabel.Positive : neg > neu ? SentimentLabel.Negative : SentimentLabel.Neutral;
        return new SentimentScore(label, neg, neu, pos, ModelVersion);
    }

    public void Dispose()
    {
    }
}
