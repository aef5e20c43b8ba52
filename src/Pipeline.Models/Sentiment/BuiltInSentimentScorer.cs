using Pipeline.Models.Domain;

namespace Pipeline.Models.Sentiment;

/// <summary>
/// The default, offline scorer: the model that <c>train-sentiment</c> writes (shipped in
/// <c>models/sentiment</c>). Thread-safe: the model is immutable and each call uses its own
/// buffers. Large batches are scored on all cores.
/// </summary>
public sealed class BuiltInSentimentScorer : ISentimentScorer
{
    /// <summary>Below this many texts a batch is scored on the calling thread: fanning out costs more than it saves.</summary>
    private const int ParallelThreshold = 256;

    private readonly BuiltInSentimentModel _model;
    private readonly double[] _offsets;
    private readonly double[] _pidginOffsets;
    private readonly int _pidginThreshold;

    public BuiltInSentimentScorer(BuiltInSentimentModel model, BuiltInSentimentMetadata metadata)
    {
        _model = model;
        _offsets = metadata.ClassOffsets.ToArray();
        _pidginOffsets = (metadata.PidginClassOffsets ?? metadata.ClassOffsets).ToArray();
        _pidginThreshold = metadata.PidginClassOffsets is null ? int.MaxValue : metadata.PidginMarkerThreshold;
        ModelVersion = metadata.ModelVersion;
        Metadata = metadata;
    }

    public string ModelVersion { get; }

    /// <summary>The weights are read-only arrays; scratch buffers are per thread (or per call).</summary>
    public bool IsThreadSafe => true;

    public BuiltInSentimentMetadata Metadata { get; }

    /// <summary>Loads the model folder (<c>model.zip</c> + <c>sentiment.json</c>).</summary>
    public static BuiltInSentimentScorer Load(string folder)
    {
        var (model, metadata) = BuiltInSentimentModel.Load(folder);
        return new BuiltInSentimentScorer(model, metadata);
    }

    [ThreadStatic]
    private static SentimentFeaturizer.Scratch? _scratch;

    public IReadOnlyList<SentimentScore> Score(IReadOnlyList<string> texts)
    {
        var scores = new SentimentScore[texts.Count];
        if (texts.Count < ParallelThreshold)
        {
            // The stage calls once per small batch: reuse this thread's buffers rather than ~23 KB each time.
            var scratch = _scratch ??= new SentimentFeaturizer.Scratch();
            for (var i = 0; i < texts.Count; i++)
            {
                scores[i] = ScoreOne(texts[i], scratch);
            }
        }
        else
        {
            var chunk = Math.Max(64, texts.Count / (Environment.ProcessorCount * 4));
            Parallel.For(0, (texts.Count + chunk - 1) / chunk, part =>
            {
                var scratch = new SentimentFeaturizer.Scratch();
                var end = Math.Min(texts.Count, (part + 1) * chunk);
                for (var i = part * chunk; i < end; i++)
                {
                    scores[i] = ScoreOne(texts[i], scratch);
                }
            });
        }

        return scores;
    }

    /// <summary>Scores one text; an empty or blank text gets the model's prior (its bias), not an error.</summary>
    public SentimentScore ScoreOne(string text, SentimentFeaturizer.Scratch scratch)
    {
        _model.Featurizer.Featurize(text ?? "", scratch);
        Span<double> p = stackalloc double[BuiltInSentimentModel.Classes];
        _model.Logits(scratch, p);
        BuiltInSentimentModel.Softmax(p, scratch.PidginMarkers >= _pidginThreshold ? _pidginOffsets : _offsets);
        var label = p[0] >= p[1] && p[0] >= p[2] ? SentimentLabel.Negative
            : p[2] > p[1] ? SentimentLabel.Positive
            : SentimentLabel.Neutral;
        return new SentimentScore(label, p[0], p[1], p[2], ModelVersion);
    }

    public void Dispose()
    {
        // Nothing unmanaged: the weights are plain arrays.
    }
}
