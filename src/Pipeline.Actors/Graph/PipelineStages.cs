using Akka;
using Akka.Streams;
using Akka.Streams.Dsl;
using Pipeline.Actors.Storage;
using Pipeline.Models.Cleaning;
using Pipeline.Models.Domain;

namespace Pipeline.Actors.Graph;

/// <summary>The graph's stages, one small extension each; <see cref="PipelineGraph"/> assembles them.</summary>
public static class PipelineStages
{
    /// <summary>Applies the cleaning rules; unreadable input becomes a quarantine item. Every item is counted.</summary>
    public static Source<PipelineItem, TMat> Clean<TMat>(
        this Source<SourceItem, TMat> source, IPostCleaner cleaner, PipelineCounters counters) =>
        source.Select(item =>
        {
            PipelineItem result = item switch
            {
                SourceItem.Post post => cleaner.Clean(post.Raw) switch
                {
                    CleaningOutcome.Kept kept => new PipelineItem.Scored(new ScoredPost(kept.Post), post.Location, post.Ack),
                    CleaningOutcome.Dropped dropped => new PipelineItem.Dropped(dropped.Post, dropped.Company, dropped.Reason, post.Location, post.Ack),
                    _ => throw new InvalidOperationException("Unknown cleaning outcome."),
                },
                SourceItem.Unreadable unreadable => new PipelineItem.Quarantined(unreadable.Entry, unreadable.Ack),
                _ => throw new InvalidOperationException("Unknown source item."),
            };
            counters.Counted(result);
            return result;
        });

    /// <summary>Runs the scoring stages (topic, sentiment, …) in order; with none, items pass unchanged.</summary>
    public static Source<PipelineItem, TMat> Score<TMat>(
        this Source<PipelineItem, TMat> source, IEnumerable<Flow<PipelineItem, PipelineItem, NotUsed>> stages) =>
        stages.Aggregate(source, (current, stage) => current.Via(stage));

    /// <summary>
    /// Batches by size or time and commits each batch in one transaction; emits one
    /// <see cref="BatchCommitted"/> per batch, in order, only after the commit. Backpressure
    /// from a slow or absent database reaches the source. Batches commit in parallel (the
    /// upserts are idempotent and lock rows in id order), but a checkpoint following these
    /// signals never passes a batch that is not yet committed.
    /// </summary>
    public static Source<BatchCommitted, TMat> CommitTo<TMat>(
        this Source<PipelineItem, TMat> source, PostgresSink sink, SinkSettings settings) =>
        source
            .GroupedWithin(settings.BatchSize, settings.MaxWait)
            .SelectAsync(settings.Parallelism, batch => sink.CommitAsync(batch.ToList()));

    /// <summary>Lets an orderly shutdown stop the source while batches already in flight still reach the database.</summary>
    public static Source<SourceItem, UniqueKillSwitch> Stoppable<TMat>(this Source<SourceItem, TMat> source) =>
        source.ViaMaterialized(KillSwitches.Single<SourceItem>(), Keep.Right);
}
