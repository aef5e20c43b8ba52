using System.Text;

namespace Pipeline.Models.Language;

/// <summary>The part of a post's text that says something about its language.</summary>
public static class LanguageText
{
    public const int MaxWords = 200;

    /// <summary>
    /// Lower-cased words of letters only: @mentions, links, hashtags, numbers and emojis are left out (they are the
    /// same in every language, and company handles would make every post look alike). Apostrophes inside a word are
    /// dropped, so <c>don't</c> reads <c>dont</c> and never the Pidgin <c>don</c>.
    /// Only the first <see cref="MaxWords"/> words are read: they settle the language of any post, and a megabyte of
    /// junk in a file's text column must not become a megabyte of words.
    /// </summary>
    public static List<string> Words(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var skipping = false;
        for (var i = 0; i <= text.Length; i++)
        {
            if (words.Count >= MaxWords)
            {
                break;
            }

            var c = i < text.Length ? text[i] : ' ';
            if (char.IsWhiteSpace(c))
            {
                Flush();
                skipping = false;
                continue;
            }

            if (skipping)
            {
                continue;
            }

            if (word.Length == 0 && (c is '@' or '#' || StartsLink(text, i)))
            {
                skipping = true;
                continue;
            }

            if (char.IsLetter(c))
            {
                word.Append(char.ToLowerInvariant(c));
            }
            else if (c is '\'' or '\u2019' && word.Length > 0)
            {
                // "don't" stays one word.
            }
            else
            {
                Flush();
            }
        }

        return words;

        void Flush()
        {
            if (word.Length > 0)
            {
                words.Add(word.ToString());
                word.Clear();
            }
        }
    }

    /// <summary>The words joined by single spaces: what the statistical detector reads.</summary>
    public static string Letters(IReadOnlyList<string> words) => string.Join(' ', words);

    private static bool StartsLink(string text, int at) =>
        string.CompareOrdinal(text, at, "http://", 0, 7) == 0 ||
        string.CompareOrdinal(text, at, "https://", 0, 8) == 0 ||
        string.CompareOrdinal(text, at, "www.", 0, 4) == 0;
}
