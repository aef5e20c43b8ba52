using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Pipeline.Models.Domain;

namespace Pipeline.Models.Sentiment;

/// <summary>Trainer settings of the built-in sentiment model; stored in <c>sentiment.json</c>.</summary>
public sealed record BuiltInTrainerOptions
{
    public SentimentFeaturizerOptions Featurizer { get; init; } = new();

    /// <summary><c>lbfgs</c> (ML.NET's LbfgsMaximumEntropy) or <c>sdca</c> (SdcaMaximumEntropy): both multinomial logistic regression.</summary>
    public string Algorithm { get; init; } = "sdca";

    /// <summary>L2 weight. L-BFGS sums the loss over examples; SDCA averages it, so its useful values are far smaller (about 1/n of L-BFGS's).</summary>
    /// <summary>Null: L-BFGS 1, SDCA ML.NET's automatic choice.</summary>
    public float? L2Regularization { get; init; }

    public float L1Regularization { get; init; }

    /// <summary>Null: the trainer's default (L-BFGS 100, SDCA automatic).</summary>
    public int? MaximumIterations { get; init; }

    /// <summary>Null: the trainer's default.</summary>
    public float? OptimizationTolerance { get; init; }

    /// <summary>Weights each example by n / (3 · n_class), so each class counts the same in the loss.</summary>
    public bool BalanceClasses { get; init; } = true;

    /// <summary>Tunes per-class score offsets on the out-of-fold predictions to maximise macro recall.</summary>
    public bool TuneClassOffsets { get; init; } = true;

    /// <summary>Cross-validation folds (stratified); 0 or 1 skips cross-validation (and offset tuning).</summary>
    public int Folds { get; init; } = 5;

    public int Seed { get; init; } = 2023;

    /// <summary>Threads for ML.NET's optimiser; null = ML.NET's choice.</summary>
    public int? Threads { get; init; }

    /// <summary>
    /// The corpus of this name is Nigerian Pidgin: its metric is weighted F1 (AfriSenti's), its examples
    /// are not class-balanced (weighted F1 rewards the majority classes), the Pidgin lexicon is learned
    /// from it, and its own class offsets are tuned. Other corpora are scored by macro recall.
    /// </summary>
    public string PidginCorpus { get; init; } = "pcm";

    /// <summary>Weight of each Pidgin example; an English example weighs n / (3 · n_class) (1 on average).</summary>
    public float PidginWeight { get; init; } = 1f;

    /// <summary>Tune separate class offsets for texts with Pidgin markers (see <see cref="BuiltInSentimentMetadata.PidginClassOffsets"/>).</summary>
    public bool PidginOffsets { get; init; } = true;

    /// <summary>
    /// NB-SVM style: each hashed n-gram's value is multiplied by its naive-Bayes log-count ratio (the
    /// largest |ln(p_c / q_c)| over the classes, <see cref="FeatureScale.NaiveBayes"/>) learned from the
    /// rows being fitted, so the L2 penalty spends less on n-grams that do not separate the classes.
    /// </summary>
    public bool NaiveBayesScaling { get; init; }

    /// <summary>Smoothing count added to every n-gram's per-class counts for <see cref="NaiveBayesScaling"/>.</summary>
    public float NaiveBayesAlpha { get; init; } = 1f;
}

/// <summary>A named labelled training file, e.g. <c>en</c> or <c>pcm</c>.</summary>
public sealed record SentimentCorpus(string Name, IReadOnlyList<LabelledText> Data);

/// <summary>A tweet with its gold label.</summary>
public sealed record LabelledText(string Text, SentimentLabel Label);

/// <summary>Progress of a training run: what is happening, and how far (0..1) overall.</summary>
public sealed record TrainingProgress(string Stage, double Fraction);

/// <summary>
/// Trains the built-in scorer with ML.NET: our featurizer's sparse vectors, class-balanced example
/// weights, L-BFGS multinomial logistic regression; stratified k-fold cross-validation gives the
/// out-of-fold predictions on which the class offsets are tuned for macro recall, then the final
/// model is fitted on everything.
/// </summary>
public static class BuiltInSentimentTrainer
{
    /// <param name="OutOfFold">Each training row's cross-validation prediction (empty without cross-validation), in input order.</param>
    public sealed record Result(BuiltInSentimentModel Model, BuiltInSentimentMetadata Metadata, TimeSpan Elapsed, IReadOnlyList<OutOfFoldPrediction> OutOfFold);

