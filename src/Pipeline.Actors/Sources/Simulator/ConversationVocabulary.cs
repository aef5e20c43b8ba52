namespace Pipeline.Actors.Sources.Simulator;

/// <summary>A family of customer posts: one theme written with one intent.</summary>
public sealed record ConversationTheme(string Name, string Sentiment, double Weight, IReadOnlyList<string> Templates);

/// <summary>
/// The templates and word lists the simulator writes posts from, read from the embedded
/// <c>conversation.txt</c> (format described at its top).
/// </summary>
public sealed record ConversationVocabulary(
    IReadOnlyDictionary<string, IReadOnlyList<string>> Slots,
    IReadOnlyList<ConversationTheme> Themes,
    IReadOnlyList<string> Own,
    IReadOnlyList<string> Spam,
    IReadOnlyList<(string Language, string Template)> Foreign,
    IReadOnlyList<string> Irrelevant,
    IReadOnlyList<string> Empty)
{
    private const string ResourceName = "simulator-conversation.txt";

    private static readonly Lazy<ConversationVocabulary> s_embedded = new(() =>
    {
        using var stream = typeof(ConversationVocabulary).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded {ResourceName} resource is missing.");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd(), ResourceName);
    });

    public static ConversationVocabulary Embedded => s_embedded.Value;

    /// <summary>Values of <paramref name="slot"/>, the company's own list first when it has one.</summary>
    public IReadOnlyList<string>? Slot(string slot, string companyId) =>
        Slots.TryGetValue($"{slot}.{companyId}", out var own) ? own : Slots.GetValueOrDefault(slot);

    public static ConversationVocabulary Parse(string text, string source)
    {
        var slots = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var themes = new List<(string Name, string Sentiment, double Weight, List<string> Lines)>();
        var own = new List<string>();
        var spam = new List<string>();
        var foreign = new List<(string, string)>();
        var irrelevant = new List<string>();
        var empty = new List<string>();
        Action<string>? add = null;
        var lineNo = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNo++;
            var line = raw.TrimEnd('\r').Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (!line.StartsWith("==", StringComparison.Ordinal))
            {
                (add ?? throw new FormatException($"{source} line {lineNo}: a template before any '== section' header"))(line);
                continue;
            }

            var header = line[2..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            string Arg(int i) => header.Length > i ? header[i]
                : throw new FormatException($"{source} line {lineNo}: '{line}' needs {i} argument(s)");
            switch (header.FirstOrDefault())
            {
                case "slot":
                    var list = new List<string>();
                    slots[Arg(1)] = list;
                    add = list.Add;
                    break;
                case "theme":
                    var sentiment = Arg(2);
                    if (sentiment is not ("negative" or "neutral" or "positive"))
                    {
                        throw new FormatException($"{source} line {lineNo}: sentiment '{sentiment}' is not negative, neutral or positive");
                    }

                    if (!double.TryParse(Arg(3), System.Globalization.CultureInfo.InvariantCulture, out var weight) || weight <= 0)
                    {
                        throw new FormatException($"{source} line {lineNo}: weight '{Arg(3)}' is not a positive number");
                    }

                    var lines = new List<string>();
                    themes.Add((Arg(1), sentiment, weight, lines));
                    add = lines.Add;
                    break;
                case "own":
                    add = own.Add;
                    break;
                case "spam":
                    add = spam.Add;
                    break;
                case "foreign":
                    var language = Arg(1);
                    add = template => foreign.Add((language, template));
                    break;
                case "irrelevant":
                    add = irrelevant.Add;
                    break;
                case "empty":
                    add = empty.Add;
                    break;
                default:
                    throw new FormatException($"{source} line {lineNo}: unknown section '{line}'");
            }
        }

        var vocabulary = new ConversationVocabulary(
            slots.ToDictionary(s => s.Key, s => (IReadOnlyList<string>)s.Value, StringComparer.Ordinal),
            themes.Select(t => new ConversationTheme(t.Name, t.Sentiment, t.Weight, t.Lines)).ToList(),
            own, spam, foreign, irrelevant, empty);
        var emptySections = vocabulary.Themes.Where(t => t.Templates.Count == 0).Select(t => "theme " + t.Name)
            .Concat(slots.Where(s => s.Value.Count == 0).Select(s => "slot " + s.Key))
            .Concat(new[] { ("own", own), ("spam", spam), ("irrelevant", irrelevant), ("empty", empty) }
                .Where(s => s.Item2.Count == 0).Select(s => s.Item1))
            .ToList();
        if (emptySections.Count > 0 || foreign.Count == 0 || themes.Count == 0)
        {
            throw new FormatException($"{source}: empty or missing sections: {string.Join(", ", emptySections.DefaultIfEmpty("themes or foreign"))}");
        }

        return vocabulary;
    }
}
