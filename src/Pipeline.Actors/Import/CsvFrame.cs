using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;

namespace Pipeline.Actors.Import;

internal enum CsvStep
{
    Record,
    End,

    /// <summary>A quoted field grew past <see cref="CsvFrame.MaxFieldLength"/>: its closing quote is missing.</summary>
    Runaway,
}

/// <summary>
/// One CsvHelper parser over a piece of text that starts at a known physical line: the file itself,
/// or the lines of a mis-quoted record that are read again on their own. Reports each record with
/// the physical lines it spans and the first bad quoting CsvHelper found in it, instead of throwing.
/// </summary>
internal sealed class CsvFrame : IDisposable
{
    /// <summary>
    /// Longest field accepted from the file. Far beyond any post (X allows 25,000 characters); it stops
    /// a quote that is never closed from pulling the rest of a large file into one field in memory.
    /// </summary>
    public const int MaxFieldLength = 1 << 20;

    private readonly CsvParser _parser;
    private readonly int _firstLine;
    private string? _badField;

    private CsvFrame(TextReader text, int firstLine, bool limitFields)
    {
        _firstLine = firstLine;
        EndLine = firstLine - 1;
        var configuration = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            // Fields are looked up by our own header map, so CsvHelper's missing-field and header checks never run;
            // bad quoting is recorded here and judged per record instead of failing the file.
            BadDataFound = args => _badField ??= args.Field,
            MaxFieldSize = limitFields ? MaxFieldLength : 0,
            IgnoreBlankLines = true,
        };
        _parser = new CsvParser(text, configuration, leaveOpen: false);
    }

    /// <summary>A frame over the whole file.</summary>
    public static CsvFrame OverFile(ImportFile file) => new(Open(file), firstLine: 1, limitFields: true);

    /// <summary>
    /// Reopens the file after a <see cref="CsvStep.Runaway"/> and goes past the line whose quote ran
    /// away (the first non-empty line after <paramref name="lastGoodLine"/>), so reading resumes on the
    /// line after it. Rare enough that reading the start of the file again is the simple, bounded way.
    /// </summary>
    public static async Task<(CsvFrame Frame, int BadLine, string BadText)> ResumeAfterRunawayAsync(
        ImportFile file, int lastGoodLine, CancellationToken ct)
    {
        var reader = Open(file);
        try
        {
            var line = 0;
            while (await reader.ReadLineAsync(ct) is { } text)
            {
                line++;
                if (line > lastGoodLine && text.Length > 0)
                {
                    return (new CsvFrame(reader, line + 1, limitFields: true), line, text);
                }
            }

            return (new CsvFrame(reader, line + 1, limitFields: true), line, "");
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    private static StreamReader Open(ImportFile file) =>
        new(file.OpenRead(), System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);

    /// <summary>A frame over text already in memory (so no field limit is needed) that began on <paramref name="firstLine"/>.</summary>
    public static CsvFrame OverText(string text, int firstLine) => new(new StringReader(text), firstLine, limitFields: false);

    public string[] Fields { get; private set; } = [];

    /// <summary>The record as written, line breaks included.</summary>
    public string Raw { get; private set; } = "";

    /// <summary>Physical line of the record's first character.</summary>
    public int StartLine { get; private set; }

    /// <summary>Physical line of the record's last character; before the first record, the line before the frame.</summary>
    public int EndLine { get; private set; }

    /// <summary>The raw text of the first field CsvHelper found badly quoted in this record, if any.</summary>
    public string? BadField { get; private set; }

    public async Task<CsvStep> NextAsync()
    {
        _badField = null;
        try
        {
            if (!await _parser.ReadAsync())
            {
                return CsvStep.End;
            }

            // CsvHelper finds bad quoting while it cuts the fields, which it does when they are first asked for.
            Fields = _parser.Record ?? [];
            Raw = _parser.RawRecord;
        }
        catch (MaxFieldSizeException)
        {
            return CsvStep.Runaway;
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
