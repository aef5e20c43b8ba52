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
            var corpus = Assert.Single(loaded.Metadata.CrossValidation!.Corpora);
            Assert.Equal(("train", "macro-recall", 3), (corpus.Name, corpus.Metric, corpus.FoldArgmax.Length));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Made-up Pidgin tweets (not AfriSenti's): complaints and praise about made-up services, few neutral.</summary>
    internal static IReadOnlyList<LabelledText> PidginSample()
    {
        string[] subjects = ["dis bank", "una app", "the transfer", "my card", "dat branch", "una network", "the pos", "una customer care"];
        string[] negative = ["{0} no dey work abeg", "wetin dey do {0} sef, e don fail me again", "{0} na wahala o, dem no fit refund my money", "i neva see my money since, {0} bad die"];
        string[] positive = ["{0} sweet die, e work well well", "{0} dey try o, my money land sharp sharp", "i like {0} gan, dem too good", "{0} na correct one, e fast pass"];
        string[] neutral = ["{0} go open for monday", "wetin be the code for {0}"];
        var data = new List<LabelledText>();
        foreach (var subject in subjects)
        {
            data.AddRange(negative.Select(t => new LabelledText(string.Format(System.Globalization.CultureInfo.InvariantCulture, t, subject), SentimentLabel.Negative)));
            data.AddRange(positive.Select(t => new LabelledText(string.Format(System.Globalization.CultureInfo.InvariantCulture, t, subject), SentimentLabel.Positive)));
        }

        data.AddRange(subjects.Take(3).SelectMany(s => neutral.Select(t => new LabelledText(string.Format(System.Globalization.CultureInfo.InvariantCulture, t, s), SentimentLabel.Neutral))));
        return data;
    }

    [Fact]
    public void Training_on_english_and_pidgin_reports_each_corpus_with_its_metric_and_ships_a_lexicon_of_pidgin_words_only()
    {
        var folder = Directory.CreateTempSubdirectory("sentiment-model-").FullName;
        try
        {
            var english = Sample();
            var pidgin = PidginSample();
            var result = BuiltInSentimentTrainer.Train([new SentimentCorpus("en", english), new SentimentCorpus("pcm", pidgin)], Small with { Folds = 3 }, folder);

            var cv = result.Metadata.CrossValidation!;
            Assert.Equal(["en", "pcm"], cv.Corpora.Select(c => c.Name));
            Assert.Equal(["macro-recall", "weighted-f1"], cv.Corpora.Select(c => c.Metric));
            Assert.Equal([english.Count, pidgin.Count], cv.Corpora.Select(c => c.Examples));
            Assert.NotNull(result.Metadata.PidginClassOffsets);
            Assert.InRange(result.Metadata.PidginMarkerThreshold, 1, 3);

            var lexicon = PidginLexicon.Load(Path.Combine(folder, PidginLexicon.FileName));
            var pidginWords = pidgin.SelectMany(d => result.Model.Featurizer.Tokenize(d.Text)).Select(t => t.Text).ToHashSet();
            Assert.NotEqual(0, lexicon.Count);
            Assert.All(lexicon.Words, w => Assert.Contains(w, pidginWords));
            // In the English sample many times, never in the Pidgin one.
            Assert.False(lexicon.TryGetScore("terrible", out _));
            Assert.True(lexicon.TryGetScore("wahala", out var wahala) && wahala < 0);

            using var loaded = BuiltInSentimentScorer.Load(folder);
            using var trained = new BuiltInSentimentScorer(result.Model, result.Metadata);
            string[] texts = ["dis bank no dey work abeg", "The bank is wonderful", "una app sweet die"];
            Assert.Equal(trained.Score(texts), loaded.Score(texts));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Out_of_fold_predictions_come_one_per_row_in_input_order_and_are_the_ones_cross_validation_scored()
    {
        var english = Sample();
        var pidgin = PidginSample();
        var result = BuiltInSentimentTrainer.Train([new SentimentCorpus("en", english), new SentimentCorpus("pcm", pidgin)], Small with { Folds = 3 });

        var rows = result.OutOfFold;
        Assert.Equal([.. english.Select(d => ("en", d.Label)), .. pidgin.Select(d => ("pcm", d.Label))], rows.Select(r => (r.Corpus, r.Label)));
        Assert.Equal([0, 1, 2], rows.Select(r => r.Fold).Distinct().Order());
        Assert.All(rows, r => Assert.NotEmpty(r.Tokens));
        var en = rows.Where(r => r.Corpus == "en").ToArray();
        var pcm = rows.Where(r => r.Corpus == "pcm").ToArray();
        var cv = result.Metadata.CrossValidation!.Corpora;
        Assert.Equal(cv[0].Argmax, BuiltInSentimentTrainer.MacroRecall(en.Select(r => (int)r.Label).ToArray(), en.Select(r => r.Logits).ToArray(), [0, 0, 0]), 12);
        Assert.Equal(cv[1].Argmax, BuiltInSentimentTrainer.WeightedF1(pcm.Select(r => (int)r.Label).ToArray(), pcm.Select(r => r.Logits).ToArray(), [0, 0, 0]), 12);
        Assert.Equal(pidgin.Select(d => result.Model.Featurizer.Tokenize(d.Text).Count), pcm.Select(r => r.Tokens.Count));
    }

    [Fact]
    public void Training_without_cross_validation_has_no_out_of_fold_predictions() =>
        Assert.Empty(BuiltInSentimentTrainer.Train(Sample(), Small).OutOfFold);

    [Fact]
    public void A_model_trained_with_naive_bayes_scaling_ships_its_scales_and_loads_to_the_same_scores()
    {
        var folder = Directory.CreateTempSubdirectory("sentiment-model-").FullName;
        try
        {
            var result = BuiltInSentimentTrainer.Train(Sample(), Small with { Folds = 3, NaiveBayesScaling = true }, folder);
            using var trained = new BuiltInSentimentScorer(result.Model, result.Metadata);
            using var loaded = BuiltInSentimentScorer.Load(folder);
            string[] texts = ["The bank is wonderful", "The bank is terrible", "The bank opens at nine"];

            Assert.Equal(FeatureScale.FileName, result.Metadata.FeatureScaleFile);
            Assert.True(File.Exists(Path.Combine(folder, FeatureScale.FileName)));
            Assert.Equal(trained.Score(texts), loaded.Score(texts));
            Assert.Equal([SentimentLabel.Positive, SentimentLabel.Negative], loaded.Score(texts).Take(2).Select(s => s.Label));
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
