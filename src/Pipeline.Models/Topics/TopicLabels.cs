using System.Globalization;
using System.Text;

namespace Pipeline.Models.Topics;

/// <summary>A labels file could not be read; the message names the file and the line.</summary>
public sealed class TopicLabelsFormatException(string fileName, int line, string problem)
    : FormatException($"{fileName}:{line}: {problem}")
{
    public string FileName { get; } = fileName;
    public int Line { get; } = line;
}

/// <summary>
/// Topic labels: automatic ones from a topic's top words, and a hand-written labels file that
/// overrides any label by topic id.
/// </summary>
/// <remarks>
/// Labels file format: UTF-8 text, one <c>id&lt;TAB&gt;label</c> per line; blank lines and lines
/// starting with <c>#</c> are ignored. Plain lines rather than JSON because people edit this file by
/// hand and review it in diffs; a tab never occurs in a label, while commas, dashes and ampersands do.
/// </remarks>
public static class TopicLabels
{
    public const string DefaultFileName = "default-topic-labels.tsv";

    /// <summary>
    /// The labels of the original Python project's ten topics, by its topic ids. They describe that
    /// model's topics only; a freshly trained model gets auto labels until someone writes a file for it.
    /// </summary>
    public static IReadOnlyDictionary<int, string> OriginalDefaults { get; } = LoadEmbeddedDefaults();

    /// <summary>
    /// How much a word's lift over the other topics counts against its weight in the topic, in the relevance of
    /// Sievert and Shirley (LDAvis, 2014): λ·log p(w|t) + (1 − λ)·log(p(w|t) / p(w)). Their user study found 0.6 the
    /// value that best helped people tell topics apart; it is taken as published, not tuned here.
    /// </summary>
    public const double RelevanceLambda = 0.6;

    /// <summary>
    /// Labels for the topics of one model, each from its most <em>relevant</em> words rather than its heaviest: a
    /// retrained model of complaints has "account" or "never" near the top of half its topics, and a label that
    /// starts with them tells a reader nothing. p(w) is the mean of p(w|t) over the topics' word lists (a word missing
    /// from a list counts 0 there), each list rescaled to sum to 1.
    /// </summary>
    /// <param name="ids">The topics' ids, for a topic without words ("Topic 12").</param>
    public static IReadOnlyList<string> AutoLabels(IReadOnlyList<int> ids, IReadOnlyList<IReadOnlyList<WeightedWord>> topics, int wordCount = 3)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(wordCount, 1);
        ArgumentOutOfRangeException.ThrowIfNotEqual(ids.Count, topics.Count, nameof(ids));
        var shares = topics.Select(Shares).ToList();
        var overall = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var topic in shares)
        {
            foreach (var (word, share) in topic)
            {
                overall[word] = overall.GetValueOrDefault(word) + share / topics.Count;
            }
        }

        return shares.Select((topic, i) => Joined(ids[i], topic
                .OrderByDescending(w => RelevanceLambda * Math.Log(w.Value) + (1 - RelevanceLambda) * Math.Log(w.Value / overall[w.Key]))
                .ThenBy(w => w.Key, StringComparer.Ordinal)
                .Take(wordCount)
                .Select(w => w.Key)
                .ToList()))
            .ToList();
    }

    private static Dictionary<string, double> Shares(IReadOnlyList<WeightedWord> words)
    {
        var positive = words.Where(w => w.Weight > 0 && double.IsFinite(w.Weight)).ToList();
        var total = positive.Sum(w => w.Weight);
        var shares = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var w in positive)
        {
            shares[w.Word] = shares.GetValueOrDefault(w.Word) + w.Weight / total;
        }

        return shares;
    }

    // A topic without words still needs a label a person can refer to.
    private static string Joined(int id, IReadOnlyList<string> words) => words.Count == 0 ? $"Topic {id}" : string.Join(" / ", words);

    public static IReadOnlyDictionary<int, string> Read(string path) =>
        Parse(File.ReadAllText(path, Encoding.UTF8), path);

    /// <param name="fileName">Only used in error messages.</param>
    public static IReadOnlyDictionary<int, string> Parse(string text, string fileName)
    {
        ArgumentNullException.ThrowIfNull(text);
        var labels = new Dictionary<int, string>();
        var lineOfId = new Dictionary<int, int>();
        var lines = text.Split('\n');
        for (var index = 0; index < lines.Length; index++)
        {
            var lineNumber = index + 1;
            var line = lines[index].TrimEnd('\r');
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#'))
                continue;

            var tab = line.IndexOf('\t');
            if (tab < 0)
                throw new TopicLabelsFormatException(fileName, lineNumber, "expected 'id<TAB>label' but found no tab.");

            var idText = line[..tab].Trim();
            if (!int.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
                throw new TopicLabelsFormatException(fileName, lineNumber, $"'{idText}' is not a topic id (a non-negative whole number).");

            var label = line[(tab + 1)..].Trim();
            if (label.Length == 0)
                throw new TopicLabelsFormatException(fileName, lineNumber, $"topic {id} has an empty label.");
            if (label.Contains('\t'))
                throw new TopicLabelsFormatException(fileName, lineNumber, $"the label of topic {id} contains a second tab.");
            if (lineOfId.TryGetValue(id, out var earlier))
                throw new TopicLabelsFormatException(fileName, lineNumber, $"topic {id} is already labelled on line {earlier}.");

            labels[id] = label;
            lineOfId[id] = lineNumber;
        }

        return labels;
    }

    /// <summary>Writes labels in the file format, ordered by id so rewrites produce small diffs.</summary>
    public static string Format(IReadOnlyDictionary<int, string> labels) =>
        string.Concat(labels.OrderBy(l => l.Key)
            .Select(l => string.Create(CultureInfo.InvariantCulture, $"{l.Key}\t{l.Value}\n")));

    /// <summary>The same catalog with every label the file names replaced.</summary>
    public static TopicCatalog Apply(TopicCatalog catalog, IReadOnlyDictionary<int, string> overrides) =>
        catalog with
        {
            Topics = catalog.Topics
                .Select(t => overrides.TryGetValue(t.Id, out var label) ? t with { Label = label } : t)
                .ToList(),
        };

    private static IReadOnlyDictionary<int, string> LoadEmbeddedDefaults()
    {
        using var stream = typeof(TopicLabels).Assembly.GetManifestResourceStream(DefaultFileName)
            ?? throw new InvalidOperationException($"Embedded resource {DefaultFileName} is missing from the build.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return Parse(reader.ReadToEnd(), DefaultFileName);
    }
}
