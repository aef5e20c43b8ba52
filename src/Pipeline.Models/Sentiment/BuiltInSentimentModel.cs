using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace Pipeline.Models.Sentiment;

/// <summary>What <c>sentiment.json</c> beside <c>model.zip</c> holds: everything scoring needs besides the weights.</summary>
public sealed record BuiltInSentimentMetadata
{
    /// <summary>
    /// 3: format 2 plus NB-SVM feature scales (<see cref="FeatureScaleFile"/>); a format-2 reader would
    /// ignore them and score with unscaled weights, hence the new number. 2: Pidgin features (21 dense
    /// features), a Pidgin lexicon file and Pidgin class offsets.
    /// </summary>
    public const int CurrentFormat = 3;

    public int Format { get; init; } = CurrentFormat;

    public required string ModelVersion { get; init; }

    public required SentimentFeaturizerOptions Featurizer { get; init; }

    /// <summary>Added to the class scores (negative, neutral, positive) before the softmax: priors tuned for macro recall by cross-validation.</summary>
    public required double[] ClassOffsets { get; init; }

    /// <summary>
    /// Offsets used instead of <see cref="ClassOffsets"/> for a text with at least
    /// <see cref="PidginMarkerThreshold"/> Pidgin markers: tuned by cross-validation for weighted F1 on
    /// the Pidgin training file. Null: one set of offsets for every text.
    /// </summary>
    public double[]? PidginClassOffsets { get; init; }

    public int PidginMarkerThreshold { get; init; }

    /// <summary>The learned Pidgin lexicon beside the model (<see cref="PidginLexicon.FileName"/>), or null for none.</summary>
    public string? PidginLexiconFile { get; init; }

    /// <summary>The NB-SVM feature scales beside the model (<see cref="FeatureScale.FileName"/>), folded into the weights on load; null for none.</summary>
    public string? FeatureScaleFile { get; init; }

    public required BuiltInTrainerOptions Trainer { get; init; }

    public CrossValidationSummary? CrossValidation { get; init; }

    public int TrainingExamples { get; init; }

    public DateTimeOffset TrainedAt { get; init; }
}

/// <summary>Out-of-fold results per training corpus.</summary>
public sealed record CrossValidationSummary(int Folds, IReadOnlyList<CorpusCrossValidation> Corpora);

/// <summary>
/// One corpus's cross-validation: its metric (<c>macro-recall</c> or <c>weighted-f1</c>) on the
/// out-of-fold predictions by argmax, and with the tuned offsets as the scorer applies them (tuned on
/// the same predictions: slightly optimistic), with the per-fold argmax values.
/// </summary>
public sealed record CorpusCrossValidation(string Name, string Metric, int Examples, double Argmax, double WithOffsets, double[] FoldArgmax);

/// <summary>
/// The trained linear model in scoring form: weights laid out feature-major (3 floats a feature) so
/// a sparse dot product reads one cache line per feature. Immutable; scoring is thread-safe.
/// </summary>
public sealed class BuiltInSentimentModel
{
    public const string ModelFileName = "model.zip";
    public const string MetadataFileName = "sentiment.json";
    public const int Classes = 3;

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly float[] _weights;
    private readonly float[] _biases;

    internal BuiltInSentimentModel(SentimentFeaturizer featurizer, float[] weights, float[] biases)
    {
        Featurizer = featurizer;
        _weights = weights;
        _biases = biases;
    }

    public SentimentFeaturizer Featurizer { get; }

    /// <summary>Builds the scoring form from ML.NET's multiclass linear parameters (classes in key order 0, 1, 2).</summary>
    /// <param name="scale">The trainer's per-feature input multipliers (see <see cref="FeatureScale"/>), folded into the weights; null for none.</param>
    internal static BuiltInSentimentModel FromParameters(SentimentFeaturizer featurizer, LinearMulticlassModelParametersBase parameters, float[]? scale = null)
    {
        VBuffer<float>[] classWeights = [];
        parameters.GetWeights(ref classWeights, out var classes);
        if (classes != Classes)
        {
            throw new InvalidDataException($"The sentiment model has {classes} classes, expected {Classes}.");
        }

        var weights = new float[featurizer.Dimension * Classes];
        for (var c = 0; c < Classes; c++)
        {
            var vector = classWeights[c];
            if (vector.Length != featurizer.Dimension)
            {
                throw new InvalidDataException($"The sentiment model has {vector.Length} features, the featurizer makes {featurizer.Dimension}.");
            }

            foreach (var (index, value) in vector.Items())
            {
                weights[(index * Classes) + c] = scale is null ? value : value * scale[index];
            }
        }

        return new BuiltInSentimentModel(featurizer, weights, parameters.GetBiases().ToArray());
    }

