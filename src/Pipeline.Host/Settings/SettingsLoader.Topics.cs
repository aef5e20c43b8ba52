using Akka.Configuration;
using Pipeline.Host.Scoring;
using Pipeline.Models.Topics;

namespace Pipeline.Host.Settings;

public static partial class SettingsLoader
{
    public const string TopicTrainingKey = "pipeline.topics.training";

    /// <summary>Reads <c>pipeline.topics.training { }</c>; every bad value is named.</summary>
    public static TopicTrainingSettings LoadTopicTraining(Config config)
    {
        var r = new SettingsReader(config).Section(TopicTrainingKey);
        return r.Judged(TopicTraining(r));
    }

    /// <remarks>
    /// The ranges are <see cref="TopicTrainingSettings.Problems"/>' (adopted here, named by their setting): the trainer
    /// guards its input with them, and <c>train-topics</c> judges its command-line overrides of the same settings there.
    /// </remarks>
    private static TopicTrainingSettings TopicTraining(SettingsReader r)
    {
        var training = new TopicTrainingSettings
        {
            Topics = r.Int("topics"),
            NgramLength = r.Int("ngram-length"),
            MinDocumentCount = r.Int("min-document-count"),
            MaxDocumentFraction = r.Double("max-document-fraction"),
            MaxVocabulary = r.Int("max-vocabulary"),
            AlphaSum = (float)r.Double("alpha-sum"),
            Beta = (float)r.Double("beta"),
            Iterations = r.Int("iterations"),
            BurninIterations = r.Int("burnin-iterations"),
            SamplingSteps = r.Int("sampling-steps"),
            Threads = r.Int("threads"),
            Seed = r.Int("seed"),
            MaxTokensPerDocument = r.Int("max-tokens-per-document"),
            TopWords = r.Int("top-words"),
            ThresholdQuantile = r.Double("threshold-quantile"),
            ReassignMinShare = r.Bool("reassign") ? r.Double("reassign-min-share") : null,
        };
        r.Adopt(training.Problems());
        return training;
    }

    /// <summary>
    /// <c>pipeline.topics.retrain</c>. The training settings are judged only when retraining is on: until then only
    /// <c>train-topics</c> reads them, and judges them itself.
    /// </summary>
    private static TopicRetrainSettings TopicRetrain(SettingsReader root)
    {
        if (!root.Has("pipeline.topics.retrain")) return TopicRetrainSettings.Disabled;
        var r = root.Section("pipeline.topics.retrain");
        var enabled = r.Bool("enabled");
        var output = r.String("output-dir").Trim();
        // The folder travels to the other nodes relative to the models root (as a manual reload's does), so it must be under it.
        r.Check(output.Length == 0 || (!Path.IsPathRooted(output) && !output.Split('/', '\\').Any(part => part is ".." or ".")),
            $"{r.Name("output-dir")} = \"{output}\": must be a relative folder under pipeline.http.models-root, without . or .. (e.g. retrained)");
        var training = new TopicTrainingSettings();
        if (enabled)
        {
            var apart = root.Section(TopicTrainingKey, apart: true);
            training = TopicTraining(apart);
            r.Problems.AddRange(apart.Problems.Select(p => $"{p} (used by {r.Name("enabled")} = on)"));
        }

        return new TopicRetrainSettings(
            enabled,
            r.Duration("interval", "100ms", "366d"),
            r.Duration("check-every", "100ms", "1d"),
            r.Int("min-new-posts", 0, int.MaxValue),
            r.Duration("window", "1m", "3660d"),
            // The LDA trainer holds every document in memory: a few hundred thousand tweets are a few hundred MB.
            r.Int("max-posts", 10, 1_000_000),
            new TopicRetrainGate(r.Double("gate.coherence-margin", -1, 1), r.Double("gate.unclassified-margin", -1, 1)),
            r.Bool("rescore"),
            output,
            r.Duration("first-check-after", "0s", "1d"),
            training);
    }
}
