using System.Globalization;
using Pipeline.Models.Domain;

namespace Pipeline.Models.Sentiment;

/// <summary>
/// Hand-written Nigerian Pidgin word lists the featurizer uses: code constants like VADER's negation
/// and booster lists, not data. Kept here rather than shared with the language identifier so a change
/// to one cannot silently change a trained model's features.
/// </summary>
public static class PidginCues
{
    /// <summary>
    /// Function words far more common in Pidgin than in English. Their count is the model's own
    /// Pidgin-ness signal (the scorer sees only text): on the training files, 98.5% of the AfriSenti
    /// pcm tweets have at least one and 90.7% two or more; 1.7% and 0.1% of the English ones.
    /// </summary>
    public static readonly IReadOnlySet<string> Markers = new HashSet<string>(StringComparer.Ordinal)
    {
        "dey", "na", "wey", "abeg", "wetin", "una", "sef", "abi", "shey", "oga", "wahala", "naim", "sabi", "comot",
        "pikin", "oya", "jare", "sha", "shaa", "wan", "dem", "don", "dis", "dat", "haba", "chai", "kai", "yawa", "omo",
        "ehn", "gbege", "sotey", "kpatakpata", "pesin", "nawa", "waka", "chop", "fit", "e", "o", "oo", "nor", "ni",
    };

    /// <summary>Pidgin (and texting) spellings of negation, added to VADER's list: "i neva see am", "notin dey work".</summary>
    public static readonly IReadOnlySet<string> Negations = new HashSet<string>(StringComparer.Ordinal)
    {
        "neva", "nevah", "nvr", "notin", "noting", "nothin", "nobi", "nt", "dnt", "dont", "cnt", "isnt", "didnt", "nah",
    };

    /// <summary>
    /// Auxiliaries that belong to the negation right before them ("no dey", "no go", "no fit", "no be",
    /// "neva reach"): they stay unmarked, so the bigram "no dey" is a feature and the marking starts
    /// at the verb that is negated.
    /// </summary>
    public static readonly IReadOnlySet<string> NegationAuxiliaries = new HashSet<string>(StringComparer.Ordinal)
    {
        "dey", "de", "go", "fit", "be", "wan", "don", "get", "reach", "even",
    };

    /// <summary>Degree words before what they intensify ("e too sweet", "e sotey bad").</summary>
    public static readonly IReadOnlyDictionary<string, double> PreBoosters = new Dictionary<string, double>(StringComparer.Ordinal)
    {
        ["too"] = SentimentLexicon.BoosterIncrement,
        ["sotey"] = SentimentLexicon.BoosterIncrement,
        ["kpatakpata"] = SentimentLexicon.BoosterIncrement,
        ["proper"] = SentimentLexicon.BoosterIncrement,
    };

    /// <summary>
    /// Pidgin intensifiers come after the word ("sweet die", "bad well well", "fine gan", "e pain me
    /// sef"): within two words after a valenced word they boost it, and do not count as words of their
    /// own ("die" is negative in VADER, but "e sweet die" is praise).
    /// </summary>
    public static readonly IReadOnlySet<string> PostBoosters = new HashSet<string>(StringComparer.Ordinal)
    {
        "die", "well", "gan", "gaan", "pass", "kpatakpata", "sef", "self", "scatter", "o", "oo", "ooo",
    };

    /// <summary>Exclamations and question particles of complaint ("abeg", "wahala", "shey", "wetin", "haba"): counted as one dense feature.</summary>
    public static readonly IReadOnlySet<string> ComplaintCues = new HashSet<string>(StringComparer.Ordinal)
    {
        "abeg", "wahala", "shey", "wetin", "haba", "chai", "kai", "nawa", "yawa", "ehn", "mtchew", "mtcheew", "smh", "gbege",
    };
}

/// <summary>
/// A sentiment lexicon learned from labelled Pidgin tweets: for each word, the smoothed log-odds of
/// appearing in a positive rather than a negative tweet (document counts, add-α smoothing, the two
/// classes' sizes factored out so a word spread evenly scores 0). Built by the trainer from the
/// training split only (inside each cross-validation fold when cross-validating), shipped beside the
/// model as <see cref="FileName"/>. Immutable.
/// </summary>
public sealed class PidginLexicon
{
    public const string FileName = "pidgin-lexicon.tsv";

    /// <summary>A word must appear in at least this many positive or negative training tweets.</summary>
    public const int MinimumCount = 3;

    /// <summary>Add-α smoothing of the counts.</summary>
    public const double Alpha = 1.0;

    /// <summary>Words closer to 0 than this carry no signal worth a lookup and are left out.</summary>
    public const double MinimumScore = 0.25;

