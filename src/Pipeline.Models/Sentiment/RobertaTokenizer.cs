using Microsoft.ML.Tokenizers;

namespace Pipeline.Models.Sentiment;

/// <summary>
/// RoBERTa's byte-level BPE (the roberta-base vocabulary that Cardiff's twitter-roberta models use),
/// producing what HuggingFace's tokenizer gives with <c>truncation=True</c>: <c>&lt;s&gt; … &lt;/s&gt;</c>,
/// at most <c>maxTokens</c> ids, <c>&lt;/s&gt;</c> always last. Safe to use from several threads
/// (Microsoft.ML.Tokenizers guards its word cache with a lock).
/// </summary>
public sealed class RobertaTokenizer
{
    public const int BeginId = 0;
    public const int PadId = 1;
    public const int EndId = 2;

    private readonly BpeTokenizer _bpe;

    private RobertaTokenizer(BpeTokenizer bpe) => _bpe = bpe;

    /// <summary>Loads <c>vocab.json</c> and <c>merges.txt</c> as published with roberta-base.</summary>
    public static RobertaTokenizer FromFiles(string vocabPath, string mergesPath)
    {
        var options = new BpeOptions(vocabPath, mergesPath)
        {
            ByteLevel = true,
            PreTokenizer = RobertaPreTokenizer.Instance,
            SpecialTokens = new Dictionary<string, int>
            {
                ["<s>"] = BeginId,
                ["<pad>"] = PadId,
                ["</s>"] = EndId,
                ["<unk>"] = 3,
                ["<mask>"] = 50264,
            },
            BeginningOfSentenceToken = "<s>",
            EndOfSentenceToken = "</s>",
        };
        return new RobertaTokenizer(BpeTokenizer.Create(options));
    }

    /// <summary>
    /// Ids with <c>&lt;s&gt;</c> first and <c>&lt;/s&gt;</c> last; longer texts keep their first
    /// <paramref name="maxTokens"/> − 2 content tokens. The text is used as given (no trimming:
    /// a leading space changes the first token).
    /// </summary>
    public int[] Encode(string text, int maxTokens)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 2);
        ArgumentNullException.ThrowIfNull(text);

        // The library returns [] for "" (no <s></s>), and its maxTokenCount cuts off </s>, so the
        // special tokens are placed here, around the content ids.
        var encoded = _bpe.EncodeToIds(text);
        var contentStart = encoded.Count > 0 && encoded[0] == BeginId ? 1 : 0;
        var contentEnd = encoded.Count > contentStart && encoded[^1] == EndId ? encoded.Count - 1 : encoded.Count;
        var contentCount = Math.Min(contentEnd - contentStart, maxTokens - 2);

        var ids = new int[contentCount + 2];
        ids[0] = BeginId;
        for (var i = 0; i < contentCount; i++)
        {
            ids[i + 1] = encoded[contentStart + i];
        }

        ids[^1] = EndId;
        return ids;
    }
}