    /// <summary>Class scores (logits) of one featurised text, without offsets.</summary>
    public void Logits(SentimentFeaturizer.Scratch features, Span<double> logits)
    {
        double negative = _biases[0], neutral = _biases[1], positive = _biases[2];
        var indices = features.IndicesSpan;
        var values = features.ValuesSpan;
        var weights = _weights.AsSpan();
        for (var k = 0; k < indices.Length; k++)
        {
            var row = weights.Slice(indices[k] * Classes, Classes);
            var value = values[k];
            negative += row[0] * value;
            neutral += row[1] * value;
            positive += row[2] * value;
        }

        logits[0] = negative;
        logits[1] = neutral;
        logits[2] = positive;
    }

    /// <summary>Softmax of logits + offsets, in place.</summary>
    public static void Softmax(Span<double> logits, ReadOnlySpan<double> offsets)
    {
        var max = double.NegativeInfinity;
        for (var c = 0; c < logits.Length; c++)
        {
            logits[c] += offsets.IsEmpty ? 0 : offsets[c];
            max = Math.Max(max, logits[c]);
        }

        double sum = 0;
        for (var c = 0; c < logits.Length; c++)
        {
            logits[c] = Math.Exp(logits[c] - max);
            sum += logits[c];
        }

        for (var c = 0; c < logits.Length; c++)
        {
            logits[c] /= sum;
        }
    }

    /// <summary>Writes ML.NET's model (the trainer's output, reloadable by ML.NET itself) and our metadata.</summary>
    internal static void Save(string folder, MLContext ml, ITransformer transformer, DataViewSchema inputSchema, BuiltInSentimentMetadata metadata, PidginLexicon pidgin, float[]? scale)
    {
        Directory.CreateDirectory(folder);
        if (metadata.FeatureScaleFile is { } scaleFile && scale is not null)
        {
            FeatureScale.Save(Path.Combine(folder, scaleFile), scale);
        }

        if (metadata.PidginLexiconFile is { } lexiconFile)
        {
            pidgin.Save(Path.Combine(folder, lexiconFile));
        }

        ml.Model.Save(transformer, inputSchema, Path.Combine(folder, ModelFileName));
        File.WriteAllText(Path.Combine(folder, MetadataFileName), JsonSerializer.Serialize(metadata, Json));
    }

    /// <summary>Loads <c>model.zip</c> and <c>sentiment.json</c> from <paramref name="folder"/>.</summary>
    public static (BuiltInSentimentModel Model, BuiltInSentimentMetadata Metadata) Load(string folder)
    {
        var metadataPath = Path.Combine(folder, MetadataFileName);
        var modelPath = Path.Combine(folder, ModelFileName);
        if (!File.Exists(metadataPath) || !File.Exists(modelPath))
        {
            throw new SentimentModelException(folder,
                $"No built-in sentiment model in {Path.GetFullPath(folder)}: expected {ModelFileName} and {MetadataFileName} (train one with the train-sentiment verb).");
        }

        // A damaged folder is as unusable as a missing one: one exception type, naming the folder.
        try
        {
            var metadata = JsonSerializer.Deserialize<BuiltInSentimentMetadata>(File.ReadAllText(metadataPath), Json)
                ?? throw new InvalidDataException($"{metadataPath} is empty.");
            if (metadata.Format != BuiltInSentimentMetadata.CurrentFormat)
            {
                throw new InvalidDataException($"{metadataPath} has format {metadata.Format}; this build reads format {BuiltInSentimentMetadata.CurrentFormat}.");
            }

            if (metadata.ClassOffsets.Length != Classes || metadata.PidginClassOffsets is { Length: not Classes })
            {
                throw new InvalidDataException($"{metadataPath}: classOffsets and pidginClassOffsets must have {Classes} values.");
            }

            var pidgin = metadata.PidginLexiconFile is { } lexiconFile
                ? PidginLexicon.Load(Path.Combine(folder, Path.GetFileName(lexiconFile)))
                : PidginLexicon.Empty;

            var featurizer = new SentimentFeaturizer(metadata.Featurizer, pidginLexicon: pidgin);
            var scale = metadata.FeatureScaleFile is { } scaleFile
                ? FeatureScale.Load(Path.Combine(folder, Path.GetFileName(scaleFile)), featurizer.Dimension)
                : null;
            var ml = new MLContext();
            var transformer = ml.Model.Load(modelPath, out _);
            var parameters = transformer switch
            {
                ISingleFeaturePredictionTransformer<object> single when single.Model is LinearMulticlassModelParametersBase p => p,
                _ => FindParameters(transformer),
            };
            return (FromParameters(featurizer, parameters, scale), metadata);
        }
        catch (Exception e) when (e is InvalidDataException or JsonException or IOException or FormatException)
        {
            throw new SentimentModelException(folder, $"The built-in sentiment model in {Path.GetFullPath(folder)} cannot be read: {e.Message}", e);
        }
    }

    private static LinearMulticlassModelParametersBase FindParameters(ITransformer transformer)
    {
        if (transformer is TransformerChain<ITransformer> chain)
        {
            foreach (var part in chain.Reverse())
            {
                if (part is ISingleFeaturePredictionTransformer<object> { Model: LinearMulticlassModelParametersBase p })
                {
                    return p;
                }
            }
        }

        throw new InvalidDataException($"The sentiment model.zip holds a {transformer.GetType().Name}, not a linear multiclass model.");
    }
}
