using Pipeline.Models.Sentiment;

namespace Pipeline.Models.Tests.Sentiment;

public sealed class OnnxRobertaTokenizerTests
{
    private static readonly RobertaTokenizer Tokenizer = RobertaTokenizer.FromFiles(RobertaFixture.Vocab, RobertaFixture.Merges);

    public static TheoryData<int> Rows() => new(Enumerable.Range(0, RobertaFixture.ExpectedIds().Count));

    [Theory]
    [MemberData(nameof(Rows))]
    public void Ids_equal_the_published_HuggingFace_reference(int row)
    {
        var (text, expected) = RobertaFixture.ExpectedIds()[row];

        Assert.Equal(expected, Tokenizer.Encode(text, 512));
    }

    [Fact]
    public void Reference_rows_with_a_leading_space_keep_it()
    {
        var rows = RobertaFixture.ExpectedIds();

        // Rows 3, 6 and 7 (1-based) start with a space and tokenise differently because of it.
        Assert.All(new[] { 2, 5, 6 }, i => Assert.StartsWith(" ", rows[i].Text));
        Assert.NotEqual(Tokenizer.Encode("Hello world", 512), Tokenizer.Encode(" Hello world", 512));
    }

    [Fact]
    public void Empty_text_is_begin_and_end_of_sentence()
    {
        Assert.Equal([0, 2], Tokenizer.Encode(string.Empty, 512));
    }

    [Fact]
    public void A_3000_token_text_is_cut_to_the_limit_keeping_the_end_token()
    {
        var text = string.Join(' ', Enumerable.Repeat("hello", 3000));
        var full = Tokenizer.Encode(text, int.MaxValue);

        var truncated = Tokenizer.Encode(text, 512);

        Assert.Equal(3002, full.Length);
        Assert.Equal(512, truncated.Length);
        Assert.Equal(0, truncated[0]);
        Assert.Equal(2, truncated[^1]);
        Assert.Equal(full[..511], truncated[..511]);
    }

    [Fact]
    public void A_text_exactly_at_the_limit_is_not_cut()
    {
        var ids = Tokenizer.Encode("Hello world!", 5);

        Assert.Equal([0, 31414, 232, 328, 2], ids);
        Assert.Equal([0, 31414, 232, 2], Tokenizer.Encode("Hello world!", 4));
    }
}
