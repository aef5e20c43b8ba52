namespace Pipeline.Actors.Import;

/// <summary>Which logical field each CSV column feeds, resolved once from the header row.</summary>
internal sealed class CsvColumns
{
    private readonly string[] _names;
    private readonly (PostField Field, int Rank)?[] _matches;

    private CsvColumns(string[] names, (PostField Field, int Rank)?[] matches)
    {
        _names = names;
        _matches = matches;
    }

    /// <summary>How many fields the header declares, so every record must have.</summary>
    public int Count => _names.Length;

    /// <exception cref="PostFileException">A required field has no column.</exception>
    public static CsvColumns FromHeader(ImportFile file, IReadOnlyList<string> header, int line)
    {
        var names = header.Select(h => h.Trim()).ToArray();
        var matches = names.Select(PostFields.Match).ToArray();

        var missing = PostFields.Required
            .Where(spec => !file.TextOnly || spec.Field == PostField.Text)
            .Where(spec => !matches.Any(m => m?.Field == spec.Field))
            .Select(spec => $"no column for the {spec.Description} (expected one of: {string.Join(", ", spec.Aliases)})")
            .ToList();
        if (missing.Count > 0)
        {
            throw file.Fail(line, $"{string.Join(", ", missing)}; the header has: {string.Join(", ", names)}");
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
