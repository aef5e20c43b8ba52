using Akka.Configuration;
using Pipeline.Models.Topics;

namespace Pipeline.Host.Settings;

public static partial class SettingsLoader
{
    public const string TopicTrainingKey = "pipeline.topics.training";

    /// <summary>Reads <c>pipeline.topics.training { }</c>; every bad value is named.</summary>
    /// <remarks>
    /// Values are only parsed here; their ranges are <see cref="TopicTrainingSettings.Problems"/>' to judge,
    /// because command-line overrides of the same settings are judged there too.
    /// </remarks>
    public static TopicTrainingSettings LoadTopicTraining(Config config)
    {
        var read = new Reader(config);
        int Int(string key) => read.Int($"{TopicTrainingKey}.{key}");
        double Number(string key) => read.Double($"{TopicTrainingKey}.{key}");

        var training = new TopicTrainingSettings
        {
            Topics = Int("topics"),
            NgramLength = Int("ngram-length"),
            MinDocumentCount = Int("min-document-count"),
            MaxDocumentFraction = Number("max-document-fraction"),
            MaxVocabulary = Int("max-vocabulary"),
            AlphaSum = (float)Number("alpha-sum"),
            Beta = (float)Number("beta"),
            Iterations = Int("iterations"),
            BurninIterations = Int("burnin-iterations"),
            SamplingSteps = Int("sampling-steps"),
            Threads = Int("threads"),
            Seed = Int("seed"),
            MaxTokensPerDocument = Int("max-tokens-per-document"),
            TopWords = Int("top-words"),
            ThresholdQuantile = Number("threshold-quantile"),
            ReassignMinShare = read.Bool($"{TopicTrainingKey}.reassign") ? Number("reassign-min-share") : null,
        };
        foreach (var problem in training.Problems())
        {
            read.Problem($"{TopicTrainingKey}.{problem}");
        }

        read.ThrowIfInvalid();
        return training;
    }
}
