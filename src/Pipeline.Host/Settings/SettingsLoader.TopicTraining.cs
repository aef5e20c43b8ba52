using System.Globalization;
using Akka.Configuration;
using Pipeline.Models.Topics;

namespace Pipeline.Host.Settings;

public static partial class SettingsLoader
{
    public const string TopicTrainingKey = "pipeline.topics.training";

    /// <summary>Reads <c>pipeline.topics.training { }</c>; every bad value is named.</summary>
    public static TopicTrainingSettings LoadTopicTraining(Config config)
    {
        var problems = new List<string>();
        var defaults = new TopicTrainingSettings();
        int Int(string key, int fallback) =>
            (int)Number(key, fallback, v => v == Math.Floor(v) && v is >= int.MinValue and <= int.MaxValue, "a whole number");

        double Number(string key, double fallback, Func<double, bool>? accept = null, string expected = "a number")
        {
            var path = $"{TopicTrainingKey}.{key}";
            string? raw;
            try
            {
                raw = config.HasPath(path) ? config.GetString(path) : null;
            }
            catch (Exception)
            {
                raw = null;
                problems.Add($"{path}: must be {expected}");
            }

            if (raw is null)
            {
                return fallback;
            }

            if (double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && (accept?.Invoke(value) ?? true))
            {
                return value;
            }

            problems.Add($"{path} = \"{raw}\": must be {expected}");
            return fallback;
        }

        var training = new TopicTrainingSettings
        {
            Topics = Int("topics", defaults.Topics),
            NgramLength = Int("ngram-length", defaults.NgramLength),
            MinDocumentCount = Int("min-document-count", defaults.MinDocumentCount),
            MaxDocumentFraction = Number("max-document-fraction", defaults.MaxDocumentFraction),
            MaxVocabulary = Int("max-vocabulary", defaults.MaxVocabulary),
            AlphaSum = (float)Number("alpha-sum", defaults.AlphaSum),
            Beta = (float)Number("beta", defaults.Beta),
            Iterations = Int("iterations", defaults.Iterations),
            BurninIterations = Int("burnin-iterations", defaults.BurninIterations),
            SamplingSteps = Int("sampling-steps", defaults.SamplingSteps),
            Threads = Int("threads", defaults.Threads),
            Seed = Int("seed", defaults.Seed),
            MaxTokensPerDocument = Int("max-tokens-per-document", defaults.MaxTokensPerDocument),
            TopWords = Int("top-words", defaults.TopWords),
        };
        problems.AddRange(training.Problems().Select(p => $"{TopicTrainingKey}.{p}"));
        if (problems.Count > 0)
        {
            throw new SettingsException(problems);
        }

        return training;
    }
}
