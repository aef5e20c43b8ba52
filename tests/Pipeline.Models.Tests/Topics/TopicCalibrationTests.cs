using Pipeline.Models.Topics;

namespace Pipeline.Models.Tests.Topics;

public sealed class TopicCalibrationTests : IDisposable
{
    private static readonly TopicTrainingSettings Small = new()
    {
        Topics = 3,
        Iterations = 60,
        BurninIterations = 5,
        MinDocumentCount = 2,
        MaxDocumentFraction = 0.9,
        TopWords = 10,
    };

    private static readonly Lazy<TopicTrainingResult> Trained = new(() =>
        TopicTrainer.Train(TopicTrainerTests.ThemeCorpus(), Small, new TopicTrainingOptions(TrainedOn: new DateOnly(2024, 3, 1))));

    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("topic-calibration-tests-");

    public void Dispose() => _temp.Delete(recursive: true);

    private static TopicModel WithoutReassignment(TopicModel model) =>
        new(model.Lda, model.Catalog with { Decision = model.Catalog.Decision! with { ReassignMinShare = null } });

    private static int TopicOf(TopicModel model, string word) =>
        model.Catalog.Topics.ToList().FindIndex(t => t.TopWords.Take(6).Any(w => w.Word == word));

    [Fact]
    public void The_calibrated_threshold_lies_above_what_shuffled_documents_reach_and_below_typical_on_topic_documents()
    {
        var trained = Trained.Value;
        var rule = Assert.IsType<TopicDecisionRule>(trained.Model.Catalog.Decision);
        var documents = TopicTrainerTests.ThemeCorpus().Select(t => (IReadOnlyList<string>)t.Split(' ')).ToArray();
        // A shuffle the calibration never saw: same words, same lengths, themes mixed.
        var shuffled = TopicCalibration.Shuffled(documents, seed: 99);
        var model = WithoutReassignment(trained.Model);

        var shuffledClassified = model.Decide(shuffled).Count(d => d.Decision is TopicDecision.Classified);
        var realClassified = model.Decide(documents).Count(d => d.Decision is TopicDecision.Classified);

        Assert.True(shuffledClassified <= shuffled.Count * 0.10, $"{shuffledClassified} of {shuffled.Count} shuffled documents reach {rule.Threshold}");
        Assert.True(realClassified >= documents.Length * 0.90, $"only {realClassified} of {documents.Length} on-topic documents reach {rule.Threshold}");
        var metrics = Assert.IsType<TopicDecisionMetrics>(trained.Metrics.Decision);
        Assert.True(metrics.NullMedianTop < rule.Threshold && rule.Threshold < metrics.MedianTop, $"{metrics}");
        Assert.Equal(new TopicThresholdCalibration(0.95, documents.Length, metrics.NullMedianTop, Small.Seed), rule.Calibration);
        Assert.Equal(10.0 / 3, rule.PriorAlpha!.Value, 9);
    }

    [Fact]
    public void A_weak_but_clear_post_is_reassigned_to_its_topic_and_a_post_without_a_known_word_stays_Unclassified()
    {
        var model = Trained.Value.Model;
        var cards = TopicOf(model, "atm");

        var decisions = model.Decide([["atm"], ["atm", "loan"], ["hello", "world"]]).Select(d => d.Decision).ToArray();

        // One word cannot lift the posterior mean over the threshold, but it speaks for one topic alone.
        var reassigned = Assert.IsType<TopicDecision.Reassigned>(decisions[0]);
        Assert.Equal(cards, reassigned.TopicIndex);
        Assert.True(reassigned.TopProbability < model.Threshold);
        Assert.True(reassigned.OverlapShare >= TopicDecisionRule.DefaultReassignMinShare);
        var stored = decisions[0].ToAssignment(model.Catalog);
        Assert.Equal((model.Catalog.Topics[cards].Id, reassigned.OverlapShare), (stored.TopicId, stored.Confidence));
        // Two words of two themes favour neither clearly.
        Assert.Equal(UnclassifiedReason.BelowThreshold, Assert.IsType<TopicDecision.Unclassified>(decisions[1]).Reason);
        Assert.Equal(new TopicDecision.Unclassified(UnclassifiedReason.NoKnownToken, 0), decisions[2]);
        Assert.Equal(TopicDecision.UnclassifiedId, model.Classify([["hello", "world"]])[0].TopicId);
    }

