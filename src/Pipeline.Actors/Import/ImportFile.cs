using Pipeline.Actors.Graph;
using Pipeline.Models.Domain;

namespace Pipeline.Actors.Import;

/// <summary>
/// The file being read and what every item from it is stamped with; builds the items and errors so
/// that every location reads <c>name:line</c> the same way whatever the format.
/// </summary>
/// <param name="TextOnly">Only the text is wanted (topic training): only a text column is required,
/// and every record with a text is read whatever its other columns hold.</param>
internal sealed record ImportFile(string Path, DateTimeOffset FetchedAt, PostSource Source, bool TextOnly = false)
{
    public const string QuarantineSource = "import";

    private const int ReadBufferBytes = 64 * 1024;

    public string Name { get; } = System.IO.Path.GetFileName(Path);

    public string Location(int line) => $"{Name}:{line}";

    public PostFileException Fail(int? line, string problem, Exception? inner = null) => new(Name, line, problem, inner);

    public SourceItem Unreadable(int line, string problem, string? payload, PostId? id = null)
    {
        var location = Location(line);
        return new SourceItem.Unreadable(new QuarantineEntry(QuarantineSource, location, $"{location}: {problem}", payload, id));
    }

    public SourceItem ToItem(RowOutcome outcome, int line, Func<string> payload) => outcome switch
    {
        RowOutcome.Parsed parsed => new SourceItem.Post(parsed.Post, Location(line)),
        RowOutcome.Invalid invalid => Unreadable(line, invalid.Problem, payload(), invalid.Id),
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };

    public RowOutcome Parse(PostRow row, int line) =>
        TextOnly ? PostRowParser.ParseTextOnly(row, line, FetchedAt, Source) : PostRowParser.Parse(row, FetchedAt, Source);

    /// <summary>Opens the file for one sequential pass; a missing file is a whole-file failure that names it.</summary>
    public FileStream OpenRead()
    {
        try
        {
            return new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, ReadBufferBytes,
                FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw Fail(null, $"file not found ({System.IO.Path.GetFullPath(Path)})", e);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw Fail(null, $"cannot open the file ({e.Message})", e);
        }
    }
}
