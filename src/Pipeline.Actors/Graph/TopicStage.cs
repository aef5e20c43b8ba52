using Akka;
using Akka.Streams.Dsl;
using Pipeline.Models.Domain;
using Pipeline.Models.Topics;

namespace Pipeline.Actors.Graph;

/// <summary>Gives each kept post its dominant topic, probability and full distribution from the current topic model.</summary>
public static class TopicStage
{
    public const string Name = "topics";

    public static Flow<PipelineItem, PipelineItem, NotUsed> Create(
        ModelSlot<TopicModel> model, ScoringStageSettings settings, PipelineCounters counters) =>
        BatchScoring.Create(Name, settings, model, Scorer, post => post.Text, counters);

    /// <summary>Scores posts with one model; Unclassified (id −1) when no token is known or no topic reaches the threshold.</summary>
    public static ScoreBatch Scorer(TopicModel model) => posts =>
    {
        var scores = model.Classify(posts.Select(p => p.Post.TopicTokens).ToList());
        return posts.Select((post, i) => post with { Topic = scores[i] }).ToList();
    };
}
