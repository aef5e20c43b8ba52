using Pipeline.Models.Topics;

namespace Pipeline.Models.Tests.Topics;

public sealed class AnchorTokenizerTests
{
    // Expected tokens: topic_anchor.tokenize() on the same strings (Debian python 3.11, scikit-learn 1.2.1).
    [Fact]
    public void Keeps_lowercased_ascii_letter_runs_of_three_or_more_that_are_not_stop_words()
    {
        Assert.Equal(["transfer", "pending", "gtbank", "help"],
            AnchorTokenizer.Tokenize("Why is my N5,000 transfer STILL pending?? @GTBank_Help"));
    }

    [Fact]
    public void Non_ascii_letters_split_runs_except_where_python_lowercases_to_ascii()
    {
        // KELVIN SIGN lowers to 'k'; 'İ' lowers to "i" + a combining dot, which ends the run.
        Assert.Equal(["kelvin", "stanbul", "caf"], AnchorTokenizer.Tokenize("\u212Aelvin \u0130STANBUL café naïve ok no the"));
    }

    [Fact]
    public void Uses_scikit_learns_318_english_stop_words()
    {
        Assert.Equal(318, AnchorTokenizer.EnglishStopWords.Count);
        Assert.Contains("whereafter", AnchorTokenizer.EnglishStopWords);
        Assert.Empty(AnchorTokenizer.Tokenize("However, they themselves would never have done otherwise"));
    }

    [Fact]
    public void An_empty_line_is_an_empty_document()
    {
        Assert.Empty(AnchorTokenizer.Tokenize(""));
    }
}
