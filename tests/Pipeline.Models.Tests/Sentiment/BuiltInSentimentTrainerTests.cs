using Pipeline.Models.Domain;
using Pipeline.Models.Sentiment;

namespace Pipeline.Models.Tests.Sentiment;

public sealed class BuiltInSentimentTrainerTests
{
    private static readonly BuiltInTrainerOptions Small = new()
    {
        Featurizer = new SentimentFeaturizerOptions { HashBits = 14 },
        Folds = 0,
    };

    private static IReadOnlyList<LabelledText> Sample() =>
        LabelledSentimentFile.ReadTsv(Path.Combine(AppContext.BaseDirectory, "Sentiment", "Fixtures", "synthetic-sentiment.tsv"));

    [Fact]
    public void Training_on_a_small_sample_learns_what_held_out_sentences_mean()
    {
        // Hold out whole subjects: the test sentences share phrases with training, never a subject.
        var data = Sample();
        var heldOutSubjects = new[] { "The airline", "The train company", "The coffee shop" };
        var heldOut = data.Where(d => heldOutSubjects.Any(s => d.Text.StartsWith(s, StringComparison.Ordinal))).ToArray();
        var training = data.Except(heldOut).ToArray();
        Assert.True(heldOut.Length >= 30);

        var result = BuiltInSentimentTrainer.Train(training, Small);
        using var scorer = new BuiltInSentimentScorer(result.Model, result.Metadata);
        var report = SentimentEvaluation.Evaluate(scorer, heldOut);

        // Chance is 1/3 macro recall.
        Assert.True(report.Metrics.MacroRecall >= 0.9, $"held-out macro recall {report.Metrics.MacroRecall:0.000}");
    }

    [Fact]
    public void Saved_model_loads_and_scores_as_the_trained_one()
    {
        var folder = Directory.CreateTempSubdirectory("sentiment-model-").FullName;
        try
        {
            var result = BuiltInSentimentTrainer.Train(Sample(), Small with { Folds = 3 }, folder);
            using var trained = new BuiltInSentimentScorer(result.Model, result.Metadata);
            using var loaded = BuiltInSentimentScorer.Load(folder);
            string[] texts = ["The bank is wonderful", "The bank is terrible", "The bank opens at nine"];

            Assert.Equal(trained.Score(texts), loaded.Score(texts));
            Assert.Equal(result.Metadata.ModelVersion, loaded.ModelVersion);
            Assert.NotNull(loaded.Metadata.CrossValidation);
            Assert.Equal(3, loaded.Metadata.CrossValidation!.FoldMacroRecalls.Length);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Training_without_one_of_the_classes_is_refused()
    {
        var onlyTwo = Sample().Where(d => d.Label != SentimentLabel.Neutral).ToArray();

        var error = Assert.Throws<ArgumentException>(() => BuiltInSentimentTrainer.Train(onlyTwo, Small));

        Assert.Contains("Neutral", error.Message);
    }
}
