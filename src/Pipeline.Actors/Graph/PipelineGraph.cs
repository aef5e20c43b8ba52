using Akka;
using Akka.Streams;
using Akka.Streams.Dsl;
using Pipeline.Actors.Storage;
using Pipeline.Models.Cleaning;

namespace Pipeline.Actors.Graph;

/// <summary>
/// The one place the graph is assembled:
/// source ─► clean ─► score (topic, sentiment) ─► batch ─► commit ─► completion signals.
/// </summary>
public sealed record PipelineGraph(
    PostCleaner Cleaner,
    IReadOnlyList<Flow<PipelineItem, PipelineItem, NotUsed>> ScoringStages,
    PostgresSink Sink,
    SinkSettings SinkSettings,
    PipelineCounters Counters)
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
            .Clean(Cleaner, Counters)
            .Score(ScoringStages)
            .CommitTo(Sink, SinkSettings)
            .ToMaterialized(Akka.Streams.Dsl.Sink.ForEach<BatchCommitted>(batch => onCommitted?.Invoke(batch)), Keep.Both)
            .Run(materializer);
        return (killSwitch, completion);
    }
}