    /// <summary>
    /// A training row's held-out prediction: its fold, the raw class scores of the model that did not
    /// see it, its Pidgin marker count and its tokens as the featurizer reads them, so other models can
    /// be cross-validated on the same folds and stacked with this one.
    /// </summary>
    public sealed record OutOfFoldPrediction(string Corpus, int Fold, SentimentLabel Label, int PidginMarkers, double[] Logits, IReadOnlyList<SentimentToken> Tokens);

    private sealed class Row
    {
        public uint Label { get; set; }

        public VBuffer<float> Features { get; set; }

        public float Weight { get; set; }
    }

    /// <summary>Trains on one corpus (named <c>train</c>, scored by macro recall).</summary>
    public static Result Train(
        IReadOnlyList<LabelledText> data,
        BuiltInTrainerOptions options,
        string? outputFolder = null,
        IProgress<TrainingProgress>? progress = null) =>
        Train([new SentimentCorpus("train", data)], options, outputFolder, progress);

    /// <summary>Trains on the corpora together, cross-validates and (when <paramref name="outputFolder"/> is given) saves the model there.</summary>
    public static Result Train(
        IReadOnlyList<SentimentCorpus> corpora,
        BuiltInTrainerOptions options,
        string? outputFolder = null,
        IProgress<TrainingProgress>? progress = null)
    {
        if (corpora.Sum(c => c.Data.Count) == 0)
        {
            throw new ArgumentException("No training examples.", nameof(corpora));
        }

        if (corpora.Select(c => c.Name).Distinct(StringComparer.Ordinal).Count() != corpora.Count)
        {
            throw new ArgumentException("Two training corpora have the same name.", nameof(corpora));
        }

        var missing = Enum.GetValues<SentimentLabel>().Where(l => corpora.All(c => c.Data.All(d => d.Label != l))).ToArray();
        if (missing.Length > 0)
        {
            throw new ArgumentException($"The training data has no {string.Join(", ", missing)} example; all three classes are needed.", nameof(corpora));
        }

        var watch = Stopwatch.StartNew();
        var featurizer = new SentimentFeaturizer(options.Featurizer);
        progress?.Report(new TrainingProgress("featurising", 0));
        var corpusOf = corpora.SelectMany((c, k) => Enumerable.Repeat(k, c.Data.Count)).ToArray();
        var pidginIndex = corpora.ToList().FindIndex(c => c.Name == options.PidginCorpus);
        var texts = corpora.SelectMany(c => c.Data.Select(d => d.Text)).ToArray();
        var labels = corpora.SelectMany(c => c.Data.Select(d => (int)d.Label)).ToArray();
        var isPidgin = corpusOf.Select(k => k == pidginIndex).ToArray();
        var (vectors, tokens, markers) = FeaturizeAll(featurizer, texts);
        var weights = ExampleWeights(labels, corpusOf, pidginIndex, options);
        var strata = labels.Select((l, i) => (corpusOf[i] * 3) + l).ToArray();
        var lexicon = new PidginLexiconFolds(tokens, labels, isPidgin, pidginIndex >= 0 && options.Featurizer.Pidgin);

        var steps = (options.Folds > 1 ? options.Folds : 0) + 1;
        CrossValidationSummary? summary = null;
        var offsets = new double[BuiltInSentimentModel.Classes];
        double[]? pidginOffsets = null;
        var threshold = 0;
        IReadOnlyList<OutOfFoldPrediction> predictions = [];
        if (options.Folds > 1)
        {
            var fold = StratifiedFolds(strata, options.Folds, options.Seed);
            var outOfFold = new double[labels.Length][];
            var foldScores = corpora.Select(_ => new double[options.Folds]).ToArray();
            Span<float> features = stackalloc float[SentimentFeaturizer.PidginLexiconFeatureCount];
            for (var f = 0; f < options.Folds; f++)
            {
                progress?.Report(new TrainingProgress($"fold {f + 1}/{options.Folds}", (double)f / steps));
                var trainIndex = Enumerable.Range(0, labels.Length).Where(i => fold[i] != f).ToArray();
                var trainFeatures = lexicon.CrossFitted(trainIndex, fold, out var foldLexicon);
                var (model, _, _, _, _) = Fit(featurizer, vectors, trainFeatures, labels, weights, trainIndex, options);
                var heldOut = Enumerable.Range(0, labels.Length).Where(i => fold[i] == f).ToArray();
                var scratch = new SentimentFeaturizer.Scratch();
                foreach (var i in heldOut)
                {
                    lexicon.Features(i, foldLexicon, features);
                    outOfFold[i] = Logits(model, Merge(vectors[i], features), scratch);
                }

                for (var k = 0; k < corpora.Count; k++)
                {
                    var rows = heldOut.Where(i => corpusOf[i] == k).ToArray();
                    foldScores[k][f] = Metric(k == pidginIndex, rows.Select(i => labels[i]).ToArray(), rows.Select(i => outOfFold[i]).ToArray(), [0, 0, 0]);
                }
            }

            var english = Enumerable.Range(0, labels.Length).Where(i => !isPidgin[i]).ToArray();
            var pidgin = Enumerable.Range(0, labels.Length).Where(i => isPidgin[i]).ToArray();
            if (options.TuneClassOffsets && english.Length > 0)
            {
                offsets = TuneOffsets(english.Select(i => labels[i]).ToArray(), english.Select(i => outOfFold[i]).ToArray(), MacroRecall);
            }

            // Without the Pidgin features the scorer counts no markers, so it could not tell when to use Pidgin offsets.
            if (options.TuneClassOffsets && options.PidginOffsets && options.Featurizer.Pidgin && pidgin.Length > 0)
            {
                pidginOffsets = TuneOffsets(pidgin.Select(i => labels[i]).ToArray(), pidgin.Select(i => outOfFold[i]).ToArray(), WeightedF1);
                threshold = TuneThreshold(corpora.Count, pidginIndex, corpusOf, labels, markers, outOfFold, offsets, pidginOffsets);
            }

            var corpusSummaries = new List<CorpusCrossValidation>();
            for (var k = 0; k < corpora.Count; k++)
            {
                var rows = Enumerable.Range(0, labels.Length).Where(i => corpusOf[i] == k).ToArray();
                var gold = rows.Select(i => labels[i]).ToArray();
                var raw = Metric(k == pidginIndex, gold, rows.Select(i => outOfFold[i]).ToArray(), [0, 0, 0]);
                var adjusted = Metric(k == pidginIndex, gold, rows.Select(i => Shift(outOfFold[i], markers[i], offsets, pidginOffsets, threshold)).ToArray(), [0, 0, 0]);
                corpusSummaries.Add(new CorpusCrossValidation(corpora[k].Name, k == pidginIndex ? "weighted-f1" : "macro-recall", rows.Length, raw, adjusted, foldScores[k]));
            }

            summary = new CrossValidationSummary(options.Folds, corpusSummaries);
            predictions = Enumerable.Range(0, labels.Length)
                .Select(i => new OutOfFoldPrediction(corpora[corpusOf[i]].Name, fold[i], (SentimentLabel)labels[i], markers[i], outOfFold[i], tokens[i]))
                .ToArray();
        }

        progress?.Report(new TrainingProgress("final model", (double)(steps - 1) / steps));
        var all = Enumerable.Range(0, labels.Length).ToArray();
        // The final fit's Pidgin rows get lexicon features from lexicons that never saw them, as in
        // cross-validation; the shipped lexicon is learned from all of the Pidgin training file.
        var groups = StratifiedFolds(strata, Math.Max(options.Folds, 5), options.Seed);
        var finalFeatures = lexicon.CrossFitted(all, groups, out var finalLexicon);
        var finalFeaturizer = new SentimentFeaturizer(options.Featurizer, pidginLexicon: finalLexicon);
        var (final, ml, transformer, schema, scale) = Fit(finalFeaturizer, vectors, finalFeatures, labels, weights, all, options);
        var metadata = new BuiltInSentimentMetadata
        {
            ModelVersion = "",
            Featurizer = options.Featurizer,
            ClassOffsets = offsets,
            PidginClassOffsets = pidginOffsets,
            PidginMarkerThreshold = threshold,
            PidginLexiconFile = finalLexicon.Count > 0 ? PidginLexicon.FileName : null,
            FeatureScaleFile = scale is not null ? FeatureScale.FileName : null,
            Trainer = options,
            CrossValidation = summary,
            TrainingExamples = labels.Length,
            TrainedAt = DateTimeOffset.UtcNow,
        };
        metadata = metadata with { ModelVersion = VersionOf(metadata, final) };
        if (outputFolder is not null)
        {
            BuiltInSentimentModel.Save(outputFolder, ml, transformer, schema, metadata, finalLexicon, scale);
        }

        progress?.Report(new TrainingProgress("done", 1));
        return new Result(final, metadata, watch.Elapsed, predictions);
    }

