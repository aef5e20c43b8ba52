using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pipeline.Actors.Graph;
using Pipeline.Models.Domain;

namespace Pipeline.Actors.Storage;

/// <summary>The database gave no answer within the configured number of attempts.</summary>
public sealed class SinkUnavailableException(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// Commits batches through <see cref="PostStore"/>. A database that is away (connection
/// refused, shut down, failover) is waited for with backoff and the same batch retried,
/// which is safe because the store upserts. A batch the database rejects for its content is
/// split until the offending items are found; those go to quarantine with the error and the
/// rest are stored.
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
        return committed;
    }

    private async Task<(int NewPosts, int Attempts)> CommitIsolatingPoisonAsync(IReadOnlyList<PipelineItem> batch, CancellationToken ct)
    {
        try
        {
            return await WriteWithRetriesAsync(batch, ct);
        }
        catch (PostgresException e) when (!e.IsTransient)
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

    private async Task<(int NewPosts, int Attempts)> WriteWithRetriesAsync(IReadOnlyList<PipelineItem> batch, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return (await store.WriteAsync(batch, ct), attempt);
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
                _logger.LogWarning("Database unavailable ({Error}); retrying a batch of {Count} items in {Delay:0.0} s (attempt {Attempt})",
                    e.Message, batch.Count, delay.TotalSeconds, attempt + 1);
                await Task.Delay(delay, ct);
            }
        }
    }

    private async Task QuarantinePoisonAsync(PipelineItem item, PostgresException error, CancellationToken ct)
    {
        _logger.LogError("The database rejected {Location}: {Error}; moved to quarantine", item.Location, error.MessageText);
        var entry = item switch
        {
            PipelineItem.Scored s => Entry(s.Post.Post.Raw, s.Post.Post.Company),
            PipelineItem.Dropped d => Entry(d.Post, d.Company),
            PipelineItem.Quarantined q => q.Entry with { Error = $"{q.Entry.Error}; storing it failed: {error.MessageText}", Payload = null },
            _ => throw new UnreachableException(),
        };
        await WriteWithRetriesAsync([new PipelineItem.Quarantined(entry)], ct);
        counters.MovedToQuarantine(item);

        QuarantineEntry Entry(RawPost raw, CompanyId? company) => new(
            "sink", item.Location, $"PostgreSQL rejected the post: {error.SqlState} {error.MessageText}",
            JsonSerializer.Serialize(raw), raw.Id, company);
    }

    public static bool IsTransient(Exception e) => e switch
    {
        NpgsqlException { IsTransient: true } => true,
        // Connections pooled before a server restart fail once with "terminating connection due to administrator command".
        PostgresException { SqlState: "57P01" or "57P02" or "57P03" } => true,
        NpgsqlException { InnerException: IOException or System.Net.Sockets.SocketException or TimeoutException } => true,
        IOException or System.Net.Sockets.SocketException or TimeoutException => true,
        _ => false,
    };
}
