using System.Text;
using System.Text.Json;
using Pipeline.Models.Domain;
using Pipeline.Models.Text;

namespace Pipeline.Actors.Import;

/// <summary>One element of the array: parsed, or passed over with the reason.</summary>
/// <param name="Line">The line the element starts on.</param>
/// <param name="Document">The element, to dispose; null when it was passed over.</param>
/// <param name="Problem">Why it was passed over.</param>
/// <param name="Payload">The start of a passed-over element.</param>
internal readonly record struct ArrayElement(int Line, JsonDocument? Document, string? Problem, string? Payload);

/// <summary>
/// Walks the elements of one top-level JSON array in a stream, after whatever precedes its '['
/// (the <c>window.YTD.tweets.part0 = </c> of an X archive). Holds one element at a time, and never one
/// larger than <c>pipeline.limits.max-record-length</c>, so memory follows that bound, not the file;
/// counts lines so every element has a location a person can open the file at. An element that is too
/// large, too deeply nested or broken inside is stepped over when its brackets still show where it
/// ends; only a broken array (no end to find, no ',' between elements) fails the file.
/// </summary>
internal sealed class JsonArrayCursor
{
    private static readonly byte[] ByteOrderMark = [0xEF, 0xBB, 0xBF];

    private readonly ImportFile _file;
    private readonly Stream _stream;
    private readonly JsonReaderOptions _options;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private bool _eof;
    private int _line = 1;
    private bool _afterElement;
    private bool _bomChecked;

    public JsonArrayCursor(ImportFile file, Stream stream)
    {
        _file = file;
        _stream = stream;
        _options = new JsonReaderOptions { MaxDepth = file.Limits.MaxNestingDepth };
    }

    /// <summary>Whether anything but white space came before the array (or the end of the file).</summary>
    public bool HasContent { get; private set; }

    /// <summary>Moves past the array's '['; false when the file has none.</summary>
    public async ValueTask<bool> EnterArrayAsync(CancellationToken ct)
    {
        while (true)
        {
            if (!_bomChecked && (_end - _start >= ByteOrderMark.Length || _eof))
            {
                if (_buffer.AsSpan(_start, _end - _start).StartsWith(ByteOrderMark))
                {
                    Advance(ByteOrderMark.Length);
                }

                _bomChecked = true;
            }

            if (_bomChecked)
            {
                var data = _buffer.AsSpan(_start, _end - _start);
                var open = data.IndexOf((byte)'[');
                HasContent |= (open >= 0 ? data[..open] : data).IndexOfAnyExcept(" \t\r\n"u8) >= 0;
                if (open >= 0)
                {
                    Advance(open + 1);
                    return true;
                }

                Advance(data.Length);
            }

            if (_eof)
            {
                return false;
            }

            await FillAsync(ct);
        }
    }

    /// <summary>The next element; null after the closing ']'.</summary>
    /// <exception cref="PostFileException">The array is not valid JSON from here on, so no later element can be trusted.</exception>
    public async ValueTask<ArrayElement?> NextAsync(CancellationToken ct)
    {
        while (true)
        {
            if (!await SkipWhitespaceAsync(ct))
            {
                throw _file.Fail(_line, "invalid JSON (the file ends before the array's closing ']')");
            }

            var next = _buffer[_start];
            if (next == (byte)']')
            {
                Advance(1);
                return null;
            }

            if (_afterElement)
            {
                if (next != (byte)',')
                {
                    throw _file.Fail(_line, $"invalid JSON (expected ',' or ']' after an array element, found '{(char)next}')");
                }

                Advance(1);
                _afterElement = false;
                continue;
            }

            var line = _line;
            while (true)
            {
                JsonDocument? document;
                int consumed;
                try
                {
                    document = TryParseElement(_buffer.AsSpan(_start, _end - _start), _eof, _options, out consumed);
                }
                catch (JsonException e)
                {
                    var (ended, depth, payload) = await StepOverAsync(ct);
                    if (!ended)
                    {
                        throw _file.Fail(line + (int)(e.LineNumber ?? 0), $"invalid JSON ({e.Message})", e);
                    }

                    return new ArrayElement(line, null, depth > _options.MaxDepth
                        ? $"the array element is nested {depth:N0} levels deep, more than pipeline.limits.max-nesting-depth ({_options.MaxDepth:N0})"
                        : $"invalid JSON ({e.Message})", payload);
                }

                if (document is not null && consumed <= _file.Limits.MaxRecordLength)
                {
                    Advance(consumed);
                    _afterElement = true;
                    return new ArrayElement(line, document, null, null);
                }

                // Read whole when it came in one piece with what was before it, but over the bound all the same.
                document?.Dispose();
                if (document is not null || _end - _start > _file.Limits.MaxRecordLength)
                {
                    var (ended, _, payload) = await StepOverAsync(ct);
                    if (!ended)
                    {
                        throw _file.Fail(line, "invalid JSON (the file ends inside an array element)");
                    }

                    return new ArrayElement(line, null,
                        $"the array element is larger than pipeline.limits.max-record-length ({_file.Limits.MaxRecordLength:N0} characters)", payload);
                }

                await FillAsync(ct);
            }
        }
    }

