using System.Text;
using Pipeline.Actors.Graph;
using Pipeline.Models.Domain;
using Pipeline.Models.Text;

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

    /// <summary>The bounds on lines, records, fields and nesting (<c>pipeline.limits</c>).</summary>
    public InputLimits Limits { get; init; } = InputLimits.Default;

    public string Name { get; } = System.IO.Path.GetFileName(Path);

    public string Location(int line) => $"{Name}:{line}";

    public PostFileException Fail(int? line, string problem, Exception? inner = null) => new(Name, line, Printable(problem), inner);

    /// <param name="payload">The record as read; only an excerpt of it is kept.</param>
    public SourceItem Unreadable(int line, string problem, string? payload, PostId? id = null)
    {
        var location = Location(line);
        return new SourceItem.Unreadable(new QuarantineEntry(
            QuarantineSource, location, $"{location}: {Printable(problem)}",
            payload is null ? null : SafeText.Excerpt(payload, QuarantineEntry.PayloadExcerpt), id));
    }

    /// <summary>A physical line passed over because it is longer than <see cref="InputLimits.MaxLineLength"/>.</summary>
    public SourceItem Overlong(int line, long length, string excerpt) => Unreadable(
        line,
        $"line {line} is longer than pipeline.limits.max-line-length ({Limits.MaxLineLength:N0} characters): it has {length:N0}; the line is skipped",
        excerpt);

    public SourceItem ToItem(RowOutcome outcome, int line, Func<string> payload) => outcome switch
    {
        RowOutcome.Parsed parsed => new SourceItem.Post(parsed.Post, Location(line)),
        RowOutcome.Invalid invalid => Unreadable(line, invalid.Problem, payload(), invalid.Id),
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };

    /// <summary>
    /// Turns one record into an item, so that whatever it throws (a parser, a field accessor, a bug)
    /// becomes that record's quarantine entry and never stops the file.
    /// </summary>
    public SourceItem Guard(int line, Func<SourceItem> read, Func<string?> payload)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            string? text;
            try
            {
                text = payload();
            }
            catch (Exception payloadError) when (payloadError is not OperationCanceledException)
            {
                text = null;
            }

            return Unreadable(line, $"cannot read this record ({e.GetType().Name}: {e.Message})", text);
        }
    }

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

    /// <summary>
    /// The file as text: UTF-8 unless a byte order mark says otherwise; bytes that are not valid
    /// UTF-8 read as U+FFFD instead of failing (the default decoder's replacement fallback).
    /// </summary>
    public StreamReader OpenText() => OpenText(OpenRead());

    public static StreamReader OpenText(Stream stream) => new(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);

    /// <summary>
    /// A message fit for one line of a terminal and a log: control characters (a binary file's bytes,
    /// line breaks of a quoted value) are written as <c>\uXXXX</c>.
    /// </summary>
    internal static string Printable(string message)
    {
        if (!message.AsSpan().ContainsAnyInRange('\0', '\u001F') && !message.AsSpan().ContainsAnyInRange('\u007F', '\u009F'))
        {
            return message;
        }

        var text = new StringBuilder(message.Length + 16);
        foreach (var c in message)
        {
            if (char.IsControl(c))
            {
                text.Append($"\\u{(int)c:X4}");
            }
            else
            {
                text.Append(c);
            }
        }

        return text.ToString();
    }
}