    /// <summary>The corpus metric: weighted F1 for Pidgin (AfriSenti's), macro recall otherwise (TweetEval's).</summary>
    private static double Metric(bool pidgin, IReadOnlyList<int> labels, IReadOnlyList<double[]> logits, double[] offsets) =>
        pidgin ? WeightedF1(labels, logits, offsets) : MacroRecall(labels, logits, offsets);

    /// <summary>Logits plus the offsets the scorer would add for a text with <paramref name="markers"/> Pidgin markers.</summary>
    private static double[] Shift(double[] logits, int markers, double[] offsets, double[]? pidginOffsets, int threshold)
    {
        var chosen = pidginOffsets is not null && markers >= threshold ? pidginOffsets : offsets;
        return [logits[0] + chosen[0], logits[1] + chosen[1], logits[2] + chosen[2]];
    }

    /// <summary>
    /// The number of Pidgin markers from which a text gets the Pidgin offsets: 1, 2 or 3, whichever
    /// gives the best sum of the corpora's out-of-fold metrics (ties to the smaller).
    /// </summary>
    private static int TuneThreshold(int corpusCount, int pidginIndex, int[] corpusOf, int[] labels, int[] markers, double[][] outOfFold, double[] offsets, double[] pidginOffsets)
    {
        var best = (Score: double.NegativeInfinity, Threshold: 1);
        foreach (var threshold in new[] { 1, 2, 3 })
        {
            double sum = 0;
            for (var k = 0; k < corpusCount; k++)
            {
                var rows = Enumerable.Range(0, labels.Length).Where(i => corpusOf[i] == k).ToArray();
                sum += Metric(k == pidginIndex, rows.Select(i => labels[i]).ToArray(), rows.Select(i => Shift(outOfFold[i], markers[i], offsets, pidginOffsets, threshold)).ToArray(), [0, 0, 0]);
            }

            if (sum > best.Score + 1e-12)
            {
                best = (sum, threshold);
            }
        }

        return best.Threshold;
    }

