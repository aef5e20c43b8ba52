using Microsoft.ML.OnnxRuntime;
using Pipeline.Models.Cleaning;
using Pipeline.Models.Domain;

namespace Pipeline.Models.Sentiment;

/// <summary>
/// Cardiff's twitter-roberta-base-sentiment(-latest) exported to ONNX, run with ONNX Runtime on the CPU.
/// Texts get Cardiff's preprocessing (@user / http; idempotent, so already-cleaned text is unchanged),
/// are tokenised and truncated to the model's limit with &lt;/s&gt; kept, sorted by length and
/// scored in padded sub-batches; results come back in input order.
/// Thread-safety: <see cref="Score"/> may be called from several threads at once
/// (<see cref="InferenceSession.Run(RunOptions, IReadOnlyCollection{string}, IReadOnlyCollection{OrtValue}, IReadOnlyCollection{string})"/>
/// is thread-safe and each call has its own buffers), though one caller with large batches uses the
/// cores better than several competing for the same intra-op threads.
/// </summary>
public sealed class OnnxRobertaScorer : ISentimentScorer
{
    public const string InputIdsName = "input_ids";
    public const string AttentionMaskName = "attention_mask";
    public const string TokenTypeIdsName = "token_type_ids";
    public const string LogitsName = "logits";
    public const int ClassCount = 3;

    private readonly InferenceSession _session;
    private readonly IReadOnlyList<SentimentLabel> _labels;
    private readonly OnnxScorerOptions _options;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames = [LogitsName];

    private OnnxRobertaScorer(
        InferenceSession session, RobertaTokenizer tokenizer, OnnxModelFolder folder, OnnxScorerOptions options, int maxTokens, bool hasTokenTypeIds)
    {
        _session = session;
        Tokenizer = tokenizer;
        _labels = folder.LabelsByIndex;
        _options = options;
        MaxTokens = maxTokens;
        ModelVersion = "onnx:" + folder.ModelName;
        _inputNames = hasTokenTypeIds ? [InputIdsName, AttentionMaskName, TokenTypeIdsName] : [InputIdsName, AttentionMaskName];
    }

    public string ModelVersion { get; }

    /// <summary>ONNX Runtime guarantees concurrent <c>InferenceSession.Run</c>; tensors and results are per call; the tokenizer locks its cache.</summary>
    public bool IsThreadSafe => true;

    /// <summary>Tokens per text after truncation, &lt;s&gt; and &lt;/s&gt; included.</summary>
    public int MaxTokens { get; }

    public RobertaTokenizer Tokenizer { get; }

