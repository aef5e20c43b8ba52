namespace Pipeline.Models.Topics;

/// <summary>
/// The tokeniser of tools/topic_anchor.py (Python: <c>[t for t in re.findall('[a-z]+', text.lower())
/// if len(t) >= 3 and t not in ENGLISH_STOP_WORDS]</c>), so topics scored here and by gensim see the
/// same documents. Deliberately separate from <see cref="Cleaning.TextNormalizer"/>: that one serves
/// our own topic model and may evolve; this one must not.
/// </summary>
public static class AnchorTokenizer
{
    private static readonly HashSet<string> StopWords = LoadStopWords();

    /// <summary>scikit-learn's ENGLISH_STOP_WORDS (318 words).</summary>
    public static IReadOnlySet<string> EnglishStopWords => StopWords;

    public static IReadOnlyList<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        var run = new System.Text.StringBuilder();
        foreach (var c in text)
        {
            var letter = PythonLowerAsciiLetter(c);
            if (letter != '\0')
            {
                run.Append(letter);
            }

            // U+0130 lowers to "i" + U+0307 in Python: the 'i' joins the run, the combining dot ends it.
            if (letter == '\0' || c == '\u0130')
            {
                Flush(run, tokens);
            }
        }

        Flush(run, tokens);
        return tokens;
    }

    // Python's str.lower() yields an ASCII letter for A-Z, a-z and exactly two other code points
    // (checked over all of Unicode): KELVIN SIGN -> 'k' and LATIN CAPITAL I WITH DOT ABOVE -> 'i'.
    private static char PythonLowerAsciiLetter(char c) => c switch
    {
        >= 'a' and <= 'z' => c,
        >= 'A' and <= 'Z' => (char)(c + ('a' - 'A')),
        '\u212A' => 'k',
        '\u0130' => 'i',
        _ => '\0',
    };

    private static void Flush(System.Text.StringBuilder run, List<string> tokens)
    {
        if (run.Length >= 3)
        {
            var token = run.ToString();
            if (!StopWords.Contains(token))
            {
                tokens.Add(token);
            }
        }

        run.Clear();
    }

    private static HashSet<string> LoadStopWords() => EmbeddedWordList.Load("sklearn-english-stop-words.txt");
}
