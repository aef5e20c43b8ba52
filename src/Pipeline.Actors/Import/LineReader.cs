using Pipeline.Models.Domain;
using Pipeline.Models.Text;

namespace Pipeline.Actors.Import;

/// <summary>
/// Reads physical lines (ended by \n, \r\n or a lone \r, as <see cref="StreamReader.ReadLine"/> and
/// CsvHelper count them) while holding at most <c>maxLineLength</c> characters of one line: a longer
/// line is reported by its number, length and a short excerpt, and passed over in buffer-sized steps
/// without ever being held whole. <see cref="StreamReader.ReadLineAsync(CancellationToken)"/> has no
/// such bound, so one 50 MB line would become a 50 MB string.
/// </summary>
internal sealed class LineReader : IDisposable
{
    private const int InitialBufferLength = 16 * 1024;

    private readonly TextReader _source;
    private readonly int _maxLineLength;
    private char[] _buffer;
    private int _start;
    private int _end;

    // Where the search for the current line's end goes on, so that a fill does not rescan what was searched.
    private int _scan;
    private bool _eof;

    public LineReader(TextReader source, int maxLineLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineLength, 1);
        _source = source;
        _maxLineLength = maxLineLength;
        _buffer = new char[Math.Min(InitialBufferLength, BufferCap)];
    }

    /// <summary>The line's text and its line break, with room to see one char past the longest line's break.</summary>
    private int BufferCap => _maxLineLength + 2;

    /// <summary>1-based number of the line last read.</summary>
    public int Number { get; private set; }

    /// <summary>The line last read with its line break; valid until the next read. Empty for an overlong line.</summary>
    public ReadOnlyMemory<char> Text { get; private set; }

    /// <summary>The line last read without its line break; valid until the next read. Empty for an overlong line.</summary>
    public ReadOnlyMemory<char> Content => IsOverlong ? ReadOnlyMemory<char>.Empty : Text[..(Text.Length - Terminator.Length)];

    /// <summary>The line break that ended the line last read ("" for a last line without one).</summary>
    public string Terminator { get; private set; } = "";

    /// <summary>Whether the line last read was longer than the bound, so only its <see cref="Excerpt"/> and <see cref="Length"/> are known.</summary>
    public bool IsOverlong { get; private set; }

    /// <summary>Characters of the line last read, without its line break.</summary>
    public long Length { get; private set; }

    /// <summary>The start of an overlong line, cut by <see cref="SafeText.Excerpt"/>.</summary>
    public string Excerpt { get; private set; } = "";

    /// <summary>Reads the next line; false at the end of the text.</summary>
    public async ValueTask<bool> NextAsync(CancellationToken ct)
    {
        Text = ReadOnlyMemory<char>.Empty;
        Terminator = "";
        IsOverlong = false;
        Excerpt = "";
        long skipped = 0;
        while (true)
        {
            var found = _buffer.AsSpan(_scan, _end - _scan).IndexOfAny('\r', '\n');
            if (found < 0)
            {
                _scan = _end;
                if (!IsOverlong && _end - _start > _maxLineLength)
                {
                    BeginSkipping(_end);
                }

                if (IsOverlong)
                {
                    // Nothing of an overlong line is kept: only its length is counted.
                    skipped += _end - _start;
                    _start = _end;
                }

                if (_eof)
                {
                    return Finish(_end, "", skipped);
                }

                await FillAsync(ct);
                continue;
            }

            var end = _scan + found;
            if (!IsOverlong && end - _start > _maxLineLength)
            {
                BeginSkipping(end);
            }

            if (IsOverlong)
            {
                skipped += end - _start;
                _start = end;
            }

            // A \r at the end of what is read may be the first half of \r\n.
            if (_buffer[end] == '\r' && end + 1 == _end && !_eof)
            {
                _scan = end;
                await FillAsync(ct);
                continue;
            }

            var terminator = _buffer[end] == '\r' && end + 1 < _end && _buffer[end + 1] == '\n' ? "\r\n" : _buffer[end] == '\r' ? "\r" : "\n";
            return Finish(end, terminator, skipped);
        }
    }

    /// <param name="contentEnd">Where the line's text read so far ends in the buffer.</param>
    private void BeginSkipping(int contentEnd)
    {
        IsOverlong = true;
        const int length = QuarantineEntry.PayloadExcerpt;
        Excerpt = SafeText.Excerpt(new string(_buffer, _start, Math.Min(contentEnd - _start, length + 1)), length);
    }

    private bool Finish(int end, string terminator, long skipped)
    {
        if (!IsOverlong && end == _start && terminator.Length == 0)
        {
            return false;
        }

        Number++;
        Terminator = terminator;
        Length = IsOverlong ? skipped : end - _start;
        Text = IsOverlong ? ReadOnlyMemory<char>.Empty : _buffer.AsMemory(_start, end - _start + terminator.Length);
        _start = end + terminator.Length;
        _scan = _start;
        return true;
    }

    private async ValueTask FillAsync(CancellationToken ct)
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _scan -= _start;
            _end -= _start;
            _start = 0;
        }
        else if (_end == _buffer.Length)
        {
            // Only a line within the bound grows the buffer, and never past the bound (an overlong one is skipped).
            Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, BufferCap));
        }

        var read = await _source.ReadAsync(_buffer.AsMemory(_end), ct);
        _end += read;
        _eof = read == 0;
    }

    public void Dispose() => _source.Dispose();
}