    /// <summary>
    /// Checks the folder, loads the tokenizer and the network and checks the network's interface.
    /// </summary>
    /// <exception cref="OnnxModelFolderException">Every problem found, for a start-up error.</exception>
    /// <exception cref="ArgumentException">Invalid <paramref name="options"/>, each option named.</exception>
    public static OnnxRobertaScorer Open(string folderPath, OnnxScorerOptions? options = null)
    {
        options ??= new OnnxScorerOptions();
        var optionProblems = options.Validate();
        if (optionProblems.Count > 0)
        {
            throw new ArgumentException("Invalid ONNX scorer options: " + string.Join("; ", optionProblems), nameof(options));
        }

        var folder = OnnxModelFolder.Open(folderPath);
        var problems = new List<string>();
        var maxTokens = options.MaxTokens ?? folder.MaxTokens ?? OnnxScorerOptions.DefaultMaxTokens;
        if (folder.MaxTokens is { } modelLimit && maxTokens > modelLimit)
        {
            problems.Add($"{nameof(OnnxScorerOptions.MaxTokens)} {maxTokens} is more than the model accepts ({modelLimit}, from {OnnxModelFolder.ConfigFile} max_position_embeddings)");
        }

        RobertaTokenizer? tokenizer = null;
        try
        {
            tokenizer = RobertaTokenizer.FromFiles(folder.VocabPath, folder.MergesPath);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ArgumentException or FormatException or System.Text.Json.JsonException)
        {
            problems.Add($"{OnnxModelFolder.VocabFile}/{OnnxModelFolder.MergesFile} cannot be read as a RoBERTa BPE vocabulary: {e.Message}");
        }

        var sessionOptions = CreateSessionOptions(options);
        InferenceSession? session = null;
        try
        {
            session = new InferenceSession(folder.ModelPath, sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            problems.Add($"{OnnxModelFolder.ModelFile} cannot be loaded by ONNX Runtime: {e.Message}");
        }
        finally
        {
            // The session copies what it needs from the options when it is created.
            sessionOptions.Dispose();
        }

        var hasTokenTypeIds = session is not null && CheckInterface(session, problems);
        if (problems.Count > 0 || session is null || tokenizer is null)
        {
            session?.Dispose();
            throw new OnnxModelFolderException(folder.FolderPath, problems);
        }

        return new OnnxRobertaScorer(session, tokenizer, folder, options, maxTokens, hasTokenTypeIds);
    }

    public IReadOnlyList<SentimentScore> Score(IReadOnlyList<string> texts)
    {
        var logits = Logits(texts);
        var scores = new SentimentScore[logits.Length];
        for (var i = 0; i < logits.Length; i++)
        {
            scores[i] = ToScore(logits[i]);
        }

        return scores;
    }

    /// <summary>Raw logits per text, in the model's class order, after preprocessing and tokenisation.</summary>
    public float[][] Logits(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var ids = new int[texts.Count][];
        for (var i = 0; i < texts.Count; i++)
        {
            var text = texts[i] ?? throw new ArgumentException($"text {i} of the batch is null", nameof(texts));
            ids[i] = Tokenizer.Encode(TextNormalizer.ForSentiment(text), MaxTokens);
        }

        return LogitsForTokenIds(ids);
    }

    /// <summary>
    /// Raw logits for already tokenised inputs (each with &lt;s&gt; … &lt;/s&gt;, at most
    /// <see cref="MaxTokens"/> long), in input order, computed in padded sub-batches.
    /// </summary>
    public float[][] LogitsForTokenIds(IReadOnlyList<int[]> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        for (var i = 0; i < ids.Count; i++)
        {
            if (ids[i] is null || ids[i].Length == 0 || ids[i].Length > MaxTokens)
            {
                throw new ArgumentException($"input {i} has {ids[i]?.Length ?? 0} token ids; 1 to {MaxTokens} are allowed", nameof(ids));
            }
        }

        var order = new int[ids.Count];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        if (_options.SortByLength)
        {
            // Stable, so equal lengths keep their input order.
            order = [.. order.OrderBy(i => ids[i].Length)];
        }

        var result = new float[ids.Count][];
        for (var start = 0; start < order.Length; start += _options.BatchSize)
        {
            RunSubBatch(ids, order.AsSpan(start, Math.Min(_options.BatchSize, order.Length - start)), result);
        }

        return result;
    }

    /// <summary>Softmax of the logits, mapped to labels through config.json's id2label.</summary>
    public SentimentScore ToScore(ReadOnlySpan<float> logits)
    {
        var max = Math.Max(logits[0], Math.Max(logits[1], logits[2]));
        Span<double> probabilities = stackalloc double[ClassCount];
        var sum = 0.0;
        for (var c = 0; c < ClassCount; c++)
        {
            probabilities[c] = Math.Exp(logits[c] - max);
            sum += probabilities[c];
        }

        double negative = 0, neutral = 0, positive = 0;
        var best = 0;
        for (var c = 0; c < ClassCount; c++)
        {
            var p = probabilities[c] / sum;
            switch (_labels[c])
            {
                case SentimentLabel.Negative: negative = p; break;
                case SentimentLabel.Neutral: neutral = p; break;
                default: positive = p; break;
            }

            if (logits[c] > logits[best])
            {
                best = c;
            }
        }

        return new SentimentScore(_labels[best], negative, neutral, positive, ModelVersion);
    }

    public void Dispose() => _session.Dispose();

    private void RunSubBatch(IReadOnlyList<int[]> ids, ReadOnlySpan<int> rows, float[][] result)
    {
        var width = 0;
        foreach (var row in rows)
        {
            width = Math.Max(width, ids[row].Length);
        }

        var count = rows.Length;
        var inputIds = new long[count * width];
        var mask = new long[count * width];
        // RoBERTa derives positions from the pad id, so padding must be <pad> (1) with mask 0.
        Array.Fill(inputIds, RobertaTokenizer.PadId);
        for (var r = 0; r < count; r++)
        {
            var source = ids[rows[r]];
            for (var t = 0; t < source.Length; t++)
            {
                inputIds[(r * width) + t] = source[t];
                mask[(r * width) + t] = 1;
            }
        }

        long[] shape = [count, width];
        using var idsValue = OrtValue.CreateTensorValueFromMemory(inputIds, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var typesValue = _inputNames.Length == 3 ? OrtValue.CreateTensorValueFromMemory(new long[count * width], shape) : null;
        OrtValue[] inputs = typesValue is null ? [idsValue, maskValue] : [idsValue, maskValue, typesValue];

        using var runOptions = new RunOptions();
        using var outputs = _session.Run(runOptions, _inputNames, inputs, _outputNames);
        var logits = outputs[0].GetTensorDataAsSpan<float>();
        if (logits.Length != count * ClassCount)
        {
            throw new InvalidOperationException($"the model returned {logits.Length} logits for {count} texts; expected {count * ClassCount}");
        }

        for (var r = 0; r < count; r++)
        {
            result[rows[r]] = logits.Slice(r * ClassCount, ClassCount).ToArray();
        }
    }

    private static SessionOptions CreateSessionOptions(OnnxScorerOptions options)
    {
        var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = options.GraphOptimization,
            ExecutionMode = options.InterOpThreads > 1 ? ExecutionMode.ORT_PARALLEL : ExecutionMode.ORT_SEQUENTIAL,
        };
        if (options.IntraOpThreads > 0)
        {
            sessionOptions.IntraOpNumThreads = options.IntraOpThreads;
        }

        if (options.InterOpThreads > 0)
        {
            sessionOptions.InterOpNumThreads = options.InterOpThreads;
        }

        return sessionOptions;
    }

    /// <summary>True when the model also takes token_type_ids (fed with zeros); problems are added otherwise.</summary>
    private static bool CheckInterface(InferenceSession session, List<string> problems)
    {
        var inputs = session.InputMetadata;
        var outputs = session.OutputMetadata;
        foreach (var name in new[] { InputIdsName, AttentionMaskName })
        {
            if (!inputs.TryGetValue(name, out var input))
            {
                problems.Add($"{OnnxModelFolder.ModelFile} has no input '{name}' (inputs: {string.Join(", ", inputs.Keys)})");
            }
            else if (input.ElementType != typeof(long) || input.Dimensions.Length != 2)
            {
                problems.Add($"{OnnxModelFolder.ModelFile} input '{name}' must be int64 [batch, sequence], is {input.ElementType.Name} of rank {input.Dimensions.Length}");
            }
        }

        var hasTokenTypeIds = inputs.ContainsKey(TokenTypeIdsName);
        foreach (var extra in inputs.Keys.Except([InputIdsName, AttentionMaskName, TokenTypeIdsName]))
        {
            problems.Add($"{OnnxModelFolder.ModelFile} has an input '{extra}' that a text-classification export does not have");
        }

        if (!outputs.TryGetValue(LogitsName, out var logits))
        {
            problems.Add($"{OnnxModelFolder.ModelFile} has no output '{LogitsName}' (outputs: {string.Join(", ", outputs.Keys)}); export it with --task text-classification");
        }
        else if (logits.ElementType != typeof(float) || logits.Dimensions.Length != 2 || logits.Dimensions[1] != ClassCount)
        {
            problems.Add($"{OnnxModelFolder.ModelFile} output '{LogitsName}' must be float [batch, {ClassCount}], is {logits.ElementType.Name} [{string.Join(", ", logits.Dimensions)}]");
        }

        return hasTokenTypeIds;
    }
}
