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
}

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
    public sealed record Result(BuiltInSentimentModel Model, BuiltInSentimentMetadata Metadata, TimeSpan Elapsed);

    private sealed class Row
    {
        public uint Label { get; set; }

        public VBuffer<float> Features { get; set; }

        public float Weight { get; set; }
    }

    /// <summary>Trains, cross-validates and (when <paramref name="outputFolder"/> is given) saves the model there.</summary>
    public static Result Train(
        IReadOnlyList<LabelledText> data,
        BuiltInTrainerOptions options,
        string? outputFolder = null,
        IProgress<TrainingProgress>? progress = null)
    {
        if (data.Count == 0)
        {
            throw new ArgumentException("No training examples.", nameof(data));
        }

        var missing = Enum.GetValues<SentimentLabel>().Where(l => data.All(d => d.Label != l)).ToArray();
        if (missing.Length > 0)
        {
            throw new ArgumentException($"The training data has no {string.Join(", ", missing)} example; all three classes are needed.", nameof(data));
        }

        var watch = Stopwatch.StartNew();
        var featurizer = new SentimentFeaturizer(options.Featurizer);
        progress?.Report(new TrainingProgress("featurising", 0));
        var vectors = FeaturizeAll(featurizer, data.Select(d => d.Text).ToArray());
        var labels = data.Select(d => (int)d.Label).ToArray();
        var weights = ExampleWeights(labels, options.BalanceClasses);

        var steps = (options.Folds > 1 ? options.Folds : 0) + 1;
        CrossValidationSummary? summary = null;
        var offsets = new double[BuiltInSentimentModel.Classes];
        if (options.Folds > 1)
        {
            var fold = StratifiedFolds(labels, options.Folds, options.Seed);
            var outOfFold = new double[labels.Length][];
            var foldRecalls = new double[options.Folds];
            for (var f = 0; f < options.Folds; f++)
            {
                progress?.Report(new TrainingProgress($"fold {f + 1}/{options.Folds}", (double)f / steps));
                var trainIndex = Enumerable.Range(0, labels.Length).Where(i => fold[i] != f).ToArray();
                var (model, _, _, _) = Fit(featurizer, vectors, labels, weights, trainIndex, options);
                var heldOut = Enumerable.Range(0, labels.Length).Where(i => fold[i] == f).ToArray();
                var scratch = new SentimentFeaturizer.Scratch();
                foreach (var i in heldOut)
                {
                    outOfFold[i] = Logits(model, vectors[i], scratch);
                }

                foldRecalls[f] = MacroRecall(heldOut.Select(i => labels[i]).ToArray(), heldOut.Select(i => outOfFold[i]).ToArray(), new double[3]);
            }

            var raw = MacroRecall(labels, outOfFold, new double[3]);
            if (options.TuneClassOffsets)
            {
                offsets = TuneOffsets(labels, outOfFold);
            }

            summary = new CrossValidationSummary(options.Folds, raw, MacroRecall(labels, outOfFold, offsets), foldRecalls);
        }

        progress?.Report(new TrainingProgress("final model", (double)(steps - 1) / steps));
        var all = Enumerable.Range(0, labels.Length).ToArray();
        var (final, ml, transformer, schema) = Fit(featurizer, vectors, labels, weights, all, options);
        var metadata = new BuiltInSentimentMetadata
        {
            ModelVersion = "",
            Featurizer = options.Featurizer,
            ClassOffsets = offsets,
            Trainer = options,
            CrossValidation = summary,
            TrainingExamples = data.Count,
            TrainedAt = DateTimeOffset.UtcNow,
        };
        metadata = metadata with { ModelVersion = VersionOf(metadata, final) };
        if (outputFolder is not null)
        {
            BuiltInSentimentModel.Save(outputFolder, ml, transformer, schema, metadata);
        }

        progress?.Report(new TrainingProgress("done", 1));
        return new Result(final, metadata, watch.Elapsed);
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

    /// <summary>Grid search of the negative and positive offsets (neutral fixed at 0), coarse then fine.</summary>
    private static double[] TuneOffsets(int[] labels, double[][] logits)
    {
        double bestNegative = 0, bestPositive = 0;
        var best = MacroRecall(labels, logits, new double[3]);
        foreach (var (centerScale, step) in new[] { (2.0, 0.1), (0.2, 0.02) })
        {
            var (n0, p0) = (bestNegative, bestPositive);
            for (var n = n0 - centerScale; n <= n0 + centerScale + 1e-9; n += step)
            {
                for (var p = p0 - centerScale; p <= p0 + centerScale + 1e-9; p += step)
                {
                    var recall = MacroRecall(labels, logits, [n, 0, p]);
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

    private static (int[] Indices, float[] Values)[] FeaturizeAll(SentimentFeaturizer featurizer, string[] texts)
    {
        var vectors = new (int[], float[])[texts.Length];
        Parallel.For(0, texts.Length, () => new SentimentFeaturizer.Scratch(), (i, _, scratch) =>
        {
            featurizer.Featurize(texts[i], scratch);
            vectors[i] = (scratch.IndicesSpan.ToArray(), scratch.ValuesSpan.ToArray());
            return scratch;
        }, _ => { });
        return vectors;
    }

    private static float[] ExampleWeights(int[] labels, bool balance)
    {
        var counts = new int[3];
        foreach (var label in labels)
        {
            counts[label]++;
        }

        return labels.Select(l => balance ? (float)labels.Length / (3f * counts[l]) : 1f).ToArray();
    }

    /// <summary>Fold number of each example: each class shuffled and dealt round-robin, so every fold has the class mix of the whole.</summary>
    private static int[] StratifiedFolds(int[] labels, int folds, int seed)
    {
        var random = new Random(seed);
        var fold = new int[labels.Length];
        for (var c = 0; c < 3; c++)
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

    private static (BuiltInSentimentModel Model, MLContext Ml, ITransformer Transformer, DataViewSchema Schema) Fit(
        SentimentFeaturizer featurizer,
        (int[] Indices, float[] Values)[] vectors,
        int[] labels,
        float[] weights,
        int[] rows,
        BuiltInTrainerOptions options)
    {
        var ml = new MLContext(options.Seed);
        var definition = SchemaDefinition.Create(typeof(Row));
        definition[nameof(Row.Label)].ColumnType = new KeyDataViewType(typeof(uint), BuiltInSentimentModel.Classes);
        definition[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, featurizer.Dimension);
        // LoadFromEnumerable takes a key column's raw values as 0-based class indices (measured: 1-based
        // values left class 0 empty), so class c is raw value c and score column c.
        var data = ml.Data.LoadFromEnumerable(
            rows.Select(i => new Row
            {
                Label = (uint)labels[i],
                Features = new VBuffer<float>(featurizer.Dimension, vectors[i].Indices.Length, vectors[i].Values, vectors[i].Indices),
                Weight = weights[i],
            }),
            definition);
        IEstimator<ISingleFeaturePredictionTransformer<LinearMulticlassModelParametersBase>> trainer = options.Algorithm switch
        {
            "lbfgs" => Lbfgs(ml, options),
            "sdca" => Sdca(ml, options),
            var other => throw new ArgumentException($"Unknown sentiment trainer '{other}' (lbfgs or sdca).", nameof(options)),
        };
        var transformer = trainer.Fit(ml.Data.Cache(data));
        return (BuiltInSentimentModel.FromParameters(featurizer, transformer.Model), ml, transformer, data.Schema);
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
