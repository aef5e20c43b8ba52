using System.Runtime.CompilerServices;
using System.Text.Json;
using Pipeline.Actors.Graph;
using Pipeline.Models.Domain;

namespace Pipeline.Actors.Import;

/// <summary>JSON lines (one post object per line) and JSON arrays of posts, X archives included.</summary>
internal static class JsonPostReader
{
    public static async IAsyncEnumerable<SourceItem> ReadLinesAsync(ImportFile file, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var stream = file.OpenRead();
        // A .json file is as often one array (an API dump) as lines; .jsonl and .ndjson are lines by name.
        if (Path.GetExtension(file.Path).Equals(".json", StringComparison.OrdinalIgnoreCase) && await StartsWithArrayAsync(stream, ct))
        {
            await foreach (var item in ReadArrayAsync(file, stream, ct))
            {
                yield return item;
            }

            yield break;
        }

        using var lines = new LineReader(ImportFile.OpenText(stream), file.Limits.MaxLineLength);
        var options = DocumentOptions(file);
        while (await lines.NextAsync(ct))
        {
            if (lines.IsOverlong)
            {
                yield return file.Overlong(lines.Number, lines.Length, lines.Excerpt);
            }
            else if (!lines.Content.Span.IsWhiteSpace())
            {
                yield return FromLine(file, lines.Content, lines.Number, options);
            }
        }
    }

    public static async IAsyncEnumerable<SourceItem> ReadArchiveAsync(ImportFile file, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var stream = file.OpenRead();
        await foreach (var item in ReadArrayAsync(file, stream, ct))
        {
            yield return item;
        }
    }

    private static async IAsyncEnumerable<SourceItem> ReadArrayAsync(ImportFile file, Stream stream, [EnumeratorCancellation] CancellationToken ct)
    {
        var cursor = new JsonArrayCursor(file, stream);
        if (!await cursor.EnterArrayAsync(ct))
        {
            if (!cursor.HasContent)
            {
                // An empty (or blank) file holds no posts; that is not an error.
                yield break;
            }

            throw file.Fail(1, "no JSON array found (expected 'window.YTD.tweets.part0 = [' or a file starting with '[')");
        }

        while (await cursor.NextAsync(ct) is { } element)
        {
            if (element.Document is not { } document)
            {
                yield return file.Unreadable(element.Line, element.Problem!, element.Payload);
                continue;
            }

            using (document)
            {
                yield return FromElement(file, document.RootElement, element.Line);
            }
        }
    }

    /// <summary>Nesting is bounded by <c>pipeline.limits.max-nesting-depth</c>; System.Text.Json itself never recurses.</summary>
    private static JsonDocumentOptions DocumentOptions(ImportFile file) => new() { MaxDepth = file.Limits.MaxNestingDepth };

    private static SourceItem FromLine(ImportFile file, ReadOnlyMemory<char> text, int line, JsonDocumentOptions options)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, options);
        }
        catch (JsonException e)
        {
            var depth = JsonValueSkipper.DepthOf(text.Span);
            var problem = depth > options.MaxDepth
                ? $"the JSON is nested {depth:N0} levels deep, more than pipeline.limits.max-nesting-depth ({options.MaxDepth:N0})"
                : $"invalid JSON ({e.Message})";
            return file.Unreadable(line, problem, Head(text.Span));
        }

        using (document)
        {
            return FromElement(file, document.RootElement, line);
        }
    }

    private static SourceItem FromElement(ImportFile file, JsonElement element, int line) =>
        file.Guard(
            line,
            () => JsonRow.From(element, file.Limits.MaxFields, out var problem) is { } row
                ? file.ToItem(file.Parse(row, line), line, element.GetRawText)
                : file.Unreadable(line, problem!, element.GetRawText()),
            element.GetRawText);

    // As much of a line as its payload excerpt can keep, without copying a long line whole.
    private static string Head(ReadOnlySpan<char> text) => new(text[..Math.Min(text.Length, QuarantineEntry.PayloadExcerpt + 1)]);

    /// <summary>Whether the first thing in the file is '[', leaving the stream where it was.</summary>
    private static async ValueTask<bool> StartsWithArrayAsync(Stream stream, CancellationToken ct)
    {
        // A pipe cannot be rewound; it is read as lines, the common case.
        if (!stream.CanSeek)
        {
            return false;
        }

        var head = new byte[4096];
        var read = await stream.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, ct);
        stream.Position = 0;
        var content = head.AsSpan(0, read);
        if (content.StartsWith("\uFEFF"u8))
        {
            content = content[3..];
        }

        var first = content.IndexOfAnyExcept(" \t\r\n"u8);
        return first >= 0 && content[first] == (byte)'[';
    }
}
