using Pipeline.Models.Cleaning;
using Pipeline.Models.Domain;
using Pipeline.Models.Topics;

namespace Pipeline.Models.Tests.Topics;

/// <summary>The model shipped in models/topics (linked into the test output) does what its card says.</summary>
public sealed class ShippedTopicModelTests
{
    private static readonly Lazy<TopicModel> Shipped = new(() => TopicModel.Load(Path.Combine(AppContext.BaseDirectory, "models", "topics")));

    private static TopicAssignment Classify(string tweet) =>
        Shipped.Value.Classify([TextNormalizer.TopicTokens(TextNormalizer.DecodeEntities(tweet), CleaningPolicy.Default.DomainStopwords)])[0];

    [Theory]
    [InlineData("I was debited for a failed transfer and the money has not been reversed, no refund since yesterday", "Transaction Issues – General")]
    [InlineData("Your app keeps crashing, how do I reach customer care about my account number", "Account Related Issues")]
    [InlineData("God bless you Opay, happy Sunday and blessings to your family", "Blessings & Goodwill")]
    [InlineData("Please help me pay my school fees and house rent, I need money for food", "Help Requests – School Fees, Rent & Food")]
    [InlineData("Congratulations to the new governor of Kaduna state", "Politics & Current Affairs")]
    public void Obvious_banking_tweets_land_in_their_labelled_topic(string tweet, string expectedLabel)
    {
        var score = Classify(tweet);

        Assert.Equal(expectedLabel, score.Label);
    }

    [Fact]
    public void Shipped_model_has_ten_labelled_topics_with_the_labels_file_applied()
    {
        var labels = TopicLabels.Read(Path.Combine(AppContext.BaseDirectory, "models", "topics", "labels.tsv"));

        Assert.Equal(10, Shipped.Value.Catalog.Topics.Count);
        Assert.All(Shipped.Value.Catalog.Topics, t => Assert.Equal(labels[t.Id], t.Label));
        Assert.StartsWith("lda-k10-", Shipped.Value.Version, StringComparison.Ordinal);
    }

    [Fact]
    public void Shipped_model_decides_with_its_calibrated_threshold_and_reassigns_with_its_word_weights()
    {
        var rule = Assert.IsType<TopicDecisionRule>(Shipped.Value.Catalog.Decision);

        Assert.Equal(rule.Threshold, Shipped.Value.Threshold);
        Assert.Equal(0.95, rule.Calibration!.Quantile);
        Assert.Equal(1.0, rule.PriorAlpha);
        Assert.Equal(TopicDecisionRule.DefaultReassignMinShare, rule.ReassignMinShare);
        Assert.All(Shipped.Value.WordWeights!, words => Assert.Equal(TopicWordWeights.WordsPerTopic, words.Count));
    }

    [Fact]
    public void A_tweet_with_no_known_word_is_unclassified()
    {
        var score = Classify("@opaycare https://t.co/xyz");

        Assert.Equal(TopicDecision.UnclassifiedId, score.TopicId);
    }
}
