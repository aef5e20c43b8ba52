using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Pipeline.Actors.Graph;

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

        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var line = 0;
        while (await reader.ReadLineAsync(ct) is { } text)
        {
            line++;
            if (!string.IsNullOrWhiteSpace(text))
            {
                yield return FromLine(file, text, line);
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
            throw file.Fail(1, "no JSON array found (expected 'window.YTD.tweets.part0 = [' or a file starting with '[')");
        }

        while (await cursor.NextAsync(ct) is ({ } document, var line))
        {
            using (document)
            {
                yield return FromElement(file, document.RootElement, line);
            }
        }
    }

    private static SourceItem FromLine(ImportFile file, string text, int line)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            return file.Unreadable(line, $"invalid JSON ({e.Message})", text);
        }

        using (document)
        {
            return FromElement(file, document.RootElement, line);
        }
    }

    private static SourceItem FromElement(ImportFile file, JsonElement element, int line) =>
        JsonRow.From(element) is { } row
            ? file.ToItem(file.Parse(row, line), line, element.GetRawText)
            : file.Unreadable(line, $"expected a JSON object, found {element.ValueKind.ToString().ToLowerInvariant()}", element.GetRawText());

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
