using Microsoft.ML.OnnxRuntime;

namespace Pipeline.Models.Sentiment;

/// <summary>How <see cref="OnnxRobertaScorer"/> runs the network. Defaults suit a small CPU server.</summary>
public sealed record OnnxScorerOptions
{
    /// <summary>Threads inside one operator (matrix products); 0 lets ONNX Runtime use one per physical core.</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>Threads running independent operators at once; 0 or 1 runs the graph sequentially (best for RoBERTa's chain of layers).</summary>
    public int InterOpThreads { get; init; }

    public GraphOptimizationLevel GraphOptimization { get; init; } = GraphOptimizationLevel.ORT_ENABLE_ALL;

    /// <summary>Token limit including &lt;s&gt; and &lt;/s&gt;; null takes config.json's max_position_embeddings − 2, or 512.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>Rows per network call; a larger input list is split into sub-batches of this size.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Group texts of similar length before splitting into sub-batches, so little padding is computed.</summary>
    public bool SortByLength { get; init; } = true;

    public const int DefaultMaxTokens = 512;

    /// <summary>Problems with these values, each naming the option; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (IntraOpThreads < 0)
        {
            problems.Add($"{nameof(IntraOpThreads)} must be 0 (automatic) or more, was {IntraOpThreads}");
        }

        if (InterOpThreads < 0)
        {
            problems.Add($"{nameof(InterOpThreads)} must be 0 (automatic) or more, was {InterOpThreads}");
        }

        if (MaxTokens is < 2)
        {
            problems.Add($"{nameof(MaxTokens)} must leave room for <s> and </s> (2 or more), was {MaxTokens}");
        }

        if (BatchSize < 1)
        {
            problems.Add($"{nameof(BatchSize)} must be 1 or more, was {BatchSize}");
        }

        if (!Enum.IsDefined(GraphOptimization))
        {
            problems.Add($"{nameof(GraphOptimization)} {GraphOptimization} is not a level ONNX Runtime knows");
        }

        return problems;
    }

    /// <summary>
    /// The words a setting may name a graph optimisation level with (any case), in the order messages list them;
    /// <c>disabled</c> is kept beside <c>none</c> for the benchmark verb's older spelling.
    /// </summary>
    public static IReadOnlyDictionary<string, GraphOptimizationLevel> GraphOptimizationWords { get; } =
        new Dictionary<string, GraphOptimizationLevel>(StringComparer.OrdinalIgnoreCase)
        {
            ["none"] = GraphOptimizationLevel.ORT_DISABLE_ALL,
            ["basic"] = GraphOptimizationLevel.ORT_ENABLE_BASIC,
            ["extended"] = GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
            ["all"] = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ["disabled"] = GraphOptimizationLevel.ORT_DISABLE_ALL,
        };

    /// <summary>Reads a word of <see cref="GraphOptimizationWords"/>.</summary>
    public static GraphOptimizationLevel ParseGraphOptimization(string value) =>
        GraphOptimizationWords.TryGetValue(value.Trim(), out var level)
            ? level
            : throw new ArgumentException($"graph optimisation '{value}' is not one of {string.Join(", ", GraphOptimizationWords.Keys)}", nameof(value));
}
