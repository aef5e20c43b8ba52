using System.Runtime.CompilerServices;
using Pipeline.Actors.Graph;

namespace Pipeline.Actors.Import;

/// <summary>
/// CSV with a header row. A record with bad quoting is quarantined without losing its neighbours:
/// when a quote left open swallowed the lines after it, only its first line is quarantined and the
/// swallowed lines are parsed again as records of their own. Lines and records longer than the
/// bounds, and records with too many fields, are quarantined with their line and skipped.
/// </summary>
internal static class CsvPostReader
{
    public static async IAsyncEnumerable<SourceItem> ReadAsync(ImportFile file, [EnumeratorCancellation] CancellationToken ct)
    {
        // Innermost frame on top: the lines of a mis-quoted record are read before the file goes on.
        var frames = new Stack<CsvFrame>();
        var overlong = new OverlongLines(file);
        try
        {
            frames.Push(CsvFrame.OverFile(file, ct));
            CsvColumns? columns = null;
            while (frames.TryPeek(out var frame))
            {
                ct.ThrowIfCancellationRequested();
                var step = await frame.NextAsync();
                switch (step)
                {
                    case CsvStep.End when frame.Feed is { } feed:
                        var rest = overlong.Take(feed, int.MaxValue);
                        frames.Pop().Dispose();
                        if (columns is null)
                        {
                            // Blank (or whitespace-only) is an empty file, not an error; a file of overlong lines has no header we could read.
                            if (overlong.First is { } first)
                            {
                                throw NoHeader(file, first);
                            }

                            yield break;
                        }

                        foreach (var item in rest)
                        {
                            yield return item;
                        }

                        break;

                    case CsvStep.End:
                        frames.Pop().Dispose();
                        break;

                    case CsvStep.Broken when columns is null:
                        throw file.Fail(frame.EndLine + 1, $"unusable CSV header ({frame.Problem})");

                    case CsvStep.Broken when frame.Feed is { } brokenFeed:
                        frames.Pop().Dispose();
                        var (resumed, badLine, badText) = await CsvFrame.ResumeAfterAsync(file, frame.EndLine, ct);
                        frames.Push(resumed);
                        // The lines after the broken record's first line are read again by the resumed frame.
                        foreach (var item in overlong.Take(brokenFeed, badLine ?? int.MaxValue))
                        {
                            yield return item;
                        }

                        if (badLine is { } brokenLine)
                        {
                            yield return file.Unreadable(brokenLine, $"{frame.Problem}; reading resumes on the next line", badText);
                        }

                        break;

                    case CsvStep.Broken:
                        // Text in memory is within the bounds already, so only a CsvHelper failure lands here.
                        frames.Pop().Dispose();
                        yield return file.Unreadable(
                            frame.EndLine + 1, $"{frame.Problem}; the rest of the record read again from this line is skipped", null);
                        break;

                    case CsvStep.Record when columns is null:
                        if (overlong.Take(frame.Feed!, frame.EndLine).Count > 0)
                        {
                            throw NoHeader(file, overlong.First!.Value);
                        }

                        if (frame is { FieldError: null, Fields: [var only] } && string.IsNullOrWhiteSpace(only))
                        {
                            // A whitespace-only line is no header; what follows may still be one.
                            break;
                        }

                        if (frame.BadField is { } badHeader)
                        {
                            throw file.Fail(frame.StartLine, $"malformed CSV header ({DescribeBadQuote(badHeader)})");
                        }

                        if (frame.FieldError is { } headerError)
                        {
                            throw file.Fail(frame.StartLine, $"unusable CSV header ({headerError.Message})", headerError);
                        }

                        columns = CsvColumns.FromHeader(file, frame.Fields, frame.FieldCount, frame.StartLine);
                        break;

                    case CsvStep.Record:
                        if (frame.Feed is { } recordFeed)
                        {
                            foreach (var item in overlong.Take(recordFeed, frame.EndLine))
                            {
                                yield return item;
                            }
                        }

                        if (frame.BadField is { } bad && frame.StartLine != frame.EndLine && frame.FieldError is null)
                        {
                            var (firstLine, otherLines) = SplitFirstLine(frame.Raw);
                            yield return file.Unreadable(
                                frame.StartLine,
                                $"malformed CSV (a quoted field opened on this line is not closed properly: {PostRowParser.Excerpt(bad.TrimEnd())}); reading resumes on the next line",
                                firstLine);
                            frames.Push(CsvFrame.OverText(otherLines, frame.StartLine + 1, file.Limits));
                            break;
                        }

                        yield return file.Guard(frame.StartLine, () => ToItem(file, columns, frame, overlong), () => Payload(frame));
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

    private static PostFileException NoHeader(ImportFile file, OverlongLine line) => file.Fail(
        line.Number,
        $"line {line.Number} is longer than pipeline.limits.max-line-length ({file.Limits.MaxLineLength:N0} characters): it has {line.Length:N0}, and no header row comes before it");

    private static SourceItem ToItem(ImportFile file, CsvColumns columns, CsvFrame frame, OverlongLines overlong)
    {
        var line = frame.StartLine;
        if (frame.FieldError is { } error)
        {
            return file.Unreadable(line, $"cannot cut the record into fields ({error.GetType().Name}: {error.Message})", Payload(frame));
        }

        if (frame.FieldCount > file.Limits.MaxFields)
        {
            return file.Unreadable(
                line, $"the record has {frame.FieldCount:N0} fields, more than pipeline.limits.max-fields ({file.Limits.MaxFields:N0})", Payload(frame));
        }

        if (overlong.Within(frame.StartLine, frame.EndLine) is { } skipped)
        {
            return file.Unreadable(
                line, $"the record is incomplete: its line {skipped} is longer than pipeline.limits.max-line-length and was skipped", Payload(frame));
        }

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

    /// <summary>
    /// The overlong lines the file's feed passed over, reported once each in line order (a frame resumed
    /// after a broken record reads some lines again), and remembered so that a record spanning one is
    /// known to be incomplete.
    /// </summary>
    private sealed class OverlongLines(ImportFile file)
    {
        private readonly List<OverlongLine> _reported = [];
        private readonly List<int> _numbers = [];

        public OverlongLine? First => _reported.Count > 0 ? _reported[0] : null;

        /// <summary>Quarantine entries for the lines <paramref name="feed"/> dropped up to <paramref name="throughLine"/>.</summary>
        public List<SourceItem> Take(CsvLineFeed feed, int throughLine)
        {
            var items = new List<SourceItem>();
            while (feed.Dropped.TryPeek(out var line) && line.Number <= throughLine)
            {
                feed.Dropped.Dequeue();
                if (_reported.Count == 0 || line.Number > _reported[^1].Number)
                {
                    _reported.Add(line);
                    _numbers.Add(line.Number);
                    items.Add(file.Overlong(line.Number, line.Length, line.Excerpt));
                }
            }

            return items;
        }

        /// <summary>The first reported line from <paramref name="first"/> to <paramref name="last"/>, if any.</summary>
        public int? Within(int first, int last)
        {
            var index = _numbers.BinarySearch(first);
            index = index < 0 ? ~index : index;
            return index < _numbers.Count && _numbers[index] <= last ? _numbers[index] : null;
        }
    }
}