    /// <summary>Weighted F1 (F1 per class weighted by its support) of argmax(logits + offsets).</summary>
    public static double WeightedF1(IReadOnlyList<int> labels, IReadOnlyList<double[]> logits, double[] offsets)
    {
        var confusion = new int[3, 3];
        for (var i = 0; i < labels.Count; i++)
        {
            confusion[labels[i], ArgMax(logits[i], offsets)]++;
        }

        return SentimentEvaluation.FromConfusion(confusion).WeightedF1;
    }

    /// <summary>Macro recall of argmax(logits + offsets) against the labels.</summary>
    public static double MacroRecall(IReadOnlyList<int> labels, IReadOnlyList<double[]> logits, double[] offsets)
    {
        Span<int> hits = stackalloc int[3];
        Span<int> totals = stackalloc int[3];
        for (var i = 0; i < labels.Count; i++)
        {
            totals[labels[i]]++;
            if (ArgMax(logits[i], offsets) == labels[i])
            {
                hits[labels[i]]++;
            }
        }

        double sum = 0;
        var present = 0;
        for (var c = 0; c < 3; c++)
        {
            if (totals[c] > 0)
            {
                sum += (double)hits[c] / totals[c];
                present++;
            }
        }

        return present == 0 ? 0 : sum / present;
    }

