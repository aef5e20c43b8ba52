using Pipeline.Models.Domain;
using Pipeline.Models.Sentiment;

namespace Pipeline.Models.Tests.Sentiment;

public sealed class SentimentEvaluationTests
{
    [Fact]
    public void Metrics_of_a_hand_computed_confusion_matrix()
    {
        // rows gold (neg, neu, pos), columns predicted.
        int[,] confusion =
        {
            { 8, 2, 0 },   // 10 negative: recall 0.8
            { 3, 12, 5 },  // 20 neutral: recall 0.6
            { 1, 4, 15 },  // 20 positive: recall 0.75
        };

        var metrics = SentimentEvaluation.FromConfusion(confusion);

        Assert.Equal((0.8 + 0.6 + 0.75) / 3, metrics.MacroRecall, 12);
        Assert.Equal(35.0 / 50, metrics.Accuracy, 12);
        Assert.Equal(50, metrics.Count);
        var negative = metrics.PerClass[0];
        Assert.Equal(8.0 / 12, negative.Precision, 12);   // predicted negative: 8 + 3 + 1
        Assert.Equal(0.8, negative.Recall, 12);
        Assert.Equal(2 * (8.0 / 12) * 0.8 / ((8.0 / 12) + 0.8), negative.F1, 12);
        Assert.Equal(10, negative.Support);
        Assert.Equal(12.0 / 18, metrics.PerClass[1].Precision, 12);
        Assert.Equal(15.0 / 20, metrics.PerClass[2].Precision, 12);
        var f1s = metrics.PerClass.Select(c => c.F1).ToArray();
        Assert.Equal(f1s.Average(), metrics.MacroF1, 12);
    }

    [Fact]
    public void Weighted_f1_weights_each_class_f1_by_its_gold_support()
    {
        // rows gold (neg, neu, pos), columns predicted; AfriSenti-like: neutral rare.
        int[,] confusion =
        {
            { 50, 0, 10 },  // 60 negative: P 50/55, R 50/60 → F1 100/115
            { 3, 1, 1 },    // 5 neutral: P 1/2, R 1/5 → F1 2/7
            { 2, 1, 32 },   // 35 positive: P 32/43, R 32/35 → F1 64/78
        };

        var metrics = SentimentEvaluation.FromConfusion(confusion);

        var expected = ((60 * (100.0 / 115)) + (5 * (2.0 / 7)) + (35 * (64.0 / 78))) / 100;
        Assert.Equal(expected, metrics.WeightedF1, 12);
        Assert.Equal(0.8232, metrics.WeightedF1, 4);
        Assert.NotEqual(metrics.MacroF1, metrics.WeightedF1, 3);
    }

    [Fact]
    public void Compute_counts_gold_by_row_and_prediction_by_column()
    {
        SentimentLabel[] gold = [SentimentLabel.Negative, SentimentLabel.Negative, SentimentLabel.Positive, SentimentLabel.Neutral];
        SentimentLabel[] predicted = [SentimentLabel.Negative, SentimentLabel.Positive, SentimentLabel.Positive, SentimentLabel.Positive];

        var metrics = SentimentEvaluation.Compute(gold, predicted);

        Assert.Equal(1, metrics.Confusion[0, 0]);
        Assert.Equal(1, metrics.Confusion[0, 2]);
        Assert.Equal(1, metrics.Confusion[1, 2]);
        Assert.Equal(1, metrics.Confusion[2, 2]);
        Assert.Equal((0.5 + 0 + 1) / 3, metrics.MacroRecall, 12);
        Assert.Equal(0, metrics.PerClass[1].Precision);   // never predicted: 0, not NaN
        Assert.Equal(1.0 / 3, metrics.PerClass[2].Precision, 12);
    }

    [Fact]
    public void A_class_missing_from_the_gold_labels_is_left_out_of_the_macro_recall()
    {
        var metrics = SentimentEvaluation.Compute(
            [SentimentLabel.Negative, SentimentLabel.Positive],
            [SentimentLabel.Negative, SentimentLabel.Neutral]);

        Assert.Equal(0.5, metrics.MacroRecall, 12);
    }

    [Fact]
    public void Evaluate_scores_in_batches_and_times_the_scorer()
    {
        var data = Enumerable.Range(0, 10).Select(i => new LabelledText($"t{i}", (SentimentLabel)(i % 3))).ToArray();
        using var scorer = new EchoScorer();

        var report = SentimentEvaluation.Evaluate(scorer, data, batchSize: 4);

        Assert.Equal(1.0, report.Metrics.MacroRecall, 12);
        Assert.Equal([4, 4, 2], scorer.BatchSizes);
        Assert.True(report.TweetsPerSecond > 0);
    }

    /// <summary>Predicts the label encoded in the text's number, so the evaluation's bookkeeping is what is tested.</summary>
    private sealed class EchoScorer : ISentimentScorer
    {
        public List<int> BatchSizes { get; } = [];

        public string ModelVersion => "echo";

        public IReadOnlyList<SentimentScore> Score(IReadOnlyList<string> texts)
        {
            BatchSizes.Add(texts.Count);
            return texts.Select(t => (SentimentLabel)(int.Parse(t[1..]) % 3))
                .Select(l => new SentimentScore(l, l == SentimentLabel.Negative ? 1 : 0, l == SentimentLabel.Neutral ? 1 : 0, l == SentimentLabel.Positive ? 1 : 0, ModelVersion))
                .ToArray();
        }

        public void Dispose()
        {
        }
    }
}