    // Utf8JsonReader is a ref struct, so the parse lives outside the async method; a fresh reader per
    // attempt is enough because every element starts at the top level.
    private static JsonDocument? TryParseElement(ReadOnlySpan<byte> data, bool isFinalBlock, JsonReaderOptions options, out int consumed)
    {
        var reader = new Utf8JsonReader(data, isFinalBlock, new JsonReaderState(options));
        if (JsonDocument.TryParseValue(ref reader, out var document))
        {
            consumed = (int)reader.BytesConsumed;
            return document;
        }

        consumed = 0;
        return null;
    }

    /// <summary>
    /// Reads past the element that starts here without keeping more than its start, for the payload;
    /// Ended is false when the file ends first.
    /// </summary>
    private async ValueTask<(bool Ended, int Depth, string Payload)> StepOverAsync(CancellationToken ct)
    {
        // Enough bytes for more than the excerpt's characters, whatever their encoded length.
        var head = new byte[(QuarantineEntry.PayloadExcerpt + 1) * 4];
        var kept = 0;
        var skipper = new JsonValueSkipper();
        while (true)
        {
            var data = _buffer.AsSpan(_start, _end - _start);
            var end = skipper.Feed(data);
            var element = end >= 0 ? data[..end] : data;
            var keep = Math.Min(element.Length, head.Length - kept);
            element[..keep].CopyTo(head.AsSpan(kept));
            kept += keep;
            Advance(element.Length);
            if (end >= 0 || _eof)
            {
                _afterElement = end >= 0;
                // A sequence cut at the end of the kept bytes decodes to U+FFFD, past the excerpt's cut.
                var payload = SafeText.Excerpt(Encoding.UTF8.GetString(head, 0, kept), QuarantineEntry.PayloadExcerpt);
                return (end >= 0, skipper.MaxDepth, payload);
            }

            await FillAsync(ct);
        }
    }

    private async ValueTask<bool> SkipWhitespaceAsync(CancellationToken ct)
    {
        while (true)
        {
            var data = _buffer.AsSpan(_start, _end - _start);
            var content = data.IndexOfAnyExcept(" \t\r\n"u8);
            if (content >= 0)
            {
                Advance(content);
                return true;
            }

            Advance(data.Length);
            if (_eof)
            {
                return false;
            }

            await FillAsync(ct);
        }
    }

    private void Advance(int count)
    {
        _line += _buffer.AsSpan(_start, count).Count((byte)'\n');
        _start += count;
    }

    private async ValueTask FillAsync(CancellationToken ct)
    {
        var pending = _end - _start;
        if (pending == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }
        else if (_start > 0)
        {
            _buffer.AsSpan(_start, pending).CopyTo(_buffer);
        }

        _start = 0;
        _end = pending;
        var read = await _stream.ReadAsync(_buffer.AsMemory(_end), ct);
        _end += read;
        _eof = read == 0;
    }
}
