using System.Text.Json;

namespace Pipeline.Actors.Import;

/// <summary>
/// Walks the elements of one top-level JSON array in a stream, after whatever precedes its '['
/// (the <c>window.YTD.tweets.part0 = </c> of an X archive). Holds one element at a time, so memory
/// follows the largest element, not the file; counts lines so every element has a location a person
/// can open the file at.
/// </summary>
internal sealed class JsonArrayCursor
{
    /// <summary>An archive element is a few kilobytes; anything this large is a broken file, not a post.</summary>
    public const int MaxElementBytes = 16 * 1024 * 1024;

    private readonly ImportFile _file;
    private readonly Stream _stream;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private bool _eof;
    private int _line = 1;
    private bool _afterElement;

    public JsonArrayCursor(ImportFile file, Stream stream)
    {
        _file = file;
        _stream = stream;
    }

    /// <summary>Moves past the array's '['; false when the file has none.</summary>
    public async ValueTask<bool> EnterArrayAsync(CancellationToken ct)
    {
        while (true)
        {
            var open = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'[');
            if (open >= 0)
            {
                Advance(open + 1);
                return true;
            }

            Advance(_end - _start);
            if (_eof)
            {
                return false;
            }

            await FillAsync(ct);
        }
    }

    /// <summary>The next element and the line it starts on; null after the closing ']'.</summary>
    /// <exception cref="PostFileException">The array is not valid JSON from here on, so no later element can be trusted.</exception>
    public async ValueTask<(JsonDocument Document, int Line)?> NextAsync(CancellationToken ct)
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
                    document = TryParseElement(_buffer.AsSpan(_start, _end - _start), _eof, out consumed);
                }
                catch (JsonException e)
                {
                    throw _file.Fail(line + (int)(e.LineNumber ?? 0), $"invalid JSON ({e.Message})", e);
                }

                if (document is not null)
                {
                    Advance(consumed);
                    _afterElement = true;
                    return (document, line);
                }

                if (_end - _start >= MaxElementBytes)
                {
                    throw _file.Fail(line, $"an array element is larger than {MaxElementBytes:N0} bytes");
                }

                await FillAsync(ct);
            }
        }
    }

    // Utf8JsonReader is a ref struct, so the parse lives outside the async method; a fresh reader per
    // attempt is enough because every element starts at the top level.
    private static JsonDocument? TryParseElement(ReadOnlySpan<byte> data, bool isFinalBlock, out int consumed)
    {
        var reader = new Utf8JsonReader(data, isFinalBlock, state: default);
        if (JsonDocument.TryParseValue(ref reader, out var document))
        {
            consumed = (int)reader.BytesConsumed;
            return document;
        }

        consumed = 0;
        return null;
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
