using System.Runtime.CompilerServices;
using Pipeline.Actors.Graph;

namespace Pipeline.Actors.Import;

/// <summary>
/// CSV with a header row. A record with bad quoting is quarantined without losing its neighbours:
/// when a quote left open swallowed the lines after it, only its first line is quarantined and the
/// swallowed lines are parsed again as records of their own.
/// </summary>
internal static class CsvPostReader
{
    public static async IAsyncEnumerable<SourceItem> ReadAsync(ImportFile file, [EnumeratorCancellation] CancellationToken ct)
    {
        // Innermost frame on top: the lines of a mis-quoted record are read before the file goes on.
        var frames = new Stack<CsvFrame>();
        try
        {
            frames.Push(CsvFrame.OverFile(file));
            CsvColumns? columns = null;
            while (frames.TryPeek(out var frame))
            {
                ct.ThrowIfCancellationRequested();
                switch (await frame.NextAsync())
                {
                    case CsvStep.End:
                        frames.Pop().Dispose();
                        if (columns is null)
                        {
                            throw file.Fail(1, "the file is empty (no header row)");
                        }

                        break;

                    case CsvStep.Runaway when columns is null:
                        throw file.Fail(frame.EndLine + 1, "malformed CSV header (a quoted column name is never closed)");

                    case CsvStep.Runaway:
                        // Only the file's frame limits field length; frames over text in memory cannot run away.
                        frames.Pop().Dispose();
                        var (resumed, badLine, badText) = await CsvFrame.ResumeAfterRunawayAsync(file, frame.EndLine, ct);
                        frames.Push(resumed);
                        yield return file.Unreadable(
                            badLine,
                            $"malformed CSV (a quoted field opened on this line is not closed within {CsvFrame.MaxFieldLength:N0} characters); reading resumes on the next line",
                            PostRowParser.Excerpt(badText, 4096));
                        break;

                    case CsvStep.Record when columns is null:
                        if (frame.BadField is { } badHeader)
                        {
                            throw file.Fail(frame.StartLine, $"malformed CSV header ({DescribeBadQuote(badHeader)})");
                        }

                        columns = CsvColumns.FromHeader(file, frame.Fields, frame.StartLine);
                        break;

                    case CsvStep.Record when frame.BadField is { } bad && frame.StartLine != frame.EndLine:
                        var (firstLine, otherLines) = SplitFirstLine(frame.Raw);
                        yield return file.Unreadable(
                            frame.StartLine,
                            $"malformed CSV (a quoted field opened on this line is not closed properly: {PostRowParser.Excerpt(bad.TrimEnd())}); reading resumes on the next line",
                            firstLine);
                        frames.Push(CsvFrame.OverText(otherLines, frame.StartLine + 1));
                        break;

                    case CsvStep.Record:
                        yield return ToItem(file, columns, frame);
                        break;
                }
            }
        }
        finally
        {
            while (frames.TryPop(out var frame))
            {
                frame.Dispose();
            }
        }
    }

    private static SourceItem ToItem(ImportFile file, CsvColumns columns, CsvFrame frame)
    {
        var line = frame.StartLine;
        if (frame.BadField is { } bad)
        {
            return file.Unreadable(line, $"malformed CSV ({DescribeBadQuote(bad)})", Payload(frame));
        }

        var fields = frame.Fields;
        if (fields.Length != columns.Count)
        {
            return file.Unreadable(
                line, $"wrong number of fields: the row has {fields.Length}, the header has {columns.Count}", Payload(frame));
        }

        return file.ToItem(file.Parse(columns.Row(fields), line), line, () => Payload(frame));
    }

    private static string Payload(CsvFrame frame) => frame.Raw.TrimEnd('\r', '\n');

    private static string DescribeBadQuote(string field) =>
        field.StartsWith('"')
            ? $"text after the closing quote of a quoted field: {PostRowParser.Excerpt(field)}"
            : $"stray quote inside an unquoted field: {PostRowParser.Excerpt(field)}";

    private static (string First, string Others) SplitFirstLine(string raw)
    {
        var end = raw.AsSpan().IndexOfAny('\r', '\n');
        var next = raw[end] == '\r' && end + 1 < raw.Length && raw[end + 1] == '\n' ? end + 2 : end + 1;
        return (raw[..end], raw[next..]);
    }
}
