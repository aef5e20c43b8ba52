using System.Diagnostics;
using Pipeline.Models.Domain;

namespace Pipeline.Models.Sentiment;

/// <summary>Precision, recall and F1 of one class, with its number of gold examples.</summary>
public sealed record ClassMetrics(SentimentLabel Label, double Precision, double Recall, double F1, int Support);

/// <summary>
/// Metrics of a labelled evaluation. <see cref="Confusion"/>[gold, predicted], classes in
/// <see cref="SentimentLabel"/> order. A class never predicted has precision 0 (as sklearn's
/// zero_division=0); a class absent from the gold labels is left out of the macro averages.
/// </summary>
public sealed record SentimentMetrics(
    int[,] Confusion,
    IReadOnlyList<ClassMetrics> PerClass,
    double MacroRecall,
    double MacroF1,
    double Accuracy,
    int Count)
{
    /// <summary>F1 per class weighted by its gold support (sklearn's average='weighted'; AfriSenti's metric).</summary>
    public double WeightedF1 => Count == 0 ? 0 : PerClass.Sum(c => c.F1 * c.Support) / Count;
}

/// <summary>An evaluation of a scorer: the metrics and how fast it scored.</summary>
public sealed record SentimentEvaluationReport(SentimentMetrics Metrics, string ModelVersion, double Seconds, double TweetsPerSecond, int BatchSize);

/// <summary>TweetEval's metric (macro-averaged recall), AfriSenti's (weighted F1) and the usual companions, for any <see cref="ISentimentScorer"/>.</summary>
public static class SentimentEvaluation
{
    private static readonly SentimentLabel[] Labels = Enum.GetValues<SentimentLabel>();

    public static SentimentMetrics Compute(IReadOnlyList<SentimentLabel> gold, IReadOnlyList<SentimentLabel> predicted)
    {
        if (gold.Count != predicted.Count)
        {
            throw new ArgumentException($"{gold.Count} gold labels but {predicted.Count} predictions.", nameof(predicted));
        }

        var k = Labels.Length;
        var confusion = new int[k, k];
        for (var i = 0; i < gold.Count; i++)
        {
            confusion[(int)gold[i], (int)predicted[i]]++;
        }

        return FromConfusion(confusion);
    }

    /// <summary>Metrics of a confusion matrix [gold, predicted].</summary>
    public static SentimentMetrics FromConfusion(int[,] confusion)
    {
        var k = Labels.Length;
        if (confusion.GetLength(0) != k || confusion.GetLength(1) != k)
        {
            throw new ArgumentException($"The confusion matrix must be {k}×{k}.", nameof(confusion));
        }

        var perClass = new List<ClassMetrics>(k);
        var correct = 0;
        var total = 0;
        double recallSum = 0, f1Sum = 0;
        var present = 0;
        for (var c = 0; c < k; c++)
        {
            int support = 0, predictedAs = 0;
            for (var j = 0; j < k; j++)
            {
                support += confusion[c, j];
                predictedAs += confusion[j, c];
            }

            var hits = confusion[c, c];
            correct += hits;
            total += support;
            var precision = predictedAs == 0 ? 0 : (double)hits / predictedAs;
            var recall = support == 0 ? 0 : (double)hits / support;
            var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            perClass.Add(new ClassMetrics(Labels[c], precision, recall, f1, support));
            if (support > 0)
            {
                recallSum += recall;
                f1Sum += f1;
                present++;
            }
        }

        return new SentimentMetrics(
            (int[,])confusion.Clone(),
            perClass,
            present == 0 ? 0 : recallSum / present,
            present == 0 ? 0 : f1Sum / present,
            total == 0 ? 0 : (double)correct / total,
            total);
    }

    /// <summary>Scores <paramref name="data"/> in batches with <paramref name="scorer"/>, timing the scoring only.</summary>
    public static SentimentEvaluationReport Evaluate(
        ISentimentScorer scorer,
        IReadOnlyList<LabelledText> data,
        int batchSize = 1024,
        IProgress<int>? progress = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var predicted = new SentimentLabel[data.Count];
        var watch = new Stopwatch();
        for (var start = 0; start < data.Count; start += batchSize)
        {
            var batch = new string[Math.Min(batchSize, data.Count - start)];
            for (var i = 0; i < batch.Length; i++)
            {
                batch[i] = data[start + i].Text;
            }

            watch.Start();
            var scores = scorer.Score(batch);
            watch.Stop();
            if (scores.Count != batch.Length)
            {
                throw new InvalidOperationException($"The scorer returned {scores.Count} scores for {batch.Length} texts.");
            }

            for (var i = 0; i < batch.Length; i++)
            {
                predicted[start + i] = scores[i].Label;
            }

            progress?.Report(start + batch.Length);
        }

        var seconds = watch.Elapsed.TotalSeconds;
        var metrics = Compute(data.Select(d => d.Label).ToArray(), predicted);
        return new SentimentEvaluationReport(metrics, scorer.ModelVersion, seconds, data.Count / Math.Max(seconds, 1e-9), batchSize);
    }
}
