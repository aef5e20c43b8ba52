using System.Collections.Concurrent;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Text;

namespace Pipeline.Models.Topics;

/// <summary>
/// Settings of ML.NET's LightLDA. K=10 and unigrams follow the issue; the priors and iteration
/// count are the best deterministic setting measured on the shipped bank-tweet corpus (README,
/// "Topic model"): tweets are short, so a flatter document prior (alphaSum 10, i.e. 1 per topic)
/// and a smoother word prior than the original's 0.01 give clearly more coherent topics.
/// <see cref="NumberOfThreads"/> = 1 because only a single sampler thread makes a seeded run
/// repeatable.
/// </summary>
public sealed record LdaSettings
{
    public int NumberOfTopics { get; init; } = 10;

    /// <summary>Dirichlet prior on document-topic vectors, summed over topics (ML.NET's convention).</summary>
    public float AlphaSum { get; init; } = 10f;

    public float Beta { get; init; } = 0.05f;

    public int Iterations { get; init; } = 200;

    public int BurninIterations { get; init; } = 10;

    public int SamplingStepCount { get; init; } = 4;

    /// <summary>Longest n-gram; 1 = unigrams only. Longer n-grams also keep the shorter ones.</summary>
    public int NgramLength { get; init; } = 1;

    /// <summary>Vocabulary cap handed to ProduceNgrams (most frequent n-grams kept).</summary>
    public int MaximumVocabulary { get; init; } = 100_000;

    /// <summary>Tokens of one document the sampler looks at; tweets stay far below the default.</summary>
    public int MaximumTokensPerDocument { get; init; } = 512;

    public int SummaryTermsPerTopic { get; init; } = 10;

    public int NumberOfThreads { get; init; } = 1;

    /// <summary>
    /// Seed of the MLContext. Measured: ML.NET 5.0.1's native LightLDA ignores it (seeds 1, 2, 3 and
    /// 2023 give byte-identical topics), so runs are repeatable but a different seed is not a
    /// different sample; shuffle the documents to see run-to-run spread.
    /// </summary>
    public int Seed { get; init; } = 2023;
}

public sealed record LdaTopic(int Id, IReadOnlyList<string> Words, IReadOnlyList<float> Weights, double DocumentShare);

/// <summary>
/// A trained topic model: the topic summaries and the fitted ML.NET pipeline that maps tokens to
/// a topic distribution. Inference goes through prediction engines kept in a pool: an engine keeps
/// per-call buffers, so each caller borrows one of its own, and as many exist as calls ran at once.
/// </summary>
public sealed class LdaModel
{
    private readonly MLContext _context;
    private readonly ITransformer _transformer;
    private readonly DataViewSchema _inputSchema;
    private readonly ConcurrentBag<PredictionEngine<LdaTrainer.TokenRow, LdaTrainer.TopicRow>> _engines = [];
    private readonly Lazy<HashSet<string>> _vocabulary;

    internal LdaModel(MLContext context, ITransformer transformer, DataViewSchema inputSchema, IReadOnlyList<LdaTopic> topics, LdaSettings settings)
    {
        _context = context;
        _transformer = transformer;
        _inputSchema = inputSchema;
        _engines.Add(context.Model.CreatePredictionEngine<LdaTrainer.TokenRow, LdaTrainer.TopicRow>(transformer));
        Topics = topics;
        Settings = settings;
        _vocabulary = new Lazy<HashSet<string>>(ReadVocabulary);
    }

    /// <summary>The words the chain numbers (any other token is ignored by inference), from the saved key values.</summary>
    public IReadOnlySet<string> Vocabulary => _vocabulary.Value;

    /// <summary>How many of the tokens inference looks at: the known ones, up to the per-document cap.</summary>
    public int KnownTokens(IReadOnlyList<string> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var known = 0;
        foreach (var token in tokens)
        {
            if (Vocabulary.Contains(token))
                known++;
        }

        return Math.Min(known, Settings.MaximumTokensPerDocument);
    }

    public IReadOnlyList<LdaTopic> Topics { get; }

    /// <summary>Writes the fitted ML.NET chain (vocabulary and topic-word counts) as a zip.</summary>
    public void Save(Stream stream) => _context.Model.Save(_transformer, _inputSchema, stream);

    /// <summary>
    /// Reads a chain written by <see cref="Save"/>. The topic summaries are not in the zip (they live in
    /// <c>topics.json</c>), so the caller passes them; their count fixes the vector length.
    /// </summary>
    public static LdaModel Load(Stream stream, IReadOnlyList<LdaTopic> topics, LdaSettings settings)
    {
        var context = new MLContext(settings.Seed);
        var transformer = context.Model.Load(stream, out var schema);
        return new LdaModel(context, transformer, schema, topics, settings);
    }

    public LdaSettings Settings { get; }

    public float[] Infer(IReadOnlyList<string> tokens) => InferBatch([tokens])[0];

