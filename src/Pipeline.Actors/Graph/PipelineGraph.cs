using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Pipeline.Actors.Storage;
using Pipeline.Models.Cleaning;

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
    public (UniqueKillSwitch KillSwitch, Task Completion) Run<TMat>(
        Source<SourceItem, TMat> source, IMaterializer materializer, Action<BatchCommitted>? onCommitted = null)
    {
        var (killSwitch, completion) = source
            .Stoppable()
            .Clean(Cleaner, Counters, Guard)
            .Score(ScoringStages)
            .CommitTo(Sink, SinkSettings)
            .ToMaterialized(Akka.Streams.Dsl.Sink.ForEach<BatchCommitted>(batch =>
            {
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

    private static void TellScrapers(BatchCommitted batch)
    {
        foreach (var page in batch.Items.Where(i => i.Ack is not null).GroupBy(i => i.Ack!))
        {
            page.Key.Scraper.Tell(new ItemsCommitted(page.Key.Page, page.Count()));
        }
    }
}
