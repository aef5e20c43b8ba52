namespace Pipeline.Models;

/// <summary>Word lists shipped inside this assembly: words separated by whitespace, <c>#</c> starts a comment line.</summary>
internal static class EmbeddedWordList
{
    public static HashSet<string> Load(string resourceName)
    {
        using var stream = typeof(EmbeddedWordList).Assembly.GetManifestResourceStream(resourceName)
            ?? throw new InvalidOperationException($"The embedded {resourceName} resource is missing.");
        using var reader = new StreamReader(stream);
        var words = new HashSet<string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            if (line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            foreach (var word in line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            {
                words.Add(word);
            }
        }

        return words;
    }
}
