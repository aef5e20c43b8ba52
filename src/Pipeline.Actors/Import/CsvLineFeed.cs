namespace Pipeline.Actors.Import;

/// <summary>A physical line left out of a CSV file because it is longer than the line bound.</summary>
internal readonly record struct OverlongLine(int Number, long Length, string Excerpt);

/// <summary>A CSV record grew past <see cref="Pipeline.Models.Domain.InputLimits.MaxRecordLength"/> before it ended.</summary>
internal sealed class CsvRecordTooLongException() : Exception("The CSV record is longer than the record bound.");

/// <summary>
/// What CsvHelper reads a file through, so that it never buffers more than the bounds: it hands
/// CsvHelper one physical line at a time (so it knows exactly which lines the record being parsed has
/// taken), replaces a line longer than the line bound by its bare line break (so the line numbers
/// CsvHelper counts stay those of the file) and notes it in <see cref="Dropped"/>, and throws
/// <see cref="CsvRecordTooLongException"/> rather than hand over a line that would take the current
/// record past the record bound (a quote that is never closed).
/// </summary>
/// <remarks>Asynchronous reads only: <see cref="CsvFrame"/> never reads synchronously.</remarks>
internal sealed class CsvLineFeed : TextReader
{
    private readonly LineReader _lines;
    private readonly int _maxRecordLength;
    private readonly CancellationToken _ct;
    private ReadOnlyMemory<char> _pending;
    private long _recordLength;

    /// <param name="ct">Used for reads, since CsvHelper passes no token of its own.</param>
    public CsvLineFeed(LineReader lines, int maxRecordLength, CancellationToken ct)
    {
        _lines = lines;
        _maxRecordLength = maxRecordLength;
        _ct = ct;
    }

    /// <summary>Overlong lines replaced by a blank one, oldest first, for the reader to report.</summary>
    public Queue<OverlongLine> Dropped { get; } = new();

    /// <summary>CsvHelper is about to read a record: what it reads from here on counts towards the record bound.</summary>
    public void StartRecord() => _recordLength = 0;

    public override async ValueTask<int> ReadAsync(Memory<char> buffer, CancellationToken cancellationToken = default)
    {
        if (_pending.IsEmpty && !await NextLineAsync(cancellationToken.CanBeCanceled ? cancellationToken : _ct))
        {
            return 0;
        }

        var count = Math.Min(buffer.Length, _pending.Length);
        _pending[..count].CopyTo(buffer);
        _pending = _pending[count..];
        return count;
    }

    // The overload CsvHelper calls.
    public override Task<int> ReadAsync(char[] buffer, int index, int count) => ReadAsync(buffer.AsMemory(index, count)).AsTask();

    public override int Read() => throw SyncRead();

    public override int Peek() => throw SyncRead();

    public override int Read(char[] buffer, int index, int count) => throw SyncRead();

    public override int Read(Span<char> buffer) => throw SyncRead();

    private static NotSupportedException SyncRead() => new("CsvLineFeed is read asynchronously.");

    private async ValueTask<bool> NextLineAsync(CancellationToken ct)
    {
        while (await _lines.NextAsync(ct))
        {
            if (_lines.IsOverlong)
            {
                Dropped.Enqueue(new OverlongLine(_lines.Number, _lines.Length, _lines.Excerpt));
                _pending = _lines.Terminator.AsMemory();
                if (_pending.IsEmpty)
                {
                    continue;
                }

                return true;
            }

            // Blank lines before a record are skipped by CsvHelper without being buffered.
            if (_lines.Content.Length > 0 || _recordLength > 0)
            {
                _recordLength += _lines.Text.Length;
                if (_recordLength - _lines.Terminator.Length > _maxRecordLength)
                {
                    throw new CsvRecordTooLongException();
                }
            }

            _pending = _lines.Text;
            return true;
        }

        return false;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _lines.Dispose();
        }

        base.Dispose(disposing);
    }
}