    [Fact]
    public void Reassignment_needs_the_minimum_share_of_the_word_votes()
    {
        var catalog = new TopicCatalog("v",
        [
            new TopicDescription(0, "Cards", [new WeightedWord("atm", 0.3), new WeightedWord("bank", 0.1)], 0.5),
            new TopicDescription(1, "Loans", [new WeightedWord("loan", 0.3), new WeightedWord("bank", 0.1)], 0.5),
        ]);
        var overlap = new TopicWordOverlap(catalog);
        var unsure = new TopicDecision.Unclassified(UnclassifiedReason.BelowThreshold, 0.3);

        // atm: one vote for Cards; bank: half a vote each. Cards holds 1.5 of 2 votes.
        Assert.Equal(new TopicDecision.Reassigned(0, 0.75, 0.3), TopicDecision.Reassign(unsure, ["atm", "bank"], overlap, 2.0 / 3));
        Assert.Same(unsure, TopicDecision.Reassign(unsure, ["atm", "bank"], overlap, 0.8));
        Assert.Same(unsure, TopicDecision.Reassign(unsure, ["atm", "loan"], overlap, 2.0 / 3));
        Assert.Same(unsure, TopicDecision.Reassign(unsure, ["atm"], overlap, minShare: null));
        var confident = new TopicDecision.Classified(1, 0.9);
        Assert.Same(confident, TopicDecision.Reassign(confident, ["atm"], overlap, 2.0 / 3));
    }

    [Fact]
    public void A_model_folder_from_before_calibration_still_loads_with_the_fixed_threshold_and_no_reassignment()
    {
        var folder = Path.Combine(_temp.FullName, "old");
        var trained = Trained.Value.Model;
        new TopicModel(trained.Lda, trained.Catalog with { Decision = null }).Save(folder);
        var json = File.ReadAllText(Path.Combine(folder, TopicCatalogJson.FileName));

        var loaded = TopicModel.Load(folder);

        Assert.DoesNotContain("decision", json, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(folder, TopicWordWeights.FileName)));
        Assert.Equal((0.4, (double?)null, (double?)null), (loaded.Threshold, loaded.ReassignMinShare, loaded.PriorAlpha));
        // The fixed rule on the raw share: one word is "100 %" its topic, the overconfidence calibration removes.
        Assert.Equal(1.0, Assert.IsType<TopicDecision.Classified>(loaded.Decide([["atm"]])[0].Decision).Probability);
    }

    [Fact]
    public void A_calibrated_model_round_trips_its_rule_and_word_weights_and_a_given_number_restores_the_fixed_rule()
    {
        var folder = Path.Combine(_temp.FullName, "calibrated");
        var trained = Trained.Value.Model;
        trained.Save(folder);

        var loaded = TopicModel.Load(folder);
        var fixedRule = TopicModel.Load(folder, threshold: 0.4);

        Assert.Equal(trained.Catalog.Decision, loaded.Catalog.Decision);
        Assert.Equal(trained.Threshold, loaded.Threshold);
        Assert.Equal(trained.WordWeights!.SelectMany(t => t), loaded.WordWeights!.SelectMany(t => t));
        Assert.Equal(
            trained.Decide([["atm"], ["loan", "interest", "repayment"]]).Select(d => d.Decision),
            loaded.Decide([["atm"], ["loan", "interest", "repayment"]]).Select(d => d.Decision));
        Assert.Equal((0.4, (double?)null, (double?)null), (fixedRule.Threshold, fixedRule.ReassignMinShare, fixedRule.PriorAlpha));
    }

    [Fact]
    public void Topics_json_with_a_threshold_outside_zero_to_one_is_rejected()
    {
        var catalog = Trained.Value.Model.Catalog;
        var json = TopicCatalogJson.Serialize(catalog with { Decision = catalog.Decision! with { Threshold = 0.123456 } })
            .Replace("\"threshold\": 0.123456", "\"threshold\": 1.5", StringComparison.Ordinal);

        var error = Assert.Throws<InvalidDataException>(() => TopicCatalogJson.Deserialize(json, "topics.json"));

        Assert.Contains("decision.threshold = 1.5: must be between 0 and 1", error.Message);
    }

    [Fact]
    public void Shuffling_keeps_every_document_length_and_every_token_and_repeats_for_a_seed()
    {
        IReadOnlyList<IReadOnlyList<string>> documents = [["a", "b", "c"], ["d"], [], ["e", "f"]];

        var first = TopicCalibration.Shuffled(documents, 7);

        Assert.Equal(documents.Select(d => d.Count), first.Select(d => d.Count));
        Assert.Equal(documents.SelectMany(d => d).Order(), first.SelectMany(d => d).Order());
        Assert.Equal(first.SelectMany(d => d), TopicCalibration.Shuffled(documents, 7).SelectMany(d => d));
    }

    [Theory]
    [InlineData(0.95, 3.85)]
    [InlineData(0.5, 2.5)]
    [InlineData(0.0, 1.0)]
    public void Quantiles_interpolate_between_order_statistics_like_numpy(double q, double expected)
    {
        Assert.Equal(expected, TopicCalibration.Quantile([4, 1, 3, 2], q), 12);
    }

    [Fact]
    public void The_posterior_mean_shrinks_a_one_word_post_toward_uniform()
    {
        var smoothed = TopicDecision.Smoothed([1f, 0f, 0f, 0f], knownTokens: 1, alpha: 1);

        Assert.Equal([0.4, 0.2, 0.2, 0.2], smoothed.Select(p => Math.Round(p, 12)));
    }
}
