namespace Pipeline.Actors.Import;

/// <summary>
/// A problem with a whole import file (missing, no usable header, broken structure), as opposed to
/// one bad row, which is quarantined while the rest of the file is read. It fails the import.
/// </summary>
public sealed class PostFileException : Exception
{
    public PostFileException(string fileName, int? line, string problem, Exception? inner = null)
        : base(line is { } l ? $"{fileName}:{l}: {problem}" : $"{fileName}: {problem}", inner)
    {
        FileName = fileName;
        Line = line;
        Problem = problem;
    }

    /// <summary>The file's name (no folder), as it appears in every location the reader reports.</summary>
    public string FileName { get; }

    /// <summary>1-based physical line the problem was found on (1 for a header); null when no line applies.</summary>
    public int? Line { get; }

    public string Problem { get; }
}
