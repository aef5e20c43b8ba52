using Akka.Configuration;
using Pipeline.Host.Scoring;
using Pipeline.Models.Topics;

namespace Pipeline.Host.Settings;

public static partial class SettingsLoader
{
    private const string TopicRetrainKey = "pipeline.topics.retrain";

    /// <summary>
    /// Reads <c>pipeline.topics.retrain</c>; every problem is added to <paramref name="reader"/>'s list, named by its setting.
    /// The training settings (<c>pipeline.topics.training</c>) are judged only when retraining is on: until then only
    /// <c>train-topics</c> reads them, and judges them itself.
    /// </summary>
    private static TopicRetrainSettings LoadTopicRetrain(Reader reader, Config config)
    {
        if (!config.HasPath(TopicRetrainKey))
        {
            return TopicRetrainSettings.Disabled;
        }

        string Key(string name) => $"{TopicRetrainKey}.{name}";
        var enabled = reader.Bool(Key("enabled"));
        var interval = reader.Duration(Key("interval"), TimeSpan.FromMilliseconds(100), TimeSpan.FromDays(366));
        var checkEvery = reader.Duration(Key("check-every"), TimeSpan.FromMilliseconds(100), TimeSpan.FromDays(1));
        var minNewPosts = reader.Int(Key("min-new-posts"), 0, int.MaxValue);
        var window = reader.Duration(Key("window"), TimeSpan.FromMinutes(1), TimeSpan.FromDays(3660));
        // The LDA trainer holds every document in memory: a few hundred thousand tweets are a few hundred MB.
        var maxPosts = reader.Int(Key("max-posts"), 10, 1_000_000);
        var gate = new TopicRetrainGate(
            reader.Double(Key("gate.coherence-margin"), -1, 1),
            reader.Double(Key("gate.unclassified-margin"), -1, 1));
        var rescore = reader.Bool(Key("rescore"));
        var output = reader.String(Key("output-dir")).Trim();
        // The folder travels to the other nodes relative to the models root (as a manual reload's does), so it must be under it.
        if (output.Length > 0 && (Path.IsPathRooted(output) || output.Split('/', '\\').Any(part => part is ".." or ".")))
        {
            reader.Problem($"{Key("output-dir")} = \"{output}\": must be a relative folder under pipeline.http.models-root, without . or .. (e.g. retrained)");
        }

        var firstCheck = reader.Duration(Key("first-check-after"), TimeSpan.Zero, TimeSpan.FromDays(1));
        var training = new TopicTrainingSettings();
        if (enabled)
        {
            try
            {
                training = LoadTopicTraining(config);
            }
            catch (SettingsException e)
            {
                foreach (var problem in e.Problems)
                {
                    reader.Problem($"{problem} (used by {Key("enabled")} = on)");
                }
            }
        }

        return new TopicRetrainSettings(enabled, interval, checkEvery, minNewPosts, window, maxPosts, gate, rescore, output, firstCheck, training);
    }
}
