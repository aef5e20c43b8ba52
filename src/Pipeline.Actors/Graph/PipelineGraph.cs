using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Pipeline.Actors.Storage;
using Pipeline.Models.Cleaning;
using Pipeline.Models.Domain;

namespace Pipeline.Actors.Graph;

/// <summary>
/// The one place the graph is assembled:
/// source ─► clean ─► score (topic, sentiment) ─► batch ─► commit ─► completion signals.
/// </summary>
/// <param name="Guard">The input bounds the clean stage holds every post to (<c>pipeline.limits</c>); <see cref="PostGuard.Default"/> when null.</param>
public sealed record PipelineGraph(
    PostCleaner Cleaner,
    IReadOnlyList<Flow<PipelineItem, PipelineItem, NotUsed>> ScoringStages,
    PostgresSink Sink,
    SinkSettings SinkSettings,
    PipelineCounters Counters,
    PostGuard? Guard = null)
{
    /// <summary>
    /// Wires <paramref name="source"/> through every stage to the database. The kill switch
    /// stops reading; the task completes once everything read so far is committed.
    /// </summary>
    /// <remarks>
    /// Each call cleans through a run of its own (<see cref="PostCleaner.BeginRun"/>): ids count as
    /// seen once their batch is committed, so if this graph fails, the posts it had cleaned but not
    /// stored are new again for the next run, and other graphs sharing the cleaner lose nothing.
    /// </remarks>
    public (UniqueKillSwitch KillSwitch, Task Completion) Run<TMat>(
        Source<SourceItem, TMat> source, IMaterializer materializer, Action<BatchCommitted>? onCommitted = null)
    {
        var cleaning = Cleaner.BeginRun();
        var (killSwitch, completion) = source
            .Stoppable()
            .Clean(cleaning, Counters, Guard)
            .Score(ScoringStages)
            .CommitTo(Sink, SinkSettings)
            .ToMaterialized(Akka.Streams.Dsl.Sink.ForEach<BatchCommitted>(batch =>
            {
                cleaning.Committed(CleanedPosts(batch));
                TellScrapers(batch);
                onCommitted?.Invoke(batch);
            }), Keep.Both)
            .Run(materializer);
        return (killSwitch, completion);
    }

    /// <summary>
    /// The long-running graph the scrapers feed: any number of producers run their pages into
    /// the returned sink (a MergeHub), which backpressures each of them, and each producer is
    /// told <see cref="ItemsCommitted"/> as its items reach the database. One materialisation;
    /// <see cref="SharedGraphRunner"/> owns it and materialises a new one whenever it fails.
    /// </summary>
    public (Sink<SourceItem, NotUsed> Ingress, UniqueKillSwitch KillSwitch, Task Completion) RunShared(
        IMaterializer materializer, Action<BatchCommitted>? onCommitted = null)
    {
        var (ingress, source) = MergeHub.Source<SourceItem>(perProducerBufferSize: 16).PreMaterialize(materializer);
        var (killSwitch, completion) = Run(source, materializer, onCommitted);
        return (ingress, killSwitch, completion);
    }

    /// <summary>The ids of the committed posts that went through cleaning (quarantined input never did).</summary>
    private static IEnumerable<PostId> CleanedPosts(BatchCommitted batch)
    {
        foreach (var item in batch.Items)
        {
            switch (item)
            {
                case PipelineItem.Scored scored:
                    yield return scored.Post.Post.Raw.Id;
                    break;
                case PipelineItem.Dropped dropped:
                    yield return dropped.Post.Id;
                    break;
            }
        }
    }

    private static void TellScrapers(BatchCommitted batch)
    {
        foreach (var page in batch.Items.Where(i => i.Ack is not null).GroupBy(i => i.Ack!))
        {
            page.Key.Scraper.Tell(new ItemsCommitted(page.Key.Page, page.Count()));
        }
    }
}
