namespace Pipeline.Models.Domain;

/// <summary>The dominant topic of a post (filled by the topic stage).</summary>
/// <param name="Distribution">The model's full topic distribution (indexed like its catalog), when the stage kept it; all zeros when no token was known.</param>
public sealed record TopicAssignment(int TopicId, string Label, double Confidence, string ModelVersion, IReadOnlyList<float>? Distribution = null);

public enum SentimentLabel
{
    Negative,
    Neutral,
    Positive,
}

/// <summary>Sentiment of a post (filled by the sentiment stage). <see cref="Score"/> is the original's ((P(pos) − P(neg)) + 1) / 2.</summary>
public sealed record SentimentScore(
    SentimentLabel Label,
    double Negative,
    double Neutral,
    double Positive,
    string ModelVersion)
{
    public double Score => ((Positive - Negative) + 1.0) / 2.0;
}

/// <summary>A kept post with whatever scores the stages so far have given it.</summary>
public sealed record ScoredPost(CleanedPost Post, TopicAssignment? Topic = null, SentimentScore? Sentiment = null);
