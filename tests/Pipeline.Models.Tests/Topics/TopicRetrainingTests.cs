using Pipeline.Models.Topics;

namespace Pipeline.Models.Tests.Topics;

public sealed class TopicRetrainingTests
{
    // Four themes that never share a word; the current model knows the first three, the window brings the fourth.
    private static readonly string[][] Themes =
    [
        ["card", "atm", "pin", "blocked", "swallowed", "machine"],
        ["transfer", "reversal", "debit", "pending", "beneficiary", "credited"],
        ["loan", "interest", "repayment", "collateral", "approval", "salary"],
        ["crypto", "wallet", "bitcoin", "exchange", "usdt", "peer"],
    ];

    private static readonly DateOnly Day = new(2024, 3, 1);

    private static readonly TopicTrainingSettings Settings = new()
    {
        Topics = 3,
        Iterations = 60,
        BurninIterations = 5,
        MinDocumentCount = 2,
        MaxDocumentFraction = 0.9,
        TopWords = 10,
    };

    private static readonly Lazy<TopicModel> Current = new(() =>
        TopicTrainer.Train(Corpus(themes: 3, seed: 11), Settings, new TopicTrainingOptions(TrainedOn: Day)).Model);

    internal static IReadOnlyList<string> Corpus(int themes, int seed, int perTheme = 60)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, perTheme * themes)
            .Select(i => Themes[i % themes])
            .Select(words => string.Join(' ', Enumerable.Range(0, 8).Select(_ => words[random.Next(words.Length)])))
            .ToArray();
    }

    private static int ThemeOf(TopicDescription topic) =>
        Array.FindIndex(Themes, theme => topic.TopWords.Take(3).All(w => theme.Contains(w.Word)));

    [Fact]
    public void A_new_theme_in_the_window_is_accepted_with_the_old_ids_kept_and_a_new_id_for_the_new_theme()
    {
        var current = Current.Value;
        var outcome = TopicRetraining.Retrain(
            current, Corpus(themes: 4, seed: 12), Settings with { Topics = 4 }, new TopicRetrainGate(),
            new TopicTrainingOptions(TrainedOn: Day));

        Assert.True(outcome.Accepted, outcome.Reason);
        Assert.Equal(3, outcome.TopicsKept);
        Assert.Equal(1, outcome.TopicsNew);
        Assert.Equal(0, outcome.TopicsRetired);
        var oldIdByTheme = current.Catalog.Topics.ToDictionary(ThemeOf, t => t.Id);
        foreach (var topic in outcome.Candidate.Model.Catalog.Topics)
        {
            var theme = ThemeOf(topic);
            if (theme < 3)
                Assert.Equal(oldIdByTheme[theme], topic.Id);
            else
                Assert.Equal((3, 3), (theme, topic.Id));
        }

        // The current model knows no word of the new theme, so a quarter of the window is Unclassified for it.
        Assert.True(outcome.Current.UnclassifiedShare >= 0.25 - 1e-9, outcome.Reason);
        Assert.True(outcome.Proposed.UnclassifiedShare < outcome.Current.UnclassifiedShare, outcome.Reason);
        Assert.StartsWith($"accepted {outcome.Candidate.Model.Version} over {current.Version}: candidate c_v ", outcome.Reason);
        Assert.Equal((3, 1, 0), (outcome.TopicsKept, outcome.TopicsNew, outcome.TopicsRetired));
    }

    [Fact]
    public void An_impossible_gate_keeps_the_current_model_and_names_the_numbers()
    {
        var current = Current.Value;
        var before = TopicCatalogJson.Serialize(current.Catalog);
        var window = Corpus(themes: 3, seed: 13);

        // c_v is at most 1, so demanding an improvement of 1 can never be met.
        var outcome = TopicRetraining.Retrain(
            current, window, Settings, new TopicRetrainGate(CoherenceMargin: -1), new TopicTrainingOptions(TrainedOn: Day));

        Assert.False(outcome.Accepted);
        var currentCV = Assert.IsType<double>(outcome.Current.CV);
        var candidateCV = Assert.IsType<double>(outcome.Proposed.CV);
        Assert.Equal(
            $"kept {current.Version}: candidate c_v {candidateCV:0.000} is below the current {currentCV:0.000} + 1.000.",
            outcome.Reason);
        Assert.Equal(before, TopicCatalogJson.Serialize(current.Catalog));
        Assert.Equal(window.Count, outcome.Current.Documents);
    }

    [Fact]
    public void A_candidate_trained_on_shuffled_words_is_rejected_and_the_current_model_is_untouched()
    {
        var current = Current.Value;
        var before = TopicCatalogJson.Serialize(current.Catalog);
        // The same words dealt out at random: no theme left for a candidate to find.
        var junk = TopicCalibration.Shuffled(Corpus(themes: 3, seed: 15).Select(t => (IReadOnlyList<string>)t.Split(' ')).ToArray(), seed: 5)
            .Select(words => string.Join(' ', words))
            .ToArray();

        var outcome = TopicRetraining.Retrain(current, junk, Settings, new TopicRetrainGate(), new TopicTrainingOptions(TrainedOn: Day));

        Assert.False(outcome.Accepted, outcome.Reason);
        var candidateCV = Assert.IsType<double>(outcome.Proposed.CV);
        var currentCV = Assert.IsType<double>(outcome.Current.CV);
        Assert.Equal($"kept {current.Version}: candidate c_v {candidateCV:0.000} is below the current {currentCV:0.000} − 0.020.", outcome.Reason);
        Assert.Equal(before, TopicCatalogJson.Serialize(current.Catalog));
    }

    [Fact]
    public void A_candidate_that_leaves_more_posts_Unclassified_than_the_margin_allows_is_rejected()
    {
        var current = new TopicWindowQuality(0.50, 0.10, 100);
        var candidate = new TopicWindowQuality(0.55, 0.16, 100);

        var (accepted, verdict) = TopicRetraining.Judge(current, candidate, new TopicRetrainGate(UnclassifiedMargin: 0.05));

        Assert.False(accepted);
        Assert.Equal("candidate leaves 16.0 % Unclassified, above the current 10.0 % + 5.0 %", verdict);
    }

    [Fact]
    public void A_candidate_whose_coherence_cannot_be_scored_is_rejected_and_an_unscorable_current_model_holds_nothing_back()
    {
        var gate = new TopicRetrainGate();

        Assert.False(TopicRetraining.Judge(new TopicWindowQuality(0.5, 0.2, 10), new TopicWindowQuality(null, 0.0, 10), gate).Accepted);
        var (accepted, verdict) = TopicRetraining.Judge(new TopicWindowQuality(null, 0.2, 10), new TopicWindowQuality(0.4, 0.1, 10), gate);
        Assert.True(accepted, verdict);
        Assert.Contains("the current model's cannot be scored", verdict);
    }

    [Fact]
    public void Retraining_twice_on_the_same_window_gives_the_same_outcome()
    {
        var window = Corpus(themes: 4, seed: 14);
        var settings = Settings with { Topics = 4 };
        var options = new TopicTrainingOptions(TrainedOn: Day);

        var first = TopicRetraining.Retrain(Current.Value, window, settings, new TopicRetrainGate(), options);
        var second = TopicRetraining.Retrain(Current.Value, window, settings, new TopicRetrainGate(), options);

        Assert.Equal(first.Reason, second.Reason);
        Assert.Equal(TopicCatalogJson.Serialize(first.Candidate.Model.Catalog), TopicCatalogJson.Serialize(second.Candidate.Model.Catalog));
    }
}
