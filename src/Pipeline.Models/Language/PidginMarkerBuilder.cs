namespace Pipeline.Models.Language;

/// <summary>One word that tells Nigerian Pidgin from English, with the evidence it was chosen on.</summary>
/// <param name="PidginDocuments">Pidgin training posts that contain the word.</param>
/// <param name="EnglishDocuments">English training posts that contain the word.</param>
/// <param name="LogOdds">
/// Natural log of how much likelier a Pidgin post is to contain the word than an English one (document
/// frequencies, add-one smoothed): 3 means twenty times likelier.
/// </param>
public sealed record PidginMarker(string Word, int PidginDocuments, int EnglishDocuments, double LogOdds);

/// <summary>How strict <see cref="PidginMarkerBuilder"/> is.</summary>
/// <param name="MinPidginDocuments">A marker occurs in at least this many Pidgin posts (rarer words are noise and names).</param>
/// <param name="MinLogOdds">A marker is at least e^this times likelier in a Pidgin post than in an English one.</param>
/// <param name="MaxEnglishShare">A marker occurs in at most this share of English posts, whatever its odds.</param>
/// <param name="MinLength">Shorter words are left out (single letters are abbreviations in both languages).</param>
public sealed record PidginMarkerOptions(int MinPidginDocuments = 8, double MinLogOdds = 3.0, double MaxEnglishShare = 0.002, int MinLength = 2)
{
    public static PidginMarkerOptions Default { get; } = new();
}

/// <summary>
/// Chooses the words that mark a post as Nigerian Pidgin, from Pidgin and English training posts alone: words
/// common in Pidgin posts and rare in English ones (<c>dey</c>, <c>wetin</c>, <c>abeg</c>, <c>una</c>), not the
/// words both share. Run by the benchmarks' <c>language-markers</c> verb on AfriSenti's <c>pcm</c> training split
/// against the English sentiment training split; the result ships as <c>pidgin-markers.tsv</c>.
/// </summary>
public static class PidginMarkerBuilder
{
    public static IReadOnlyList<PidginMarker> Build(IEnumerable<string> pidginPosts, IEnumerable<string> englishPosts, PidginMarkerOptions? options = null)
    {
        var o = options ?? PidginMarkerOptions.Default;
        var (pidgin, pidginCount) = DocumentFrequencies(pidginPosts);
        var (english, englishCount) = DocumentFrequencies(englishPosts);
        if (pidginCount == 0 || englishCount == 0)
        {
            throw new ArgumentException("Both corpora need at least one post.");
        }

        var markers = new List<PidginMarker>();
        foreach (var (word, inPidgin) in pidgin)
        {
            var inEnglish = english.GetValueOrDefault(word);
            if (word.Length < o.MinLength || inPidgin < o.MinPidginDocuments || inEnglish > o.MaxEnglishShare * englishCount)
            {
                continue;
            }

            var logOdds = Math.Log((inPidgin + 1.0) / (pidginCount + 2.0)) - Math.Log((inEnglish + 1.0) / (englishCount + 2.0));
            if (logOdds >= o.MinLogOdds)
            {
                markers.Add(new PidginMarker(word, inPidgin, inEnglish, logOdds));
            }
        }

        return markers
            .OrderByDescending(m => m.PidginDocuments)
            .ThenBy(m => m.Word, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The markers as shipped: a comment header, then <c>word, pidgin posts, English posts, log-odds</c> a line.</summary>
    public static void Write(TextWriter writer, IReadOnlyList<PidginMarker> markers, IEnumerable<string> header)
    {
        foreach (var line in header)
        {
            writer.WriteLine("# " + line);
        }

        foreach (var m in markers)
        {
            writer.WriteLine(FormattableString.Invariant($"{m.Word}\t{m.PidginDocuments}\t{m.EnglishDocuments}\t{m.LogOdds:0.00}"));
        }
    }

    private static (Dictionary<string, int> Frequencies, int Documents) DocumentFrequencies(IEnumerable<string> posts)
    {
        var frequencies = new Dictionary<string, int>(StringComparer.Ordinal);
        var documents = 0;
        foreach (var post in posts)
        {
            documents++;
            foreach (var word in LanguageText.Words(post).Distinct(StringComparer.Ordinal))
            {
                frequencies[word] = frequencies.GetValueOrDefault(word) + 1;
            }
        }

        return (frequencies, documents);
    }
}
