namespace Pipeline.Actors.Import;

/// <summary>A value found for a logical field, with the column or property it came from (error messages name it).</summary>
internal readonly record struct FieldValue(string Column, string Value)
{
    public bool IsBlank => string.IsNullOrWhiteSpace(Value);
}

/// <summary>
/// One record's values by logical field, independent of the file format. Readers offer every column
/// that matches an alias; the best offer wins: a non-blank value over a blank one (so an empty
/// <c>id</c> next to a filled <c>tweet_id</c> still yields an id), then the alias listed first. When
/// every offer is blank the best-ranked one stays, so an error can name the column the file meant.
/// </summary>
internal sealed class PostRow
{
    private readonly FieldValue?[] _values = new FieldValue?[PostFields.Count];
    private readonly int[] _ranks = new int[PostFields.Count];

    public FieldValue? this[PostField field] => _values[(int)field];

    public void Offer(PostField field, int rank, string column, string value)
    {
        var index = (int)field;
        var offered = new FieldValue(column, value);
        if (_values[index] is not { } current || (current.IsBlank, _ranks[index]).CompareTo((offered.IsBlank, rank)) > 0)
        {
            _values[index] = offered;
            _ranks[index] = rank;
        }
    }
}
