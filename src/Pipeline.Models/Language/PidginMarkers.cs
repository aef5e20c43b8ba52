using System.Globalization;

namespace Pipeline.Models.Language;

/// <summary>
/// Tells Nigerian Pidgin (and English/Pidgin code-mixed posts) by its marker words, which no statistical detector
/// knows: Lingua has no Pidgin and reads it as English or, worse, as Yoruba or Tagalog. A post is Pidgin when it has
/// two distinct markers, or one that is at least a quarter of its distinct words (<c>abeg help</c>). Chosen by
/// five-fold cross-validation on the training files (docs/language.md): 90 % of held-out Pidgin posts called
/// Pidgin, 0.06 % of held-out English ones.
/// </summary>
public sealed class PidginMarkers
{
    public const int MinDistinctMarkers = 2;
    public const double MinMarkerShare = 0.25;

    /// <summary>
    /// So many distinct markers settle a post as Pidgin without asking Lingua: the few markers other languages share
    /// (Spanish <c>con</c>, <c>una</c>; Swahili <c>na</c>) come one or two at a time. Four in five Pidgin posts have
    /// three, which spares them Lingua's cost. (Yoruba can have three; it is then kept as Pidgin, which is no loss.)
    /// </summary>
    public const int DecisiveMarkers = 3;

    private readonly HashSet<string> _words;

    public PidginMarkers(IEnumerable<string> words) => _words = words.ToHashSet(StringComparer.Ordinal);

    /// <summary>The list shipped in this assembly (<c>pidgin-markers.tsv</c>, built from AfriSenti's <c>pcm</c> training split).</summary>
    public static PidginMarkers Shipped => ShippedList.Value;

    private static readonly Lazy<PidginMarkers> ShippedList = new(() => new PidginMarkers(ReadShipped()));

    public int Size => _words.Count;

    public bool Contains(string word) => _words.Contains(word);

    /// <summary>How many distinct words of <paramref name="words"/> are markers, and how many distinct words there are.</summary>
    public (int Markers, int Distinct) Count(IReadOnlyList<string> words)
    {
        if (words.Count == 0)
        {
            return (0, 0);
        }

        var distinct = new HashSet<string>(words, StringComparer.Ordinal);
        var markers = 0;
        foreach (var word in distinct)
        {
            if (_words.Contains(word))
            {
                markers++;
            }
        }

        return (markers, distinct.Count);
    }

    /// <summary>Whether the words read as Pidgin (or Pidgin mixed into English).</summary>
    public bool IsPidgin(IReadOnlyList<string> words)
    {
        var (markers, distinct) = Count(words);
        return markers >= MinDistinctMarkers || (markers >= 1 && markers >= MinMarkerShare * distinct);
    }

    private static IEnumerable<string> ReadShipped()
    {
        using var stream = typeof(PidginMarkers).Assembly.GetManifestResourceStream("pidgin-markers.tsv")
            ?? throw new InvalidOperationException("The embedded pidgin-markers.tsv resource is missing.");
        using var reader = new StreamReader(stream);
        var words = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            words.Add(line.Split('\t')[0].Trim().ToLower(CultureInfo.InvariantCulture));
        }

        return words;
    }
}