    /// <summary>Grid search of the negative and positive offsets (neutral fixed at 0) maximising <paramref name="metric"/>, coarse then fine.</summary>
    private static double[] TuneOffsets(int[] labels, double[][] logits, Func<IReadOnlyList<int>, IReadOnlyList<double[]>, double[], double> metric)
    {
        double bestNegative = 0, bestPositive = 0;
        var best = metric(labels, logits, new double[3]);
        foreach (var (centerScale, step) in new[] { (2.0, 0.1), (0.2, 0.02) })
        {
            var (n0, p0) = (bestNegative, bestPositive);
            for (var n = n0 - centerScale; n <= n0 + centerScale + 1e-9; n += step)
            {
                for (var p = p0 - centerScale; p <= p0 + centerScale + 1e-9; p += step)
                {
                    var recall = metric(labels, logits, [n, 0, p]);
                    // Ties go to the smaller adjustment: offsets are a correction, not a free parameter.
                    if (recall > best + 1e-12 || (Math.Abs(recall - best) <= 1e-12 && Math.Abs(n) + Math.Abs(p) < Math.Abs(bestNegative) + Math.Abs(bestPositive)))
                    {
                        (best, bestNegative, bestPositive) = (recall, n, p);
                    }
                }
            }
        }

        return [Math.Round(bestNegative, 4), 0, Math.Round(bestPositive, 4)];
    }

    private static int ArgMax(double[] logits, double[] offsets)
    {
        var best = 0;
        for (var c = 1; c < logits.Length; c++)
        {
            if (logits[c] + offsets[c] > logits[best] + offsets[best])
            {
                best = c;
            }
        }

        return best;
    }

    /// <param name="scratch">Reused across calls: it only carries the already featurised vector.</param>
    private static double[] Logits(BuiltInSentimentModel model, (int[] Indices, float[] Values) vector, SentimentFeaturizer.Scratch scratch)
    {
        Load(scratch, vector);
        var logits = new double[3];
        model.Logits(scratch, logits);
        return logits;
    }

    private static void Load(SentimentFeaturizer.Scratch scratch, (int[] Indices, float[] Values) vector)
    {
        scratch.Indices = vector.Indices;
        scratch.Values = vector.Values;
        scratch.Count = vector.Indices.Length;
    }

    /// <summary>Each text's features without the learned lexicon's (added per fold, see <see cref="Merge"/>), its tokens and its Pidgin marker count.</summary>
    private static ((int[] Indices, float[] Values)[] Vectors, SentimentToken[][] Tokens, int[] Markers) FeaturizeAll(SentimentFeaturizer featurizer, string[] texts)
    {
        var vectors = new (int[], float[])[texts.Length];
        var tokens = new SentimentToken[texts.Length][];
        var markers = new int[texts.Length];
        Parallel.For(0, texts.Length, () => new SentimentFeaturizer.Scratch(), (i, _, scratch) =>
        {
            featurizer.Featurize(texts[i], scratch);
            vectors[i] = (scratch.IndicesSpan.ToArray(), scratch.ValuesSpan.ToArray());
            tokens[i] = scratch.LastTokens.ToArray();
            markers[i] = scratch.PidginMarkers;
            return scratch;
        }, _ => { });
        return (vectors, tokens, markers);
    }

    /// <summary>
    /// A vector with the learned lexicon's features put in their dense slots (the vector came from a
    /// featurizer without the lexicon, so those slots are empty): the same as featurising with it.
    /// </summary>
    public static (int[] Indices, float[] Values) Merge((int[] Indices, float[] Values) vector, ReadOnlySpan<float> lexiconFeatures)
    {
        var extra = 0;
        foreach (var value in lexiconFeatures)
        {
            extra += value != 0 ? 1 : 0;
        }

        if (extra == 0)
        {
            return vector;
        }

        var indices = new int[vector.Indices.Length + extra];
        var values = new float[indices.Length];
        var read = 0;
        var write = 0;
        while (read < vector.Indices.Length && vector.Indices[read] < SentimentFeaturizer.PidginLexiconFeatureStart)
        {
            (indices[write], values[write]) = (vector.Indices[read], vector.Values[read]);
            read++;
            write++;
        }

        for (var f = 0; f < lexiconFeatures.Length; f++)
        {
            if (lexiconFeatures[f] != 0)
            {
                (indices[write], values[write]) = (SentimentFeaturizer.PidginLexiconFeatureStart + f, lexiconFeatures[f]);
                write++;
            }
        }

        Array.Copy(vector.Indices, read, indices, write, vector.Indices.Length - read);
        Array.Copy(vector.Values, read, values, write, vector.Values.Length - read);
        return (indices, values);
    }