    private readonly Dictionary<string, float> _scores;

    private PidginLexicon(Dictionary<string, float> scores, IReadOnlyDictionary<string, (int Positive, int Negative)> counts)
    {
        _scores = scores;
        Counts = counts;
    }

    public static PidginLexicon Empty { get; } = new([], new Dictionary<string, (int, int)>());

    public int Count => _scores.Count;

    /// <summary>Positive and negative document counts behind each score (written to the file, for the curious).</summary>
    public IReadOnlyDictionary<string, (int Positive, int Negative)> Counts { get; }

    public IEnumerable<string> Words => _scores.Keys;

    public bool TryGetScore(string word, out float score) => _scores.TryGetValue(word, out score);

    /// <summary>Builds the lexicon from tweets tokenised by <see cref="SentimentFeaturizer.Tokenize(string)"/> (their word tokens) and their labels; neutral tweets are not used.</summary>
    public static PidginLexicon Build(IEnumerable<(IReadOnlyList<SentimentToken> Tokens, SentimentLabel Label)> tweets)
    {
        var positive = new Dictionary<string, int>(StringComparer.Ordinal);
        var negative = new Dictionary<string, int>(StringComparer.Ordinal);
        int positives = 0, negatives = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (tokens, label) in tweets)
        {
            if (label == SentimentLabel.Neutral)
            {
                continue;
            }

            var counts = label == SentimentLabel.Positive ? positive : negative;
            if (label == SentimentLabel.Positive)
            {
                positives++;
            }
            else
            {
                negatives++;
            }

            seen.Clear();
            foreach (var token in tokens)
            {
                if (token.Kind == SentimentTokenKind.Word && seen.Add(token.Text))
                {
                    counts[token.Text] = counts.GetValueOrDefault(token.Text) + 1;
                }
            }
        }

        var scores = new Dictionary<string, float>(StringComparer.Ordinal);
        var kept = new Dictionary<string, (int, int)>(StringComparer.Ordinal);
        if (positives == 0 || negatives == 0)
        {
            return Empty;
        }

        foreach (var word in positive.Keys.Union(negative.Keys))
        {
            var p = positive.GetValueOrDefault(word);
            var n = negative.GetValueOrDefault(word);
            if (p + n < MinimumCount)
            {
                continue;
            }

            var score = Math.Log((p + Alpha) / (positives + (2 * Alpha))) - Math.Log((n + Alpha) / (negatives + (2 * Alpha)));
            if (Math.Abs(score) >= MinimumScore)
            {
                scores[word] = (float)Math.Round(score, 4);
                kept[word] = (p, n);
            }
        }

        return new PidginLexicon(scores, kept);
    }

    /// <summary>word TAB score TAB positive tweets TAB negative tweets, sorted by word, with a header comment.</summary>
    public void Save(string path)
    {
        using var writer = new StreamWriter(path);
        writer.NewLine = "\n";
        writer.WriteLine("# Pidgin sentiment lexicon learned by train-sentiment from its Pidgin training file only.");
        writer.WriteLine($"# score = ln((pos+{Alpha})/(P+2*{Alpha})) - ln((neg+{Alpha})/(N+2*{Alpha})) over tweet counts; words in >= {MinimumCount} tweets, |score| >= {MinimumScore}.");
        writer.WriteLine("# Derived from labelled tweets: the model card beside this file names their source and licence.");
        writer.WriteLine("# word\tscore\tpositive_tweets\tnegative_tweets");
        foreach (var word in _scores.Keys.Order(StringComparer.Ordinal))
        {
            var (p, n) = Counts[word];
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{word}\t{_scores[word]:0.####}\t{p}\t{n}"));
        }
    }

    public static PidginLexicon Load(string path)
    {
        var scores = new Dictionary<string, float>(StringComparer.Ordinal);
        var counts = new Dictionary<string, (int, int)>(StringComparer.Ordinal);
        var line = 0;
        foreach (var text in File.ReadLines(path))
        {
            line++;
            if (text.Length == 0 || text[0] == '#')
            {
                continue;
            }

            var parts = text.Split('\t');
            if (parts.Length != 4
                || !float.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var score)
                || !int.TryParse(parts[2], CultureInfo.InvariantCulture, out var p)
                || !int.TryParse(parts[3], CultureInfo.InvariantCulture, out var n))
            {
                throw new InvalidDataException($"{path} line {line}: expected word<TAB>score<TAB>positive<TAB>negative.");
            }

            scores[parts[0]] = score;
            counts[parts[0]] = (p, n);
        }

        return new PidginLexicon(scores, counts);
    }
}
