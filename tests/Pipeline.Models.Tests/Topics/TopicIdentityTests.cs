using Pipeline.Models.Topics;

namespace Pipeline.Models.Tests.Topics;

public sealed class TopicIdentityTests
{
    private static IReadOnlyList<WeightedWord> Words(params (string Word, double Weight)[] words) =>
        words.Select(w => new WeightedWord(w.Word, w.Weight)).ToList();

    private static readonly IReadOnlyList<WeightedWord> Transfers =
        Words(("transfer", 0.12), ("failed", 0.09), ("reversal", 0.07), ("debit", 0.05), ("pending", 0.04));

    private static readonly IReadOnlyList<WeightedWord> Cards =
        Words(("card", 0.15), ("atm", 0.10), ("pos", 0.08), ("declined", 0.05), ("pin", 0.03));

    private static readonly IReadOnlyList<WeightedWord> App =
        Words(("app", 0.14), ("login", 0.08), ("update", 0.06), ("otp", 0.05), ("network", 0.04));

    private static readonly IReadOnlyList<WeightedWord> Agents =
        Words(("agent", 0.13), ("cash", 0.09), ("withdrawal", 0.06), ("opay", 0.05), ("moniepoint", 0.04));

    private static readonly IReadOnlyList<WeightedWord> Loans =
        Words(("loan", 0.16), ("interest", 0.09), ("repayment", 0.07), ("credit", 0.05), ("salary", 0.03));

    // Ids deliberately not 0..K-1: they come from earlier retrains.
    private static readonly TopicCatalog Previous = new("lda-2024-01",
    [
        new TopicDescription(3, "Transaction Issues – General", Transfers, 0.31),
        new TopicDescription(5, "Transaction Issues – Card Services", Cards, 0.24),
        new TopicDescription(7, "Electronic Banking – General", App, 0.27),
        new TopicDescription(8, "Transaction Issues – Agent Banking", Agents, 0.18),
    ]);

    // A retrain reshuffles topic order and moves weights a little; words keep their rank mostly.
    private static IReadOnlyList<WeightedWord> Perturbed(IReadOnlyList<WeightedWord> words, int seed)
    {
        var random = new Random(seed);
        return words.Select(w => w with { Weight = w.Weight * (0.85 + 0.3 * random.NextDouble()) }).Reverse().ToList();
    }

    [Fact]
    public void Ids_and_labels_survive_a_retrain_that_shuffles_and_perturbs_topics()
    {
        IReadOnlyList<IReadOnlyList<WeightedWord>> retrained =
            [Perturbed(Agents, 1), Perturbed(App, 2), Perturbed(Transfers, 3), Perturbed(Cards, 4)];

        var result = TopicIdentity.Match(Previous, retrained, MatchOptions.Default);

        Assert.Equal([8, 7, 3, 5], result.Topics.Select(t => t.Id));
        Assert.Equal(
            ["Transaction Issues – Agent Banking", "Electronic Banking – General", "Transaction Issues – General", "Transaction Issues – Card Services"],
            result.Topics.Select(t => t.Label));
        Assert.All(result.Topics, t => Assert.False(t.IsNew));
        Assert.All(result.Topics, t => Assert.InRange(t.Similarity!.Value, 0.6, 1.0));
        Assert.Empty(result.Vanished);
    }

    [Fact]
    public void A_genuinely_new_topic_gets_a_fresh_id_and_an_auto_label()
    {
        IReadOnlyList<IReadOnlyList<WeightedWord>> retrained = [Transfers, Loans, Cards, App, Agents];

        var result = TopicIdentity.Match(Previous, retrained, MatchOptions.Default);

        var loans = result.Topics[1];
        Assert.True(loans.IsNew);
        Assert.Equal(9, loans.Id);
        Assert.Equal("loan / interest / repayment", loans.Label);
        Assert.Null(loans.Similarity);
        Assert.Equal(4, result.Topics.Count(t => !t.IsNew));
    }

