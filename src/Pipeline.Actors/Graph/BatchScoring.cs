using System.Diagnostics;
using Akka;
using Akka.Streams.Dsl;
using Pipeline.Models.Domain;
using Pipeline.Models.Text;

namespace Pipeline.Actors.Graph;

/// <summary>How a scoring stage batches: up to <see cref="BatchSize"/> items or <see cref="MaxWait"/>, <see cref="Parallelism"/> batches at once.</summary>
public sealed record ScoringStageSettings(int BatchSize, TimeSpan MaxWait, int Parallelism)
{
    public static ScoringStageSettings Default { get; } = new(256, TimeSpan.FromMilliseconds(100), 1);
}

/// <summary>
/// Scores the posts of one batch in one call, returning them (in order) with their new score.
/// Throws when it cannot; the stage then retries post by post.
/// </summary>
public delegate IReadOnlyList<ScoredPost> ScoreBatch(IReadOnlyList<ScoredPost> posts);

/// <summary>
/// The part the topic and sentiment stages share: batch, score the kept posts of a batch in one
/// call off the stream's threads, and turn a post the scorer still fails on by itself into a
/// quarantine item that keeps its page ack, so a checkpoint still passes it, and keeps the post, so
/// its raw row is still stored (marked with the failed stage) and it can be scored again later.
/// Other items pass through untouched; order is kept. Nothing a batch does fails the stream: a
/// scorer that cannot even be made for the batch's model quarantines its posts the same way.
/// </summary>
public static class BatchScoring
{
    /// <param name="stage">Names the stage in counters and quarantine entries (<c>topics</c>, <c>sentiment</c>).</param>
    /// <param name="model">Leased once per batch: a hot-reloaded model is picked up at a batch boundary, a batch and its
    /// retries see one model, and a swapped-out model is not disposed while a batch still scores with it.</param>
    /// <param name="scorer">Scores a batch with the leased model.</param>
    /// <param name="payload">The input the scorer saw, stored with a quarantined post so the failure can be reproduced.</param>
    public static Flow<PipelineItem, PipelineItem, NotUsed> Create<TModel>(
        string stage,
        ScoringStageSettings settings,
        ModelSlot<TModel> model,
        Func<TModel, ScoreBatch> scorer,
        Func<CleanedPost, string> payload,
        PipelineCounters counters)
        where TModel : class =>
        Flow.Create<PipelineItem>()
            .GroupedWithin(settings.BatchSize, settings.MaxWait)
            // Scoring is CPU-bound (ML.NET, ONNX): on the thread pool, so it never holds the
            // stream's dispatcher, and up to Parallelism batches at once, emitted in order.
            .SelectAsync(settings.Parallelism, batch => Task.Run(() =>
            {
                var items = batch.ToList();
                // A slot disposed because the service stops fails the stream as before: nothing is committed, the
                // posts are read again at the next start. Anything else the batch does is the batch's own failure.
                using var lease = model.Lease();
                try
                {
                    return ScoreAll(stage, items, scorer(lease.Model), payload, counters);
                }
                catch (Exception e)
                {
                    return QuarantineAll(stage, items, payload, counters, e);
                }
            }))
            .SelectMany(items => items);

    /// <summary>The stage's work on one batch, without a stream: scored, quarantined and passed-through items in input order.</summary>
    public static IReadOnlyList<PipelineItem> ScoreAll(
        string stage, IReadOnlyList<PipelineItem> batch, ScoreBatch score, Func<CleanedPost, string> payload, PipelineCounters counters)
    {
        var kept = batch.OfType<PipelineItem.Scored>().ToList();
        if (kept.Count == 0)
        {
            return batch;
        }

        var stopwatch = Stopwatch.StartNew();
        var results = new Dictionary<PipelineItem.Scored, PipelineItem>(ReferenceEqualityComparer.Instance);
        var failed = 0;
        var retried = false;
        try
        {
            var scored = Checked(score, kept.Select(k => k.Post).ToList());
            for (var i = 0; i < kept.Count; i++)
            {
                results[kept[i]] = kept[i] with { Post = scored[i] };
            }
        }
        catch (Exception)
        {
            // One bad post must not cost its neighbours their scores: find it by scoring one at a time.
            retried = true;
            foreach (var item in kept)
            {
                try
                {
                    results[item] = item with { Post = Checked(score, [item.Post])[0] };
                }
                catch (Exception e)
                {
                    failed++;
                    counters.MovedToQuarantine(item, stage);
                    results[item] = Quarantine(stage, item, payload, e);
                }
            }
        }

        var elapsed = stopwatch.Elapsed;
        counters.StageScored(stage, kept.Count - failed, failed, retried, elapsed);
        counters.Metrics.Scored(stage, elapsed);
        return batch.Select(item => item is PipelineItem.Scored scored ? results[scored] : item).ToList();
    }

    /// <summary>Every kept post of a batch the stage could not score at all (no model, a scorer that cannot be made).</summary>
    private static IReadOnlyList<PipelineItem> QuarantineAll(
        string stage, IReadOnlyList<PipelineItem> batch, Func<CleanedPost, string> payload, PipelineCounters counters, Exception error)
    {
        var failed = 0;
        var result = batch.Select(item =>
        {
            if (item is not PipelineItem.Scored scored)
            {
                return item;
            }

            failed++;
            counters.MovedToQuarantine(scored, stage);
            return Quarantine(stage, scored, payload, error);
        }).ToList();
        counters.StageScored(stage, 0, failed, retriedItemByItem: false, TimeSpan.Zero);
        return result;
    }

    private static IReadOnlyList<ScoredPost> Checked(ScoreBatch score, IReadOnlyList<ScoredPost> posts)
    {
        var scored = score(posts);
        return scored.Count == posts.Count
            ? scored
            : throw new InvalidOperationException($"The scorer returned {scored.Count} results for {posts.Count} posts.");
    }

    private static PipelineItem.Quarantined Quarantine(string stage, PipelineItem.Scored item, Func<CleanedPost, string> payload, Exception error)
    {
        var post = item.Post.Post;
        string? input;
        try
        {
            input = payload(post);
        }
        catch (Exception)
        {
            // The raw row is stored all the same; the entry keeps the error.
            input = null;
        }

        var entry = new QuarantineEntry(
            stage,
            $"{stage}:{item.Location}",
            $"{stage} scoring failed for post {post.Raw.Id}: {SafeText.Excerpt(error.GetBaseException().Message, QuarantineEntry.ErrorExcerpt)}",
            input,
            post.Raw.Id,
            post.Company);
        return new PipelineItem.Quarantined(entry, item.Ack, Unscored: post);
    }
}
