namespace Pipeline.Actors.Import;

/// <summary>Which logical field each CSV column feeds, resolved once from the header row.</summary>
internal sealed class CsvColumns
{
    private const int HeaderExcerptLength = 400;

    private readonly string[] _names;
    private readonly (PostField Field, int Rank)?[] _matches;

    private CsvColumns(string[] names, (PostField Field, int Rank)?[] matches)
    {
        _names = names;
        _matches = matches;
    }

    /// <summary>How many fields the header declares, so every record must have.</summary>
    public int Count => _names.Length;

    /// <exception cref="PostFileException">A required field has no column, or the header has more columns than <c>max-fields</c>.</exception>
    public static CsvColumns FromHeader(ImportFile file, IReadOnlyList<string> header, int headerLength, int line)
    {
        if (headerLength > file.Limits.MaxFields)
        {
            throw file.Fail(line, $"the header has {headerLength:N0} columns, more than pipeline.limits.max-fields ({file.Limits.MaxFields:N0})");
        }

        var names = header.Select(h => h.Trim()).ToArray();
        var matches = names.Select(PostFields.Match).ToArray();

        var missing = PostFields.Required
            .Where(spec => !file.TextOnly || spec.Field == PostField.Text)
            .Where(spec => !matches.Any(m => m?.Field == spec.Field))
            .Select(spec => $"no column for the {spec.Description} (expected one of: {string.Join(", ", spec.Aliases)})")
            .ToList();
        if (missing.Count > 0)
        {
            // A binary file or another format's header can be long and anything but text: the message quotes its start.
            throw file.Fail(line, $"{string.Join(", ", missing)}; the header has: {PostRowParser.Excerpt(string.Join(", ", names), HeaderExcerptLength)}");
        }

        return new CsvColumns(names, matches);
    }

    public PostRow Row(string[] fields)
    {
        var row = new PostRow();
        for (var column = 0; column < _matches.Length; column++)
        {
            if (_matches[column] is var (field, rank))
            {
                row.Offer(field, rank, _names[column], fields[column]);
            }
        }

        return row;
    }
}
