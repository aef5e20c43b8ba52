using Pipeline.Actors.Graph;
using Pipeline.Models.Domain;

namespace Pipeline.Actors.Import;

/// <summary>
/// Reads posts from export files one record at a time: memory depends on the longest record, never
/// on the file's size. A bad record becomes <see cref="SourceItem.Unreadable"/> and reading goes on;
/// a file that cannot be read as a whole (missing, no usable header, broken JSON structure) throws
/// <see cref="PostFileException"/>.
/// </summary>
public static class PostFileReader
{
    public static PostFileFormat DetectFormat(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return FormatOf(path) ?? throw new ArgumentException(
            $"{System.IO.Path.GetFileName(path)}: cannot tell the format from the extension " +
            $"'{System.IO.Path.GetExtension(path).ToLowerInvariant()}' (expected .csv, .jsonl, .ndjson, .json or .js for an X archive's tweets.js)",
            nameof(path));
    }

    /// <summary>The format the extension of <paramref name="path"/> names; null when it names none.</summary>
    public static PostFileFormat? FormatOf(string path) => System.IO.Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".csv" => PostFileFormat.Csv,
        ".jsonl" or ".ndjson" or ".json" => PostFileFormat.JsonLines,
        ".js" => PostFileFormat.XArchive,
        _ => null,
    };

    /// <summary>Streams the posts of <paramref name="path"/>, stamped as imported at <paramref name="fetchedAt"/>.</summary>
    /// <exception cref="ArgumentException">At once, when the extension names no known format.</exception>
    public static IAsyncEnumerable<SourceItem> ReadAsync(string path, DateTimeOffset fetchedAt, CancellationToken ct = default) =>
        ReadAsync(path, fetchedAt, PostSource.Import, ct);

    /// <summary>As <see cref="ReadAsync(string, DateTimeOffset, CancellationToken)"/>, for replays that stand in for another source.</summary>
    public static IAsyncEnumerable<SourceItem> ReadAsync(
        string path, DateTimeOffset fetchedAt, PostSource source, CancellationToken ct = default) =>
        ReadAsync(path, fetchedAt, source, InputLimits.Default, ct);

    /// <summary>As <see cref="ReadAsync(string, DateTimeOffset, PostSource, CancellationToken)"/>, held to <paramref name="limits"/> (<c>pipeline.limits</c>).</summary>
    public static IAsyncEnumerable<SourceItem> ReadAsync(
        string path, DateTimeOffset fetchedAt, PostSource source, InputLimits limits, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(limits);
        // Detected before the first MoveNextAsync so a wrong extension fails where the caller named the file.
        var format = DetectFormat(path);
        return Read(format, new ImportFile(path, fetchedAt, source) { Limits = limits }, ct);
    }

    private static IAsyncEnumerable<SourceItem> Read(PostFileFormat format, ImportFile file, CancellationToken ct) => ReportingReadErrors(file, format switch
    {
        PostFileFormat.Csv => CsvPostReader.ReadAsync(file, ct),
        PostFileFormat.JsonLines => JsonPostReader.ReadLinesAsync(file, ct),
        PostFileFormat.XArchive => JsonPostReader.ReadArchiveAsync(file, ct),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    });

    /// <summary>
    /// A disk that fails under the file is a whole-file problem, reported like the others with the file's name. So is
    /// anything else a reader throws between records (each record has its own guard): the file is then one the reader
    /// was not written for, and reading it again would fail again. Left as it was, the inbox importer would take it for
    /// a failure of the graph and retry that file for ever, holding up every file behind it, and the CLI would print a
    /// stack trace instead of the file and the reason.
    /// </summary>
    internal static async IAsyncEnumerable<SourceItem> ReportingReadErrors(ImportFile file, IAsyncEnumerable<SourceItem> items)
    {
        await using var enumerator = items.GetAsyncEnumerator();
        while (true)
        {
            try
            {
                if (!await enumerator.MoveNextAsync())
                {
                    yield break;
                }
            }
            catch (IOException e)
            {
                throw file.Fail(null, $"cannot read the file ({e.Message})", e);
            }
            catch (Exception e) when (e is not (PostFileException or OperationCanceledException))
            {
                throw file.Fail(null, $"cannot read the file ({e.GetType().Name}: {e.Message})", e);
            }

            yield return enumerator.Current;
        }
    }

    /// <summary>
    /// Streams only the texts of <paramref name="path"/>, for training: only a text column (or property)
    /// is required, so analysis exports without ids or times can be read. A record without a text
    /// comes back with <see cref="PostText.Problem"/> set, never silently skipped.
    /// </summary>
    /// <param name="limits">Bounds on lines, records, fields and nesting (<c>pipeline.limits</c>); <see cref="InputLimits.Default"/> when null.</param>
    /// <exception cref="ArgumentException">At once, when the extension names no known format.</exception>
    public static async IAsyncEnumerable<PostText> ReadTextsAsync(
        string path, InputLimits? limits = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        var format = DetectFormat(path);
        var file = new ImportFile(path, DateTimeOffset.UnixEpoch, PostSource.Import, TextOnly: true) { Limits = limits ?? InputLimits.Default };
        var items = Read(format, file, ct);
        await foreach (var item in items)
        {
            yield return item switch
            {
                SourceItem.Post post => new PostText(post.Location, post.Raw.Text, null),
                SourceItem.Unreadable bad => new PostText(bad.Entry.Location, null, bad.Entry.Error),
                _ => throw new InvalidOperationException($"Unexpected item {item.GetType().Name}."),
            };
        }
    }
}

/// <summary>One record's text, or why it has none.</summary>
/// <param name="Location"><c>file.csv:12</c>.</param>
/// <param name="Problem">Set when the record could not be read; it then names the column or the defect.</param>
public sealed record PostText(string Location, string? Text, string? Problem);
