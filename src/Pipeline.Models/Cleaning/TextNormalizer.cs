using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Pipeline.Models.Cleaning;

/// <summary>
/// The text forms every later stage relies on. One code path: the topic trainer and the
/// cleaning stage both call <see cref="TopicTokens"/>, so training and inference agree.
/// </summary>
public static partial class TextNormalizer
{
    private static readonly Lazy<HashSet<string>> EnglishStopwordsLazy = new(LoadEnglishStopwords);

    /// <summary>The built-in English stopword list (the domain list comes from settings).</summary>
    public static IReadOnlySet<string> EnglishStopwords => EnglishStopwordsLazy.Value;

    /// <summary>Decodes HTML entities (scrapers and exports deliver <c>&amp;amp;</c>, <c>&amp;#39;</c>…) and collapses whitespace.</summary>
    public static string DecodeEntities(string text)
    {
        // Some exports encode twice (&amp;amp;); decode until stable, at most a few rounds.
        var current = text;
        for (var round = 0; round < 3; round++)
        {
            var decoded = WebUtility.HtmlDecode(current);
            if (decoded == current)
            {
                break;
            }

            current = decoded;
        }

        return CollapseWhitespace(current);
    }

    /// <summary>
    /// Cardiff NLP's preprocessing for its Twitter RoBERTa models: a token starting with
    /// <c>@</c> becomes <c>@user</c>, one starting with <c>http</c> becomes <c>http</c>.
    /// Emojis and punctuation are kept: the model was trained with them.
    /// </summary>
    public static string ForSentiment(string decodedText)
    {
        var tokens = decodedText.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < tokens.Length; i++)
        {
            var token = tokens[i];
            if (token.Length > 1 && token[0] == '@')
            {
                tokens[i] = "@user";
            }
            else if (token.StartsWith("http", StringComparison.OrdinalIgnoreCase))
            {
                tokens[i] = "http";
            }
        }

        return string.Join(' ', tokens);
    }

    /// <summary>
    /// Tokens for the topic model: links and mentions removed, hashtags kept as words,
    /// lower-case letters only, stopwords (English + <paramref name="extraStopwords"/>) removed,
    /// plurals reduced (lemma-lite).
    /// </summary>
    public static IReadOnlyList<string> TopicTokens(string decodedText, IReadOnlySet<string>? extraStopwords = null)
    {
        var withoutNoise = MentionOrLink().Replace(decodedText, " ");
        var result = new List<string>();
        foreach (Match match in Word().Matches(withoutNoise))
        {
            var token = match.Value.ToLowerInvariant().Replace("'", string.Empty, StringComparison.Ordinal)
                .Replace("\u2019", string.Empty, StringComparison.Ordinal);
            if (token.Length < 2 || IsStopword(token, extraStopwords))
            {
                continue;
            }

            var lemma = LemmaLite(token);
            if (lemma.Length < 2 || IsStopword(lemma, extraStopwords))
            {
                continue;
            }

            result.Add(lemma);
        }

        return result;
    }

    /// <summary>True when nothing but mentions, links and whitespace is left: no word, number, emoji or symbol.</summary>
    public static bool IsEmptyOfContent(string decodedText)
    {
        var rest = MentionOrLink().Replace(decodedText, string.Empty);
        foreach (var rune in rest.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (Rune.IsLetterOrDigit(rune) || category is UnicodeCategory.OtherSymbol or UnicodeCategory.MathSymbol
                    or UnicodeCategory.CurrencySymbol)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Plural and possessive reduction only: stemming proper would merge words customers
    /// use differently ("charges" vs "charged"), and pidgin defeats English stemmers anyway.
    /// </summary>
    public static string LemmaLite(string token)
    {
        if (token.EndsWith("ies", StringComparison.Ordinal) && token.Length > 4)
        {
            return string.Concat(token.AsSpan(0, token.Length - 3), "y");
        }

        if (token.EndsWith("sses", StringComparison.Ordinal))
        {
            return token[..^2];
        }

        if (token.EndsWith('s') && token.Length > 3
            && !token.EndsWith("ss", StringComparison.Ordinal)
            && !token.EndsWith("us", StringComparison.Ordinal)
            && !token.EndsWith("is", StringComparison.Ordinal))
        {
            return token[..^1];
        }

        return token;
    }

    private static bool IsStopword(string token, IReadOnlySet<string>? extra) =>
        EnglishStopwords.Contains(token) || (extra is not null && extra.Contains(token));

    private static string CollapseWhitespace(string text) => Whitespace().Replace(text, " ").Trim();

    private static HashSet<string> LoadEnglishStopwords() => EmbeddedWordList.Load("english-stopwords.txt");

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"(?:https?://|www\.)\S+|@\w+", RegexOptions.IgnoreCase)]
    private static partial Regex MentionOrLink();

    [GeneratedRegex(@"[\p{L}][\p{L}'’]*")]
    private static partial Regex Word();
}