    /// <summary>
    /// The topic distributions of <paramref name="documents"/>, in order. A batch the size the scoring
    /// stage makes goes through a pooled prediction engine, document by document: a data view and a
    /// typed cursor per batch would make ML.NET emit and compile new accessor methods every time (three
    /// per batch), which keeps the JIT and the finalizer busy for the whole of an import and holds the
    /// process's own code back from being optimised (measured: the import ran at half the speed of the
    /// same graph once warm). A large set (calibration at training) still goes through one cursor,
    /// which ML.NET may split over threads.
    /// </summary>
    public IReadOnlyList<float[]> InferBatch(IReadOnlyList<IReadOnlyList<string>> documents)
    {
        ArgumentNullException.ThrowIfNull(documents);
        if (documents.Count > CursorBatchSize)
        {
            var scored = _transformer.Transform(_context.Data.LoadFromEnumerable(documents.Select(LdaTrainer.TokenRow.Of)));
            return _context.Data.CreateEnumerable<LdaTrainer.TopicRow>(scored, reuseRowObject: false)
                .Select(r => Dense(r.Topics, Topics.Count))
                .ToArray();
        }

        var engine = _engines.TryTake(out var pooled)
            ? pooled
            : _context.Model.CreatePredictionEngine<LdaTrainer.TokenRow, LdaTrainer.TopicRow>(_transformer);
        try
        {
            var distributions = new float[documents.Count][];
            for (var i = 0; i < documents.Count; i++)
            {
                distributions[i] = Dense(engine.Predict(LdaTrainer.TokenRow.Of(documents[i])).Topics, Topics.Count);
            }

            return distributions;
        }
        finally
        {
            _engines.Add(engine);
        }
    }

    /// <summary>Batches up to this size go through a prediction engine; larger ones through a cursor (see <see cref="InferBatch"/>).</summary>
    public const int CursorBatchSize = 4096;

    private HashSet<string> ReadVocabulary()
    {
        var keys = _transformer.GetOutputSchema(_inputSchema)["Keys"];
        var values = default(VBuffer<ReadOnlyMemory<char>>);
        keys.GetKeyValues(ref values);
        return values.DenseValues().Select(v => v.ToString()).ToHashSet(StringComparer.Ordinal);
    }

    // ML.NET returns an empty or short vector for a document with no known token; callers get a
    // fixed length so TopicDecision can see "all zeros" and call it Unclassified.
    private static float[] Dense(float[]? values, int k)
    {
        var dense = new float[k];
        if (values is not null)
        {
            Array.Copy(values, dense, Math.Min(k, values.Length));
        }

        return dense;
    }
}

public static class LdaTrainer
{
    public static LdaModel Train(IReadOnlyList<IReadOnlyList<string>> documents, LdaSettings settings)
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(settings);
        var context = new MLContext(settings.Seed);
        var data = context.Data.LoadFromEnumerable(documents.Select(TokenRow.Of));

        // The caller already tokenised (so coherence and training see the same tokens); ML.NET only
        // numbers them and counts them, raw term frequency being what LDA models.
        var pipeline = context.Transforms.Conversion.MapValueToKey("Keys", nameof(TokenRow.Tokens))
            .Append(context.Transforms.Text.ProduceNgrams(
                "Bag", "Keys",
                ngramLength: settings.NgramLength,
                useAllLengths: true,
                maximumNgramsCount: settings.MaximumVocabulary,
                weighting: NgramExtractingEstimator.WeightingCriteria.Tf))
            .Append(context.Transforms.Text.LatentDirichletAllocation(
                nameof(TopicRow.Topics), "Bag",
                numberOfTopics: settings.NumberOfTopics,
                alphaSum: settings.AlphaSum,
                beta: settings.Beta,
                samplingStepCount: settings.SamplingStepCount,
                maximumNumberOfIterations: settings.Iterations,
                // The native sampler prints its log-likelihood to stdout at every interval, through the
                // progress display; nothing reads it, so it is computed once, at the end, instead of every 5.
                likelihoodInterval: Math.Max(1, settings.Iterations),
                numberOfThreads: settings.NumberOfThreads,
                maximumTokenCountPerDocument: settings.MaximumTokensPerDocument,
                numberOfSummaryTermsPerTopic: settings.SummaryTermsPerTopic,
                numberOfBurninIterations: settings.BurninIterations,
                // Inference restarts the sampler per document, so a tweet's topics do not depend
                // on which tweets were scored before it.
                resetRandomGenerator: true));

        var chain = pipeline.Fit(data);
        var details = chain.LastTransformer.GetLdaDetails(0);
        var shares = DominantShares(context, chain.Transform(data), settings.NumberOfTopics);

        var topics = details.WordScoresPerTopic
            .Select((words, id) => new LdaTopic(
                id,
                words.Select(w => w.Word).ToArray(),
                words.Select(w => w.Score).ToArray(),
                shares[id]))
            .ToArray();
        return new LdaModel(context, chain, data.Schema, topics, settings);
    }

    // Share of documents whose dominant topic is each topic; documents with no known token
    // count towards none, so shares may sum to less than one.
    private static double[] DominantShares(MLContext context, IDataView scored, int k)
    {
        var counts = new int[k];
        var total = 0;
        foreach (var row in context.Data.CreateEnumerable<TopicRow>(scored, reuseRowObject: true))
        {
            total++;
            if (row.Topics is { Length: > 0 } topics && topics.Max() > 0)
            {
                counts[Array.IndexOf(topics, topics.Max())]++;
            }
        }

        return counts.Select(c => total == 0 ? 0 : (double)c / total).ToArray();
    }

    internal sealed class TokenRow
    {
        public string[] Tokens { get; set; } = [];

        public static TokenRow Of(IReadOnlyList<string> tokens) => new() { Tokens = [.. tokens] };
    }

    internal sealed class TopicRow
    {
        public float[]? Topics { get; set; }
    }
}
