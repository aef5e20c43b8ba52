using System.Text.Json;
using Pipeline.Models.Domain;

namespace Pipeline.Models.Sentiment;

/// <summary>
/// A folder written by <c>optimum-cli export onnx --task text-classification</c> for a Cardiff
/// twitter-roberta sentiment model: <c>model.onnx</c>, <c>vocab.json</c>, <c>merges.txt</c> and,
/// optionally, <c>config.json</c> (label order, position limit, model name). <see cref="Open"/> checks
/// the files and the config; <see cref="OnnxRobertaScorer"/> then checks the network's inputs and outputs.
/// </summary>
public sealed record OnnxModelFolder(
    string FolderPath,
    string ModelPath,
    string VocabPath,
    string MergesPath,
    IReadOnlyList<SentimentLabel> LabelsByIndex,
    int? MaxPositionTokens,
    string ModelName)
{
    public const string ModelFile = "model.onnx";
    public const string VocabFile = "vocab.json";
    public const string MergesFile = "merges.txt";
    public const string ConfigFile = "config.json";

    public const string ExportCommandExample =
        "optimum-cli export onnx --model cardiffnlp/twitter-roberta-base-sentiment-latest --task text-classification <folder>";

    /// <summary>Cardiff's order when there is no config.json: 0 negative, 1 neutral, 2 positive.</summary>
    public static readonly IReadOnlyList<SentimentLabel> DefaultLabels =
        [SentimentLabel.Negative, SentimentLabel.Neutral, SentimentLabel.Positive];

    // RoBERTa numbers positions from pad_id + 1, so two of max_position_embeddings are unusable.
    private const int PositionOffset = 2;

    /// <exception cref="OnnxModelFolderException">Listing every missing file and config problem.</exception>
    public static OnnxModelFolder Open(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        var full = Path.GetFullPath(folder);
        if (!Directory.Exists(full))
        {
            throw new OnnxModelFolderException(full, [$"the folder does not exist (expected {ModelFile}, {VocabFile}, {MergesFile} and optionally {ConfigFile} in it)"]);
        }

        var problems = new List<string>();
        foreach (var required in new[] { ModelFile, VocabFile, MergesFile })
        {
            if (!File.Exists(Path.Combine(full, required)))
            {
                problems.Add($"missing {required}");
            }
        }

        var labels = DefaultLabels;
        int? maxPositions = null;
        var name = Path.GetFileName(full.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        var configPath = Path.Combine(full, ConfigFile);
        if (File.Exists(configPath))
        {
            ReadConfig(configPath, problems, ref labels, ref maxPositions, ref name);
        }

        if (problems.Count > 0)
        {
            throw new OnnxModelFolderException(full, problems);
        }

        return new OnnxModelFolder(
            full,
            Path.Combine(full, ModelFile),
            Path.Combine(full, VocabFile),
            Path.Combine(full, MergesFile),
            labels,
            maxPositions,
            name);
    }

    /// <summary>The longest input the network accepts, in tokens including &lt;s&gt; and &lt;/s&gt;.</summary>
    public int? MaxTokens => MaxPositionTokens is { } positions ? positions - PositionOffset : null;

    private static void ReadConfig(
        string path, List<string> problems, ref IReadOnlyList<SentimentLabel> labels, ref int? maxPositions, ref string name)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            problems.Add($"{ConfigFile} is not valid JSON ({e.Message})");
            return;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                problems.Add($"{ConfigFile} is not a JSON object");
                return;
            }

            if (root.TryGetProperty("id2label", out var id2Label))
            {
                labels = ReadLabels(id2Label, problems) ?? labels;
            }

            if (root.TryGetProperty("max_position_embeddings", out var positions))
            {
                if (positions.ValueKind == JsonValueKind.Number && positions.TryGetInt32(out var value) && value > PositionOffset + 1)
                {
                    maxPositions = value;
                }
                else
                {
                    problems.Add($"{ConfigFile}: max_position_embeddings must be an integer above {PositionOffset + 1}, found {positions.GetRawText()}");
                }
            }

            if (root.TryGetProperty("_name_or_path", out var nameOrPath) && nameOrPath.ValueKind == JsonValueKind.String)
            {
                // "cardiffnlp/twitter-roberta-base-sentiment-latest" -> the model's own name.
                var last = nameOrPath.GetString()!.TrimEnd('/', '\\').Split('/', '\\')[^1];
                if (last.Length > 0)
                {
                    name = last;
                }
            }
        }
    }

    private static SentimentLabel[]? ReadLabels(JsonElement id2Label, List<string> problems)
    {
        if (id2Label.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"{ConfigFile}: id2label must be an object like {{\"0\": \"negative\", \"1\": \"neutral\", \"2\": \"positive\"}}");
            return null;
        }

        var found = new SentimentLabel?[3];
        foreach (var entry in id2Label.EnumerateObject())
        {
            if (!int.TryParse(entry.Name, out var index) || index is < 0 or > 2)
            {
                problems.Add($"{ConfigFile}: id2label has class '{entry.Name}'; a sentiment model has exactly the classes 0, 1 and 2");
                continue;
            }

            var text = entry.Value.ValueKind == JsonValueKind.String ? entry.Value.GetString()! : entry.Value.GetRawText();
            if (ParseLabel(text) is { } label)
            {
                found[index] = label;
            }
            else
            {
                problems.Add($"{ConfigFile}: id2label[{index}] = '{text}' is not a sentiment label (negative/neutral/positive or LABEL_0/1/2)");
            }
        }

        if (found.Any(l => l is null) || found.Distinct().Count() != 3)
        {
            problems.Add($"{ConfigFile}: id2label must name negative, neutral and positive once each for classes 0, 1 and 2");
            return null;
        }

        return found.Select(l => l!.Value).ToArray();
    }

    private static SentimentLabel? ParseLabel(string text) => text.Trim().ToLowerInvariant() switch
    {
        "negative" or "neg" => SentimentLabel.Negative,
        "neutral" or "neu" => SentimentLabel.Neutral,
        "positive" or "pos" => SentimentLabel.Positive,
        // The older cardiffnlp/twitter-roberta-base-sentiment ships generic names; its model card
        // says 0 negative, 1 neutral, 2 positive.
        "label_0" => SentimentLabel.Negative,
        "label_1" => SentimentLabel.Neutral,
        "label_2" => SentimentLabel.Positive,
        _ => null,
    };
}