    /// <summary>
    /// English-like corpora: n_corpus / (3 · n_class) when balancing (macro recall rewards the small
    /// classes); the Pidgin corpus: <see cref="BuiltInTrainerOptions.PidginWeight"/> for every example.
    /// </summary>
    private static float[] ExampleWeights(int[] labels, int[] corpusOf, int pidginIndex, BuiltInTrainerOptions options)
    {
        var weights = new float[labels.Length];
        foreach (var corpus in corpusOf.Distinct())
        {
            var rows = Enumerable.Range(0, labels.Length).Where(i => corpusOf[i] == corpus).ToArray();
            var counts = new int[3];
            foreach (var i in rows)
            {
                counts[labels[i]]++;
            }

            foreach (var i in rows)
            {
                weights[i] = corpus == pidginIndex ? options.PidginWeight
                    : options.BalanceClasses ? (float)rows.Length / (3f * counts[labels[i]])
                    : 1f;
            }
        }

        return weights;
    }

    /// <summary>
    /// The learned Pidgin lexicon's features, honest about what each lexicon has seen: a training
    /// row's Pidgin tweet gets features from a lexicon learned without its group (cross-fitting), so
    /// the model does not learn to trust scores its own labels made.
    /// </summary>
    private sealed class PidginLexiconFolds(SentimentToken[][] tokens, int[] labels, bool[] isPidgin, bool enabled)
    {
        /// <summary>Lexicon features of every row in <paramref name="rows"/>: other rows' from the lexicon of all Pidgin rows in <paramref name="rows"/> (returned as <paramref name="lexicon"/>); Pidgin rows' from the lexicon without their group.</summary>
        public float[]?[] CrossFitted(int[] rows, int[] group, out PidginLexicon lexicon)
        {
            var result = new float[]?[tokens.Length];
            var pidginRows = enabled ? rows.Where(i => isPidgin[i]).ToArray() : [];
            lexicon = Build(pidginRows);
            if (lexicon.Count == 0)
            {
                return result;
            }

            foreach (var i in rows.Where(i => !isPidgin[i]))
            {
                result[i] = new float[SentimentFeaturizer.PidginLexiconFeatureCount];
                Features(i, lexicon, result[i]);
            }

            foreach (var g in pidginRows.Select(i => group[i]).Distinct())
            {
                var without = Build(pidginRows.Where(i => group[i] != g).ToArray());
                foreach (var i in pidginRows.Where(i => group[i] == g))
                {
                    result[i] = new float[SentimentFeaturizer.PidginLexiconFeatureCount];
                    Features(i, without, result[i]);
                }
            }

            return result;
        }

        public void Features(int row, PidginLexicon lexicon, Span<float> features) =>
            SentimentFeaturizer.PidginLexiconFeatures(tokens[row], lexicon, features);

        private PidginLexicon Build(int[] rows) =>
            rows.Length == 0 ? PidginLexicon.Empty : PidginLexicon.Build(rows.Select(i => ((IReadOnlyList<SentimentToken>)tokens[i], (SentimentLabel)labels[i])));
    }

    /// <summary>Fold number of each example: each stratum (corpus × class) shuffled and dealt round-robin, so every fold has the mix of the whole.</summary>
    private static int[] StratifiedFolds(int[] strata, int folds, int seed)
    {
        var random = new Random(seed);
        var labels = strata;
        var fold = new int[labels.Length];
        foreach (var c in strata.Distinct().Order())
        {
            var members = Enumerable.Range(0, labels.Length).Where(i => labels[i] == c).ToArray();
            random.Shuffle(members);
            for (var k = 0; k < members.Length; k++)
            {
                fold[members[k]] = k % folds;
            }
        }

        return fold;
    }

