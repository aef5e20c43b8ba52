using Pipeline.Actors.Import;
using Xunit;

namespace Pipeline.Actors.Tests.Import;

public sealed class FieldParserTests
{
    private static readonly DateTimeOffset Expected = new(2023, 5, 29, 23, 59, 42, TimeSpan.Zero);

    [Theory]
    [InlineData("2023-05-29 23:59:42+00:00")]
    [InlineData("2023-05-29T23:59:42Z")]
    [InlineData("2023-05-29T23:59:42.000Z")]
    [InlineData("2023-05-30T00:59:42+01:00")]
    [InlineData(" 2023-05-29 23:59:42 ")]
    [InlineData("Mon May 29 23:59:42 +0000 2023")]
    [InlineData("1685404782")]
    [InlineData("1685404782000")]
    public void Creation_times_in_iso_x_and_unix_forms_are_read_as_utc(string value)
    {
        var parsed = FieldParsers.ParseTime(value);

        Assert.Equal(Expected, parsed);
        Assert.Equal(TimeSpan.Zero, parsed!.Value.Offset);
    }

    [Theory]
    [InlineData("29/05/2023 23:59")]
    [InlineData("05/29/2023")]
    [InlineData("yesterday")]
    [InlineData("")]
    [InlineData("2023-13-45")]
    public void Ambiguous_or_unknown_times_are_not_guessed(string value) => Assert.Null(FieldParsers.ParseTime(value));

    [Theory]
    [InlineData("1,234", 1234)]
    [InlineData(" 12 ", 12)]
    [InlineData("1_000", 1000)]
    [InlineData("1.2K", 1200)]
    [InlineData("3m", 3_000_000)]
    [InlineData("12.0", 12)]
    [InlineData("", 0)]
    public void Counts_tolerate_separators_abbreviations_and_pandas_floats(string value, int expected) =>
        Assert.Equal(expected, FieldParsers.ParseCount(value));

    [Theory]
    [InlineData("12.5")]
    [InlineData("-3")]
    [InlineData("many")]
    [InlineData("99999999999")]
    public void Counts_that_are_not_whole_non_negative_ints_are_rejected(string value) =>
        Assert.Null(FieldParsers.ParseCount(value));

    [Theory]
    [InlineData("true", true)]
    [InlineData("False", false)]
    [InlineData("1", true)]
    [InlineData("0", false)]
    [InlineData("YES", true)]
    [InlineData(" no ", false)]
    [InlineData("maybe", null)]
    public void Flags_are_bool_ish(string value, bool? expected) => Assert.Equal(expected, FieldParsers.ParseFlag(value));

    [Theory]
    [InlineData("1663308382123456789", 1663308382123456789L)]
    [InlineData(" 42 ", 42L)]
    [InlineData("0", null)]
    [InlineData("-5", null)]
    [InlineData("1.66e18", null)]
    [InlineData("99999999999999999999", null)]
    public void Ids_are_positive_64_bit_numbers(string value, long? expected) => Assert.Equal(expected, FieldParsers.ParseId(value));

    [Fact]
    public void Field_table_is_indexed_by_field_and_every_alias_belongs_to_one_field()
    {
        Assert.All(PostFields.All.Select((spec, index) => (spec, index)), x => Assert.Equal((PostField)x.index, x.spec.Field));
        var aliases = PostFields.All.SelectMany(s => s.Aliases).ToList();
        Assert.Equal(aliases.Count, aliases.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }
}
