using Pipeline.Models.Domain;
using Pipeline.Models.Topics;

namespace Pipeline.Models.Tests.Topics;

public sealed class TopicDecisionTests
{
    private static readonly TopicCatalog Catalog = new("lda-v2",
    [
        new TopicDescription(3, "Transfers", [], 0.4),
        new TopicDescription(5, "Cards", [], 0.3),
        new TopicDescription(9, "Loans", [], 0.3),
    ]);

    [Fact]
    public void Dominant_topic_above_threshold_is_assigned_with_its_catalog_id_and_label()
    {
        var decision = TopicDecision.Decide([0.1f, 0.7f, 0.2f], hasKnownToken: true);

        var classified = Assert.IsType<TopicDecision.Classified>(decision);
        Assert.Equal(1, classified.TopicIndex);
        Assert.Equal(new TopicAssignment(5, "Cards", 0.7f, "lda-v2"), decision.ToAssignment(Catalog));
    }

    [Fact]
    public void Top_probability_below_threshold_is_unclassified()
    {
        var decision = TopicDecision.Decide([0.39f, 0.31f, 0.30f], hasKnownToken: true);

        Assert.Equal(new TopicDecision.Unclassified(UnclassifiedReason.BelowThreshold, 0.39f), decision);
        Assert.Equal(new TopicAssignment(-1, "Unclassified", 0.39f, "lda-v2"), decision.ToAssignment(Catalog));
    }

    [Theory]
    [InlineData(0.4)]
    [InlineData(0.7)]
    [InlineData(0.3)]
    public void Probability_exactly_at_threshold_counts_as_classified(double threshold)
    {
        var top = (float)threshold;

        var decision = TopicDecision.Decide([1f - top, top], hasKnownToken: true, threshold);

        Assert.IsType<TopicDecision.Classified>(decision);
    }

    [Fact]
    public void Post_without_a_known_token_is_unclassified_whatever_the_vector_says()
    {
        // The LDA prior for an empty document: a uniform vector must not become a topic.
        var uniform = Enumerable.Repeat(0.1f, 10).ToList();

        var decision = TopicDecision.Decide(uniform, hasKnownToken: false, threshold: 0.05);

        Assert.Equal(new TopicDecision.Unclassified(UnclassifiedReason.NoKnownToken, 0), decision);
        Assert.Equal(TopicDecision.UnclassifiedId, decision.ToAssignment(Catalog).TopicId);
        Assert.Equal(TopicDecision.UnclassifiedLabel, decision.ToAssignment(Catalog).Label);
    }

    [Fact]
    public void Post_without_a_known_token_needs_no_vector_at_all()
    {
        Assert.IsType<TopicDecision.Unclassified>(TopicDecision.Decide([], hasKnownToken: false));
    }

    [Fact]
    public void Ties_go_to_the_lowest_topic()
    {
        var decision = TopicDecision.Decide([0.05f, 0.45f, 0.45f, 0.05f], hasKnownToken: true);

        Assert.Equal(1, Assert.IsType<TopicDecision.Classified>(decision).TopicIndex);
    }

    [Fact]
    public void Non_finite_probabilities_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => TopicDecision.Decide([float.NaN, 0.9f], hasKnownToken: true));
    }
}
