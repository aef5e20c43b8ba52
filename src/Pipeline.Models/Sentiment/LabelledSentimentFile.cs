using Pipeline.Models.Domain;

namespace Pipeline.Models.Sentiment;

/// <summary>A labelled file that cannot be read: the message names the file and the line.</summary>
public sealed class LabelledFileException(string message) : Exception(message);

/// <summary>
/// Reads labelled tweets: a text file (one tweet a line) with a labels file (one label a line, the
/// same line numbers), as TweetEval ships them; or one TSV file of <c>label&lt;TAB&gt;text</c>.
/// Labels: <c>0</c>/<c>1</c>/<c>2</c> or <c>negative</c>/<c>neutral</c>/<c>positive</c>. A malformed
/// line stops the read with its line number; nothing is skipped silently.
/// </summary>
public static class LabelledSentimentFile
{
    public static IReadOnlyList<LabelledText> ReadPair(string textPath, string labelsPath)
    {
        var texts = ReadLines(textPath);
        var labelLines = ReadLines(labelsPath);
        if (texts.Count != labelLines.Count)
        {
            throw new LabelledFileException(
                $"{Path.GetFileName(textPath)} has {texts.Count} lines but {Path.GetFileName(labelsPath)} has {labelLines.Count}; line N of one must label line N of the other.");
        }

        var result = new LabelledText[texts.Count];
        for (var i = 0; i < texts.Count; i++)
        {
            result[i] = new LabelledText(texts[i], ParseLabel(labelLines[i], labelsPath, i + 1));
        }

        return result;
    }

    public static IReadOnlyList<LabelledText> ReadTsv(string path)
    {
        var lines = ReadLines(path);
        var result = new LabelledText[lines.Count];
        for (var i = 0; i < lines.Count; i++)
        {
            var tab = lines[i].IndexOf('\t');
            if (tab < 0)
            {
                throw new LabelledFileException($"{Path.GetFileName(path)} line {i + 1}: expected label<TAB>text, found no tab.");
            }

            result[i] = new LabelledText(lines[i][(tab + 1)..], ParseLabel(lines[i][..tab], path, i + 1));
        }

        return result;
    }

    public static SentimentLabel ParseLabel(string value, string path, int line) => value.Trim().ToLowerInvariant() switch
    {
        "0" or "negative" or "neg" => SentimentLabel.Negative,
        "1" or "neutral" or "neu" => SentimentLabel.Neutral,
        "2" or "positive" or "pos" => SentimentLabel.Positive,
        var other => throw new LabelledFileException(
            $"{Path.GetFileName(path)} line {line}: '{Shorten(other)}' is not a sentiment label (0 negative, 1 neutral, 2 positive, or the words)."),
    };

    private static List<string> ReadLines(string path)
    {
        if (!File.Exists(path))
        {
            throw new LabelledFileException($"{path}: file not found.");
        }

        return File.ReadLines(path).ToList();
    }

    private static string Shorten(string value) => value.Length <= 20 ? value : value[..20] + "…";
}
