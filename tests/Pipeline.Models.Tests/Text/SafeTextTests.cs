using System.Text;
using Pipeline.Models.Text;

namespace Pipeline.Models.Tests.Text;

public sealed class SafeTextTests
{
    private const string Emoji = "😡"; // U+1F621: a surrogate pair in UTF-16

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(79)]
    [InlineData(80)]
    [InlineData(81)]
    public void Truncation_at_any_boundary_never_splits_a_surrogate_pair(int prefix)
    {
        var value = new string('x', prefix) + Emoji + "tail";

        for (var max = 0; max <= value.Length; max++)
        {
            var cut = SafeText.Truncate(value, max);
            var excerpt = SafeText.Excerpt(value, max);

            Assert.True(cut.Length <= max);
            Assert.False(SafeText.HasLoneSurrogate(cut), $"cut at {max}");
            Assert.False(SafeText.HasLoneSurrogate(excerpt), $"excerpt at {max}");
            // Whatever is cut still encodes: this is what Npgsql failed on.
            StrictUtf8.GetBytes(cut);
            StrictUtf8.GetBytes(excerpt);
        }
    }

    [Fact]
    public void Truncation_keeps_a_pair_that_fits_and_drops_one_that_does_not()
    {
        Assert.Equal("ab" + Emoji, SafeText.Truncate("ab" + Emoji + "c", 4));
        Assert.Equal("ab", SafeText.Truncate("ab" + Emoji + "c", 3));
        Assert.Equal("ab…", SafeText.Excerpt("ab" + Emoji + "c", 3));
        Assert.Equal("short", SafeText.Excerpt("short", 80));
    }

    // Char codes, not strings: a lone surrogate survives neither an attribute's string constant nor xunit's
    // serialisation of theory data.
    [Theory]
    [InlineData(new[] { 'a', 0xD800, 'b' }, "a\uFFFDb")]
    [InlineData(new[] { 'a', 0xDC00, 'b' }, "a\uFFFDb")]
    [InlineData(new[] { 0xDC00, 0xD800 }, "\uFFFD\uFFFD")]
    [InlineData(new[] { 'e', 'n', 'd', 0xD83D }, "end\uFFFD")]
    public void Lone_surrogates_become_the_replacement_character(int[] codes, string expected)
    {
        var input = new string(codes.Select(c => (char)c).ToArray());
        var repaired = SafeText.Repair(input, out var changed);

        Assert.Equal(expected, repaired);
        Assert.True(changed);
        Assert.True(SafeText.IsStorable(repaired));
    }

    [Fact]
    public void Nul_is_removed_and_pairs_are_kept()
    {
        var repaired = SafeText.Repair("a\0b" + Emoji, out var surrogates);

        Assert.Equal("ab" + Emoji, repaired);
        Assert.False(surrogates);
    }

    [Fact]
    public void Valid_text_comes_back_as_the_same_instance()
    {
        var text = "GTBank reversed my transfer " + Emoji;

        Assert.Same(text, SafeText.Repair(text));
        Assert.True(SafeText.IsStorable(text));
    }
}
