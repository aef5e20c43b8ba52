using System.Globalization;
using Akka.Configuration;
using Pipeline.Models.Topics;

namespace Pipeline.Host.Settings;

/// <param name="ModelDirectory"><c>pipeline.topics.model-dir</c>: the model the topic stage loads, and the
/// previous model a retrain keeps ids and labels from. Relative paths as given; see <see cref="SettingsLoader.ResolveModelDirectory"/>.</param>
public sealed record TopicTrainingSetup(string ModelDirectory, TopicTrainingSettings Training);

public static partial class SettingsLoader
{
    public const string TopicModelDirectoryKey = "pipeline.topics.model-dir";
    public const string TopicTrainingKey = "pipeline.topics.training";

    /// <summary>Reads <c>pipeline.topics.model-dir</c> and <c>pipeline.topics.training { }</c>; every bad value is named.</summary>
    public static TopicTrainingSetup LoadTopicTraining(Config config)
    {
        var problems = new List<string>();
        var defaults = new TopicTrainingSettings();
        var modelDirectory = config.HasPath(TopicModelDirectoryKey) ? config.GetString(TopicModelDirectoryKey) : null;
        if (string.IsNullOrWhiteSpace(modelDirectory))
        {
            problems.Add($"{TopicModelDirectoryKey}: must not be empty");
        }

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

        return new TopicTrainingSetup(modelDirectory!, training);
    }

    /// <summary>
    /// A relative model folder is looked up in the working directory first, then beside the program
    /// (where the Host copies the shipped models); null when neither holds it.
    /// </summary>
    public static string? ResolveModelDirectory(string path)
    {
        if (Path.IsPathRooted(path))
        {
            return Directory.Exists(path) ? path : null;
        }

        if (Directory.Exists(path))
        {
            return Path.GetFullPath(path);
        }

        var besideProgram = Path.Combine(AppContext.BaseDirectory, path);
        return Directory.Exists(besideProgram) ? besideProgram : null;
    }
}
