using System.Globalization;

namespace Pipeline.Models.Sentiment;

/// <summary>
/// VADER's lexicon (valence −4..+4 per word, emoticon and slang token) with its negation and booster
/// lists, plus a few emoji polarities of our own, all embedded in this assembly. Read-only after load.
/// </summary>
public sealed class SentimentLexicon
{
    // VADER's constants: a negated word's valence is multiplied by NegationScalar; a booster adds
    // BoosterIncrement in the word's direction; an ALL-CAPS word in mixed-case text adds CapsIncrement.
    public const double NegationScalar = -0.74;
    public const double BoosterIncrement = 0.293;
    public const double CapsIncrement = 0.733;

    private static readonly Lazy<SentimentLexicon> DefaultLazy = new(Load);

    private SentimentLexicon(Dictionary<string, double> valences, Dictionary<string, double> boosters, HashSet<string> negations)
    {
        Valences = valences;
        Boosters = boosters;
        Negations = negations;
        Emoticons = valences.Keys.Where(k => k.Length > 1 && !k.Contains(' ') && k.Any(c => !char.IsLetterOrDigit(c) && c != '\'' && c != '-'))
            .ToHashSet(StringComparer.Ordinal);
    }

    public static SentimentLexicon Default => DefaultLazy.Value;

    /// <summary>Lower-case token (or emoticon as written, or emoji) → valence.</summary>
    public IReadOnlyDictionary<string, double> Valences { get; }

    /// <summary>Degree adverbs: positive boost, negative dampen.</summary>
    public IReadOnlyDictionary<string, double> Boosters { get; }

    public IReadOnlySet<string> Negations { get; }

    /// <summary>Lexicon entries made of punctuation (<c>:)</c>, <c>&lt;3</c>, <c>:-(</c>): kept whole by the tokenizer.</summary>
    public IReadOnlySet<string> Emoticons { get; }

    public bool IsNegation(string lowerToken) =>
        Negations.Contains(lowerToken) || lowerToken.EndsWith("n't", StringComparison.Ordinal);

    private static SentimentLexicon Load()
    {
        var valences = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var resource in new[] { "vader-lexicon.tsv", "emoji-polarity.tsv" })
        {
            using var stream = typeof(SentimentLexicon).Assembly.GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"The embedded {resource} resource is missing.");
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } line)
            {
                if (line.Length == 0 || line[0] == '#')
                {
                    continue;
                }

                var tab = line.LastIndexOf('\t');
                valences[line[..tab]] = double.Parse(line.AsSpan(tab + 1), CultureInfo.InvariantCulture);
            }
        }

        // From VADER's vaderSentiment.js (NEGATE, BOOSTER_DICT): code constants, not lexicon data.
        var negations = new HashSet<string>(StringComparer.Ordinal)
        {
            "aint", "arent", "cannot", "cant", "couldnt", "darent", "didnt", "doesnt", "dont", "hadnt", "hasnt", "havent",
            "isnt", "mightnt", "mustnt", "neither", "neednt", "never", "none", "nope", "nor", "not", "nothing", "nowhere",
            "oughtnt", "shant", "shouldnt", "uhuh", "wasnt", "werent", "without", "wont", "wouldnt", "rarely", "seldom",
            "despite", "no", "nobody", "uh-uh",
        };
        var boosters = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var word in "absolutely amazingly awfully completely considerably decidedly deeply effing enormously entirely especially exceptionally extremely fabulously flipping flippin fricking frickin frigging friggin fully fucking greatly hella highly hugely incredibly intensely majorly more most particularly purely quite really remarkably so substantially thoroughly totally tremendously uber unbelievably unusually utterly very soo sooo".Split(' '))
        {
            boosters[word] = BoosterIncrement;
        }

        foreach (var word in "almost barely hardly just enough kind of kinda kindof kind-of less little marginally occasionally partly scarcely slightly somewhat sort of sorta sortof sort-of".Split(' '))
        {
            boosters[word] = -BoosterIncrement;
        }

        return new SentimentLexicon(valences, boosters, negations);
    }
}
