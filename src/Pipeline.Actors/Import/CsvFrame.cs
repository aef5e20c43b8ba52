using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using Pipeline.Models.Domain;

namespace Pipeline.Actors.Import;

internal enum CsvStep
{
    Record,
    End,

    /// <summary>
    /// The parser cannot go on from here (see <see cref="CsvFrame.Problem"/>): the record grew past
    /// <c>pipeline.limits.max-record-length</c> (a quote that is never closed), or CsvHelper failed.
    /// </summary>
    Broken,
}

/// <summary>
/// One CsvHelper parser over a piece of text that starts at a known physical line: the file itself
/// (read through a <see cref="CsvLineFeed"/>, which bounds lines and records), or the lines of a
/// mis-quoted record that are read again on their own. Reports each record with the physical lines it
/// spans and the first bad quoting CsvHelper found in it, instead of throwing.
/// </summary>
internal sealed class CsvFrame : IDisposable
{
    private readonly CsvParser _parser;
    private readonly int _firstLine;
    private readonly int _maxFields;
    private readonly int _maxRecordLength;
    private string? _badField;

    private CsvFrame(TextReader text, CsvLineFeed? feed, int firstLine, InputLimits limits)
    {
        Feed = feed;
        _firstLine = firstLine;
        _maxFields = limits.MaxFields;
        _maxRecordLength = limits.MaxRecordLength;
        EndLine = firstLine - 1;
        var configuration = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            // Fields are looked up by our own header map, so CsvHelper's missing-field and header checks never run;
            // bad quoting is recorded here and judged per record instead of failing the file.
            BadDataFound = args => _badField ??= args.Field,
            IgnoreBlankLines = true,
        };
        _parser = new CsvParser(text, configuration, leaveOpen: false);
    }

    /// <summary>A frame over the whole file.</summary>
    public static CsvFrame OverFile(ImportFile file, CancellationToken ct)
    {
        var feed = new CsvLineFeed(new LineReader(file.OpenText(), file.Limits.MaxLineLength), file.Limits.MaxRecordLength, ct);
        return new CsvFrame(feed, feed, firstLine: 1, file.Limits);
    }

    /// <summary>
    /// Reopens the file after a <see cref="CsvStep.Broken"/> record and goes past its first line (the
    /// first non-blank line after <paramref name="lastGoodLine"/>), so reading resumes on the line after
    /// it. Rare enough that reading the start of the file again is the simple, bounded way.
    /// </summary>
    /// <returns>The new frame, and the broken record's first line with its text (null when only blank lines were left).</returns>
    public static async Task<(CsvFrame Frame, int? BadLine, string BadText)> ResumeAfterAsync(
        ImportFile file, int lastGoodLine, CancellationToken ct)
    {
        var lines = new LineReader(file.OpenText(), file.Limits.MaxLineLength);
        try
        {
            int? badLine = null;
            var badText = "";
            while (await lines.NextAsync(ct))
            {
                // Overlong lines were reported by the frame that read them; CsvHelper saw them as blank.
                if (lines.Number > lastGoodLine && !lines.IsOverlong && lines.Content.Length > 0)
                {
                    (badLine, badText) = (lines.Number, lines.Content.ToString());
                    break;
                }
            }

            var feed = new CsvLineFeed(lines, file.Limits.MaxRecordLength, ct);
            return (new CsvFrame(feed, feed, lines.Number + 1, file.Limits), badLine, badText);
        }
        catch
        {
            lines.Dispose();
            throw;
        }
    }

    /// <summary>A frame over text already in memory (so already within the bounds) that began on <paramref name="firstLine"/>.</summary>
    public static CsvFrame OverText(string text, int firstLine, InputLimits limits) =>
        new(new StringReader(text), feed: null, firstLine, limits);

    /// <summary>The feed of a frame over the file; null over text in memory.</summary>
    public CsvLineFeed? Feed { get; }

    /// <summary>The record's fields; empty when it has more than <c>max-fields</c> (see <see cref="FieldCount"/>) or <see cref="FieldError"/> is set.</summary>
    public string[] Fields { get; private set; } = [];

    /// <summary>How many fields the record has.</summary>
    public int FieldCount { get; private set; }

    /// <summary>The record as written, line breaks included.</summary>
    public string Raw { get; private set; } = "";

    /// <summary>Physical line of the record's first character.</summary>
    public int StartLine { get; private set; }

    /// <summary>Physical line of the record's last character; before the first record, the line before the frame.</summary>
    public int EndLine { get; private set; }

    /// <summary>The raw text of the first field CsvHelper found badly quoted in this record, if any.</summary>
    public string? BadField { get; private set; }

    /// <summary>Set when cutting the record into fields failed; the record is then unusable, the frame goes on.</summary>
    public Exception? FieldError { get; private set; }

    /// <summary>Why the frame is <see cref="CsvStep.Broken"/>.</summary>
    public string Problem { get; private set; } = "";

    public async Task<CsvStep> NextAsync()
    {
        _badField = null;
        FieldError = null;
        Feed?.StartRecord();
        try
        {
            if (!await _parser.ReadAsync())
            {
                return CsvStep.End;
            }
        }
        catch (CsvRecordTooLongException)
        {
            Problem = $"a record starting on this line is longer than pipeline.limits.max-record-length ({_maxRecordLength:N0} characters): a quoted field opened on it is probably never closed";
            return CsvStep.Broken;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Problem = $"the CSV parser failed on the record starting on this line ({e.GetType().Name}: {e.Message})";
            return CsvStep.Broken;
        }

        FieldCount = _parser.Count;
        Raw = _parser.RawRecord;
        try
        {
            // CsvHelper finds bad quoting while it cuts the fields, which it does when they are first asked for.
            Fields = FieldCount <= _maxFields ? _parser.Record ?? [] : [];
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Fields = [];
            FieldError = e;
        }

        BadField = _badField;
        // A quote left open at the end of the text swallows the last line break too, and CsvHelper then
        // counts one line more than the record has.
        var swallowedLastBreak = EndsWithLineBreak(Raw) && BadField is { } bad && EndsWithLineBreak(bad);
        EndLine = _firstLine - 1 + _parser.RawRow - (swallowedLastBreak ? 1 : 0);
        StartLine = EndLine - (LinesSpanned(Raw) - 1);
        return CsvStep.Record;
    }

    internal static int LinesSpanned(string raw)
    {
        var breaks = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] == '\n' || (raw[i] == '\r' && (i + 1 == raw.Length || raw[i + 1] != '\n')))
            {
                breaks++;
            }
        }

        return EndsWithLineBreak(raw) ? breaks : breaks + 1;
    }

    private static bool EndsWithLineBreak(string text) => text.Length > 0 && (text[^1] == '\n' || text[^1] == '\r');

    public void Dispose() => _parser.Dispose();
}