    /// <param name="lexiconFeatures">Per row, the learned lexicon's features to merge in (null: none).</param>
    private static (BuiltInSentimentModel Model, MLContext Ml, ITransformer Transformer, DataViewSchema Schema, float[]? Scale) Fit(
        SentimentFeaturizer featurizer,
        (int[] Indices, float[] Values)[] vectors,
        float[]?[] lexiconFeatures,
        int[] labels,
        float[] weights,
        int[] rows,
        BuiltInTrainerOptions options)
    {
        var scale = options.NaiveBayesScaling
            ? FeatureScale.NaiveBayes(rows.Select(i => vectors[i].Indices), rows.Select(i => labels[i]), featurizer.Dimension, SentimentFeaturizer.DenseCount, options.NaiveBayesAlpha)
            : null;
        var ml = new MLContext(options.Seed);
        var definition = SchemaDefinition.Create(typeof(Row));
        definition[nameof(Row.Label)].ColumnType = new KeyDataViewType(typeof(uint), BuiltInSentimentModel.Classes);
        definition[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, featurizer.Dimension);
        // LoadFromEnumerable takes a key column's raw values as 0-based class indices (measured: 1-based
        // values left class 0 empty), so class c is raw value c and score column c.
        var data = ml.Data.LoadFromEnumerable(
            rows.Select(i =>
            {
                var vector = lexiconFeatures[i] is { } extra ? Merge(vectors[i], extra) : vectors[i];
                if (scale is not null)
                {
                    vector = (vector.Indices, FeatureScale.Apply(scale, vector.Indices, vector.Values));
                }

                return new Row
                {
                    Label = (uint)labels[i],
                    Features = new VBuffer<float>(featurizer.Dimension, vector.Indices.Length, vector.Values, vector.Indices),
                    Weight = weights[i],
                };
            }),
            definition);
        IEstimator<ISingleFeaturePredictionTransformer<LinearMulticlassModelParametersBase>> trainer = options.Algorithm switch
        {
            "lbfgs" => Lbfgs(ml, options),
            "sdca" => Sdca(ml, options),
            var other => throw new ArgumentException($"Unknown sentiment trainer '{other}' (lbfgs or sdca).", nameof(options)),
        };
        var transformer = trainer.Fit(ml.Data.Cache(data));
        return (BuiltInSentimentModel.FromParameters(featurizer, transformer.Model, scale), ml, transformer, data.Schema, scale);
    }

    private static IEstimator<ISingleFeaturePredictionTransformer<LinearMulticlassModelParametersBase>> Sdca(MLContext ml, BuiltInTrainerOptions options) =>
        ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(new SdcaMaximumEntropyMulticlassTrainer.Options
        {
            LabelColumnName = nameof(Row.Label),
            FeatureColumnName = nameof(Row.Features),
            ExampleWeightColumnName = nameof(Row.Weight),
            L2Regularization = options.L2Regularization,
            L1Regularization = options.L1Regularization,
            MaximumNumberOfIterations = options.MaximumIterations,
            ConvergenceTolerance = options.OptimizationTolerance ?? 0.1f,
            NumberOfThreads = options.Threads,
            Shuffle = true,
        });

    private static IEstimator<ISingleFeaturePredictionTransformer<LinearMulticlassModelParametersBase>> Lbfgs(MLContext ml, BuiltInTrainerOptions options) =>
        ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new LbfgsMaximumEntropyMulticlassTrainer.Options
        {
            LabelColumnName = nameof(Row.Label),
            FeatureColumnName = nameof(Row.Features),
            ExampleWeightColumnName = nameof(Row.Weight),
            L2Regularization = options.L2Regularization ?? 1f,
            L1Regularization = options.L1Regularization,
            MaximumNumberOfIterations = options.MaximumIterations ?? 100,
            OptimizationTolerance = options.OptimizationTolerance ?? 1e-7f,
            NumberOfThreads = options.Threads,
            ShowTrainingStatistics = false,
        });

    /// <summary><c>builtin-sentiment-YYYYMMDD-hash</c>: the hash covers the settings and the weights, so two different models never share a version.</summary>
    private static string VersionOf(BuiltInSentimentMetadata metadata, BuiltInSentimentModel model)
    {
        var probe = new SentimentFeaturizer.Scratch();
        model.Featurizer.Featurize("version probe :) not bad at all", probe);
        var logits = new double[3];
        model.Logits(probe, logits);
        var text = JsonSerializer.Serialize(metadata with { ModelVersion = "", TrainedAt = default }, BuiltInSentimentModel.Json)
            + string.Join(',', logits.Select(l => l.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..8];
        return $"builtin-sentiment-{metadata.TrainedAt:yyyyMMdd}-{hash}";
    }
}
