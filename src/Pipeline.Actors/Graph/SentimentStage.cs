using Akka;
using Akka.Streams.Dsl;
using Pipeline.Models.Sentiment;

namespace Pipeline.Actors.Graph;

/// <summary>Gives each kept post its sentiment from <see cref="Pipeline.Models.Domain.CleanedPost.SentimentText"/>.</summary>
public static class SentimentStage
{
    public const string Name = "sentiment";

    public static Flow<PipelineItem, PipelineItem, NotUsed> Create(
        ModelSlot<SentimentScorerPool> scorers, ScoringStageSettings settings, PipelineCounters counters) =>
        BatchScoring.Create(Name, settings, scorers, Scorer, post => post.SentimentText, counters);

    public static ScoreBatch Scorer(ISentimentScorer scorer) => posts =>
    {
        var scores = scorer.Score(posts.Select(p => p.Post.SentimentText).ToList());
        return posts.Select((post, i) => post with { Sentiment = scores[i] }).ToList();
    };
}