    [Fact]
    public void Several_new_topics_get_consecutive_fresh_ids_in_model_order()
    {
        var fees = Words(("charge", 0.2), ("sms", 0.1), ("fee", 0.1));

        var result = TopicIdentity.Match(Previous, [Loans, Transfers, fees], MatchOptions.Default);

        Assert.Equal([9, 3, 10], result.Topics.Select(t => t.Id));
        Assert.Equal(10, result.HighestIssuedId);
    }

    [Fact]
    public void A_topic_that_is_gone_is_reported_as_vanished()
    {
        var result = TopicIdentity.Match(Previous, [Cards, Agents, Transfers], MatchOptions.Default);

        var vanished = Assert.Single(result.Vanished);
        Assert.Equal(7, vanished.Id);
        var row = Assert.Single(result.ToTable(), r => r.Status == TopicMatchStatus.Vanished);
        Assert.Equal(["-", "7", "Electronic Banking – General", "-", "vanished"], row.Cells());
    }

    [Fact]
    public void A_pair_below_the_minimum_similarity_is_not_a_match()
    {
        // Shares only "transfer" with the old transfers topic: some overlap, far from the same topic.
        var airtime = Words(("airtime", 0.2), ("recharge", 0.15), ("data", 0.1), ("transfer", 0.02));

        Assert.InRange(TopicSimilarity.WeightedJaccard(Transfers, airtime, 10), 0.001, 0.2);

        var result = TopicIdentity.Match(Previous with { Topics = [Previous.Topics[0]] }, [airtime], MatchOptions.Default);

        Assert.True(result.Topics[0].IsNew);
        Assert.Equal(4, result.Topics[0].Id);
        Assert.Single(result.Vanished);
    }

    [Fact]
    public void A_vanished_highest_id_is_never_reissued()
    {
        var withoutAgents = TopicIdentity.Match(Previous, [Transfers, Cards, App], MatchOptions.Default)
            .ToCatalog("lda-2024-02", [0.4, 0.3, 0.3]);

        var result = TopicIdentity.Match(withoutAgents, [Transfers, Cards, App, Loans], MatchOptions.Default);

        Assert.Equal(9, result.Topics[3].Id);
    }

    [Fact]
    public void Labels_file_overrides_inherited_and_auto_labels_by_id()
    {
        var overrides = TopicLabels.Parse("3\tFailed transfers\n9\tLoans\n", "labels.tsv");

        var result = TopicIdentity.Match(Previous, [Transfers, Cards, App, Agents, Loans],
            MatchOptions.Default with { LabelOverrides = overrides });

        Assert.Equal(["Failed transfers", "Transaction Issues – Card Services", "Electronic Banking – General",
            "Transaction Issues – Agent Banking", "Loans"], result.Topics.Select(t => t.Label));
    }

    [Fact]
    public void First_training_numbers_topics_from_zero()
    {
        var result = TopicIdentity.Match(TopicCatalog.Empty, [Transfers, Cards], MatchOptions.Default);

        Assert.Equal([0, 1], result.Topics.Select(t => t.Id));
        Assert.All(result.Topics, t => Assert.True(t.IsNew));
    }

    [Fact]
    public void Table_lists_new_topics_in_model_order_then_vanished_ones()
    {
        var result = TopicIdentity.Match(Previous, [Loans, Cards, Transfers, App], MatchOptions.Default);

        var rows = result.ToTable();

        Assert.Equal([TopicMatchStatus.New, TopicMatchStatus.Matched, TopicMatchStatus.Matched, TopicMatchStatus.Matched, TopicMatchStatus.Vanished],
            rows.Select(r => r.Status));
        Assert.Equal(["1", "5", "Transaction Issues – Card Services", "1.000", "matched"], rows[1].Cells());
        Assert.Equal(TopicTableRow.Headers.Count, rows[0].Cells().Count);
    }

    [Fact]
    public void Catalog_from_a_match_keeps_model_order_and_the_new_shares()
    {
        var catalog = TopicIdentity.Match(Previous, [Cards, Transfers], MatchOptions.Default)
            .ToCatalog("lda-2024-02", [0.55, 0.45]);

        Assert.Equal([5, 3], catalog.Topics.Select(t => t.Id));
        Assert.Equal([0.55, 0.45], catalog.Topics.Select(t => t.Share));
        Assert.Equal(8, catalog.HighestIssuedId);
    }
}
