using System.Text.Json;
using Akka;
using Akka.Streams;
using Akka.Streams.Dsl;
using Pipeline.Actors.Storage;
using Pipeline.Models.Cleaning;
using Pipeline.Models.Domain;
using Pipeline.Models.Text;

namespace Pipeline.Actors.Graph;

/// <summary>The graph's stages, one small extension each; <see cref="PipelineGraph"/> assembles them.</summary>
public static class PipelineStages
{
    /// <summary>Where a quarantine entry says an item was refused by the clean stage (the guard or the cleaner).</summary>
    public const string CleanStage = "clean";

    /// <summary>
    /// Holds each post to the input bounds (<see cref="PostGuard"/>: storable strings, text length, dates), then
    /// applies the cleaning rules. Unreadable input, a post outside the bounds and a post cleaning throws on
    /// become quarantine items that keep their page ack; the stream goes on. Every item is counted.
    /// </summary>
    public static Source<PipelineItem, TMat> Clean<TMat>(
        this Source<SourceItem, TMat> source, IPostCleaner cleaner, PipelineCounters counters, PostGuard? guard = null)
    {
        var bounds = guard ?? PostGuard.Default;
        return source.Select(item =>
        {
            PipelineItem result;
            try
            {
                result = item switch
                {
                    SourceItem.Post post => CleanPost(post, cleaner, bounds, counters),
                    SourceItem.Unreadable { Entry: not null } unreadable => new PipelineItem.Quarantined(unreadable.Entry, unreadable.Ack),
                    SourceItem.Unreadable => throw new InvalidOperationException("The source gave no quarantine entry for unreadable input."),
                    _ => throw new InvalidOperationException($"Unknown source item {item.GetType().Name}."),
                };
            }
            catch (Exception e)
            {
                // Whatever one item does to the cleaner (a source's bug, input no rule foresaw) costs that item only.
                result = CleaningFailed(item, e);
            }

            counters.Counted(result);
            return result;
        });
    }

    private static PipelineItem CleanPost(SourceItem.Post post, IPostCleaner cleaner, PostGuard guard, PipelineCounters counters)
    {
        switch (guard.Check(post.Raw))
        {
            case GuardOutcome.Refused refused:
                return new PipelineItem.Quarantined(new QuarantineEntry(
                    CleanStage, post.Location, $"{post.Location}: {refused.Problem}", Json(refused.Post), refused.Post.Id, refused.Post.Company), post.Ack);
            case GuardOutcome.Accepted accepted:
                if (accepted.RepairedText)
                {
                    counters.TextRepaired();
                }

                if (accepted.TruncatedText)
                {
                    counters.TextTruncated();
                }

                return cleaner.Clean(accepted.Post) switch
                {
                    CleaningOutcome.Kept kept => new PipelineItem.Scored(new ScoredPost(kept.Post), post.Location, post.Ack),
                    CleaningOutcome.Dropped dropped => new PipelineItem.Dropped(dropped.Post, dropped.Company, dropped.Reason, post.Location, post.Ack, dropped.Language),
                    var other => throw new InvalidOperationException($"Unknown cleaning outcome {other.GetType().Name}."),
                };
            default:
                throw new InvalidOperationException("Unknown guard outcome.");
        }
    }

    private static PipelineItem.Quarantined CleaningFailed(SourceItem item, Exception error)
    {
        var (location, raw) = item switch
        {
            SourceItem.Post post => (post.Location, post.Raw),
            SourceItem.Unreadable unreadable => (unreadable.Entry?.Location, null),
            _ => ("(unknown)", (RawPost?)null),
        };
        location ??= "(unknown)";
        return new PipelineItem.Quarantined(new QuarantineEntry(
            CleanStage,
            location,
            $"{location}: cleaning failed: {error.GetType().Name}: {SafeText.Excerpt(error.Message, QuarantineEntry.ErrorExcerpt)}",
            raw is null ? null : Json(raw),
            raw?.Id,
            raw?.Company), item.Ack);
    }

    /// <summary>The post as JSON, to replay it from the quarantine; null when even that fails (the entry keeps its error).</summary>
    internal static string? Json(RawPost raw)
    {
        try
        {
            return JsonSerializer.Serialize(raw);
        }
        catch (Exception)
        {
            return null;
        }
    }

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
