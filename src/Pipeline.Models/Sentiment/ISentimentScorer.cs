using Pipeline.Models.Domain;

namespace Pipeline.Models.Sentiment;

/// <summary>
/// Scores a batch of tweets: label, the three class probabilities and the model version per tweet,
/// in input order. Texts are the cleaning stage's <c>SentimentText</c> (Cardiff's @user/http form).
/// Implementations are safe to call from one thread at a time per instance unless they say
/// <see cref="IsThreadSafe"/>; a failure on a batch
/// throws, and the caller retries the tweets one by one to find and quarantine the culprit.
/// </summary>
public interface ISentimentScorer : IDisposable
{
    /// <summary>Stored with every scored row, e.g. <c>builtin-2026.11.26</c> or <c>onnx:twitter-roberta-base-sentiment-latest</c>.</summary>
    string ModelVersion { get; }

    /// <summary>
    /// True when <see cref="Score"/> may be called from several threads at once on this instance (the
    /// stage's parallel batches then share one model instead of loading one per lane).
    /// </summary>
    bool IsThreadSafe => false;

    IReadOnlyList<SentimentScore> Score(IReadOnlyList<string> texts);
}
