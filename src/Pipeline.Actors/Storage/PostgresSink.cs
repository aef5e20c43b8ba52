using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pipeline.Actors.Graph;
using Pipeline.Models.Domain;
using Pipeline.Models.Text;

namespace Pipeline.Actors.Storage;

/// <summary>The database gave no answer within the configured number of attempts.</summary>
public sealed class SinkUnavailableException(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// Commits batches through <see cref="PostStore"/>. A database that is away (connection
/// refused, shut down, failover) is waited for with backoff and the same batch retried,
/// which is safe because the store upserts. A batch that fails for any other reason (the
/// database rejects a row, or Npgsql cannot encode or convert one on the client side) is
/// split until the offending items are found; those go to quarantine with the error and the
/// rest are stored. A failure that is not a row's (cancellation, the database gone for longer
/// than <see cref="SinkSettings.MaxAttempts"/>, a database that refuses even a bare quarantine
/// entry) fails the commit, so nothing is acknowledged that was not stored.
/// </summary>
public sealed class PostgresSink(PostStore store, SinkSettings settings, PipelineCounters counters, ILogger? logger = null)
{
    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    public async Task<BatchCommitted> CommitAsync(IReadOnlyList<PipelineItem> batch, CancellationToken ct = default)
    {
        var stopwatch = Stopwatch.StartNew();
        var (newPosts, attempts) = await CommitIsolatingPoisonAsync(batch, ct);
        var committed = new BatchCommitted(batch, newPosts, attempts, stopwatch.Elapsed);
        counters.Committed(committed);
        counters.Metrics.Committed(committed);
        return committed;
    }

    private async Task<(int NewPosts, int Attempts)> CommitIsolatingPoisonAsync(IReadOnlyList<PipelineItem> batch, CancellationToken ct)
    {
        try
        {
            var (result, attempts) = await WriteWithRetriesAsync(batch, ct);
            CountUnscoredRows(batch);
            CountForgotten(batch, result.Forgotten);
            return (result.NewPosts, attempts);
        }
        catch (Exception e) when (IsRowError(e, ct))
        {
            if (batch.Count == 1)
            {
                await QuarantinePoisonAsync(batch[0], e, ct);
                return (0, 1);
            }

            var half = batch.Count / 2;
            var first = await CommitIsolatingPoisonAsync(batch.Take(half).ToList(), ct);
            var second = await CommitIsolatingPoisonAsync(batch.Skip(half).ToList(), ct);
            return (first.NewPosts + second.NewPosts, Math.Max(first.Attempts, second.Attempts));
        }
    }

    /// <summary>
    /// Whether <paramref name="error"/> may be caused by the content of the batch, so that splitting it finds the
    /// rows to blame: anything but a transient database error (retried before it gets here), a cancellation, or a
    /// database that stayed away.
    /// </summary>
    public static bool IsRowError(Exception error, CancellationToken ct = default) =>
        !ct.IsCancellationRequested && error is not (OperationCanceledException or SinkUnavailableException) && !IsTransient(error);

    private void CountUnscoredRows(IReadOnlyList<PipelineItem> batch)
    {
        foreach (var item in batch)
        {
            if (item is PipelineItem.Quarantined { Unscored: not null } failed)
            {
                counters.UnscoredRowStored(failed.Entry.Source);
            }
        }
    }

    /// <summary>Posts the store left out because of a tombstone: counted as dropped <c>forgotten</c> instead of what they were.</summary>
    private void CountForgotten(IReadOnlyList<PipelineItem> batch, IReadOnlySet<long> forgotten)
    {
        if (forgotten.Count == 0)
        {
            return;
        }

        foreach (var item in batch)
        {
            var id = item switch
            {
                PipelineItem.Scored s => s.Post.Post.Raw.Id.Value,
                PipelineItem.Dropped { Reason: not DropReason.DuplicateId } d => d.Post.Id.Value,
                _ => (long?)null,
            };
            if (id is { } postId && forgotten.Contains(postId))
            {
                counters.Forgotten(item);
            }
        }
    }

    private async Task<(StoreResult Result, int Attempts)> WriteWithRetriesAsync(IReadOnlyList<PipelineItem> batch, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return (await store.WriteBatchAsync(batch, ct), attempt);
            }
            catch (Exception e) when (IsTransient(e) && !ct.IsCancellationRequested)
            {
                if (settings.MaxAttempts > 0 && attempt >= settings.MaxAttempts)
                {
                    throw new SinkUnavailableException(
                        $"PostgreSQL did not accept a batch of {batch.Count} items after {attempt} attempts: {e.Message}", e);
                }

                var delay = settings.BackoffFor(attempt);
                counters.SinkRetried();
                if (IsConflict(e))
                {
                    _logger.LogWarning("A concurrent writer's transaction conflicted with this one ({Error}); retrying a batch of {Count} items in {Delay:0.0} s (attempt {Attempt})",
                        e.Message, batch.Count, delay.TotalSeconds, attempt + 1);
                }
                else
                {
                    _logger.LogWarning("Database unavailable ({Error}); retrying a batch of {Count} items in {Delay:0.0} s (attempt {Attempt})",
                        e.Message, batch.Count, delay.TotalSeconds, attempt + 1);
                }
                await Task.Delay(delay, ct);
            }
        }
    }

    /// <summary>
    /// Stores what is known of a row the batch could not take: the item's JSON and the error. Should the database
    /// refuse even that, an entry without payload; should it refuse that too, the failure is the database's, not
    /// the row's, and the commit fails with the row's error (nothing is acknowledged, the stream is restarted).
    /// </summary>
    private async Task QuarantinePoisonAsync(PipelineItem item, Exception error, CancellationToken ct)
    {
        var reason = Describe(error);
        _logger.LogError(error, "Could not store {Location}: {Error}; moved to quarantine", item.Location, reason);
        QuarantineEntry entry;
        try
        {
            entry = item switch
            {
                PipelineItem.Scored s => Entry(s.Post.Post.Raw, s.Post.Post.Company, "the post"),
                PipelineItem.Dropped d => Entry(d.Post, d.Company, "the dropped post"),
                PipelineItem.Quarantined { Unscored: { } unscored } q => Entry(unscored.Raw, unscored.Company,
                    $"the raw row of a post {q.Entry.Source} scoring failed on ({q.Entry.Error})"),
                PipelineItem.Quarantined q => q.Entry with { Error = $"{q.Entry.Error}; storing it failed: {reason}", Payload = null },
                _ => throw new UnreachableException(),
            };
        }
        catch (Exception e) when (IsRowError(e, ct))
        {
            entry = Fallback(item, error);
        }

        try
        {
            await WriteWithRetriesAsync([new PipelineItem.Quarantined(entry)], ct);
        }
        catch (Exception e) when (IsRowError(e, ct))
        {
            _logger.LogError(e, "The quarantine entry for {Location} was refused too; storing it without payload", item.Location);
            try
            {
                await WriteWithRetriesAsync([new PipelineItem.Quarantined(Fallback(item, error))], ct);
            }
            catch (Exception bare) when (IsRowError(bare, ct))
            {
                throw new AggregateException($"Neither {item.Location} nor a bare quarantine entry for it could be stored", error, bare);
            }
        }

        counters.MovedToQuarantine(item);

        QuarantineEntry Entry(RawPost raw, CompanyId? company, string what) => new(
            "sink", item.Location, $"{what} could not be stored: {reason}", PipelineStages.Json(raw), raw.Id, company);
    }

    /// <summary>The least that can be said about an item: where it came from, its ids and the error; no payload, every string repaired and short.</summary>
    private static QuarantineEntry Fallback(PipelineItem item, Exception error)
    {
        var (id, company) = item switch
        {
            PipelineItem.Scored s => (s.Post.Post.Raw?.Id, (CompanyId?)s.Post.Post.Company),
            PipelineItem.Dropped d => (d.Post?.Id, d.Company),
            PipelineItem.Quarantined q => (q.Entry?.PostId, q.Entry?.Company),
            _ => (null, null),
        };
        var location = item.Location is { } l ? SafeText.Excerpt(SafeText.Repair(l), QuarantineEntry.ErrorExcerpt) : "(unknown)";
        return new QuarantineEntry("sink", location, $"could not be stored, nor its quarantine entry: {Describe(error)}", null, id, company);
    }

    private static string Describe(Exception error) => SafeText.Excerpt(SafeText.Repair(error switch
    {
        PostgresException postgres => $"PostgreSQL rejected it: {postgres.SqlState} {postgres.MessageText}",
        _ => $"{error.GetType().Name}: {error.Message}",
    }), QuarantineEntry.ErrorExcerpt);

    /// <summary>
    /// Whether the batch lost to another transaction (deadlock 40P01, serialization failure 40001, lock not available
    /// 55P03): nothing wrong with its rows, and the same batch succeeds when run again. The store takes its locks in
    /// one order, so a deadlock should not occur; should it all the same, the batch is retried, never quarantined.
    /// </summary>
    public static bool IsConflict(Exception e) => e is PostgresException { SqlState: "40P01" or "40001" or "55P03" };

    public static bool IsTransient(Exception e) => e switch
    {
        _ when IsConflict(e) => true,
        NpgsqlException { IsTransient: true } => true,
        // Connections pooled before a server restart fail once with "terminating connection due to administrator command".
        PostgresException { SqlState: "57P01" or "57P02" or "57P03" } => true,
        NpgsqlException { InnerException: IOException or System.Net.Sockets.SocketException or TimeoutException } => true,
        IOException or System.Net.Sockets.SocketException or TimeoutException => true,
        _ => false,
    };
}
