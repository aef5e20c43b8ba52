using Pipeline.Models.Cleaning;

namespace Pipeline.Models.Tests.Cleaning;

public sealed class TextNormalizerTests
{
    [Fact]
    public void Double_encoded_entities_are_decoded_fully()
    {
        Assert.Equal("POS & ATM", TextNormalizer.DecodeEntities("POS &amp;amp; ATM"));
    }

    [Fact]
    public void Sentiment_text_follows_cardiff_preprocessing()
    {
        Assert.Equal("@user @user thanks for nothing http 🙄",
            TextNormalizer.ForSentiment("@gtbank @ubacares thanks for nothing https://t.co/Zx9 🙄"));
    }

    [Fact]
    public void Topic_tokens_are_lower_case_without_stopwords_links_or_mentions()
    {
        var tokens = TextNormalizer.TopicTokens("@kudabank My ATM card was DECLINED at the POS www.kuda.com #fraud",
            new HashSet<string> { "kudabank" });

        Assert.Equal(["atm", "card", "declined", "pos", "fraud"], tokens);
    }

    [Fact]
    public void Domain_stopwords_are_removed_from_topic_tokens()
    {
        var tokens = TextNormalizer.TopicTokens("Bank pls reverse my money", new HashSet<string> { "bank", "pls" });

        Assert.Equal(["reverse", "money"], tokens);
    }

    [Theory]
    [InlineData("transfers", "transfer")]
    [InlineData("queries", "query")]
    [InlineData("charges", "charge")]
    [InlineData("access", "access")]
    [InlineData("status", "status")]
    [InlineData("bvn", "bvn")]
    public void Lemma_lite_reduces_plurals_only(string word, string expected)
    {
        Assert.Equal(expected, TextNormalizer.LemmaLite(word));
    }

    [Fact]
    public void Currency_amount_counts_as_content()
    {
        Assert.False(TextNormalizer.IsEmptyOfContent("@gtbank ₦"));
        Assert.True(TextNormalizer.IsEmptyOfContent("@gtbank   https://t.co/x ..."));
    }
}
