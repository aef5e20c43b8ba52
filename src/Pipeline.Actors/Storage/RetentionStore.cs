using Npgsql;

namespace Pipeline.Actors.Storage;

/// <summary>
/// The purge's database side: the cluster-wide retention lock, and the removal of rows past their period in short
/// transactions, oldest first, that the sink can run beside.
/// </summary>
/// <remarks>
/// <para>Each batch picks at most <see cref="RetentionPolicy.BatchSize"/> rows through V013's indexes with
/// <c>FOR UPDATE SKIP LOCKED</c>: a row a sink batch holds (a post fetched again while it ages out) is left for the next
/// run rather than waited for, so the purge never queues behind the sink on post rows.</para>
/// <para>Kept posts leave the rollups through the statement triggers on <c>scored_posts</c> (V004, V006, V009), in the
/// batch's transaction, so daily, hourly and minute rollups stay equal to a fresh aggregate of the posts that remain.
/// Before deleting, a batch takes the sink's per-(company, day) advisory locks (<see cref="PostStore"/>, issue 12) in the
/// same key order: the two then update rollup rows in one order and cannot deadlock. Dropped posts are taken off
/// <c>pipeline.drop_counts</c> in the same way, sorted as the sink sorts its increments.</para>
/// </remarks>
public sealed class RetentionStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// The session advisory lock key of retention ("retain" in ASCII; no other code uses it). Held on one connection for the
    /// whole run, so a second node skips, and a node that dies mid-run frees it with its connection.
    /// </summary>
    public const long LockKey = 0x72657461696e;

    // Deadlocks cannot arise between the purge and the sink (see the remarks); a retry covers any other writer.
    private const int DeadlockRetries = 3;

    private const string PickKept = """
        SELECT post_id FROM pipeline.raw_posts
        WHERE drop_reason IS NULL AND created_at < @cutoff
        ORDER BY created_at
        LIMIT @limit
        FOR UPDATE SKIP LOCKED
        """;

    // PostStore.LockRollupKeys's key for a stored post, taken in the same (ascending) order.
    private static readonly string LockRollupKeys = $"""
        SELECT count(pg_advisory_xact_lock({PostStore.RollupLockClass}, key))
        FROM (SELECT DISTINCT hashtext(company_id || '/' || (created_at AT TIME ZONE 'UTC')::date) AS key
              FROM pipeline.scored_posts WHERE post_id = ANY(@ids)
              ORDER BY 1 OFFSET 0) keys
        """;

    private const string DeleteScored = "DELETE FROM pipeline.scored_posts WHERE post_id = ANY(@ids)";

    private const string DeleteKeptRaw = "DELETE FROM pipeline.raw_posts WHERE post_id = ANY(@ids)";

    private const string PickDropped = """
        SELECT post_id FROM pipeline.raw_posts
        WHERE drop_reason IS NOT NULL AND created_at < @cutoff
        ORDER BY created_at
        LIMIT @limit
        FOR UPDATE SKIP LOCKED
        """;

    private const string DeleteDropped = """
        WITH gone AS (
            DELETE FROM pipeline.raw_posts WHERE post_id = ANY(@ids) RETURNING company_id, created_at, drop_reason)
        INSERT INTO pipeline.drop_counts AS d (company_id, day, reason, posts)
        SELECT coalesce(company_id, ''), (created_at AT TIME ZONE 'UTC')::date, drop_reason, -count(*)
        FROM gone
        GROUP BY 1, 2, 3
        ORDER BY 1, 2, 3
        ON CONFLICT (company_id, day, reason) DO UPDATE SET posts = d.posts + EXCLUDED.posts
        """;

    // Through V013's drop_counts_empty index. A count below zero means drop_counts had missed the post; it goes too.
    private const string DeleteEmptyDropCounts = "DELETE FROM pipeline.drop_counts WHERE posts <= 0";

    private const string DeleteQuarantine = """
        DELETE FROM pipeline.quarantine
        WHERE quarantine_id IN (SELECT quarantine_id FROM pipeline.quarantine
                                WHERE quarantined_at < @cutoff
                                ORDER BY quarantined_at
                                LIMIT @limit
                                FOR UPDATE SKIP LOCKED)
        """;

    /// <summary>The lock and the database's clock, or null when another node holds it.</summary>
    public Task<RetentionLock?> TryLockAsync(CancellationToken ct) => RetentionLock.TryTakeAsync(dataSource, ct);

    /// <summary>
    /// Removes every row past its cut-off, batch by batch, on the lock's connection: kept posts, then dropped posts, then
    /// quarantine entries. A kind stops at its first batch that finds fewer rows than the batch size (what is left then is
    /// locked by a writer right now, or younger than the cut-off). Cancelling stops between batches; what was committed stays.
    /// </summary>
    /// <param name="batchDone">Called after each committed batch with the totals so far (progress for a long first run).</param>
    public static async Task<RetentionRemoved> PurgeAsync(
        RetentionLock held, RetentionCutoffs cutoffs, int batchSize, CancellationToken ct, Action<RetentionRemoved>? batchDone = null)
    {
        var removed = RetentionRemoved.None;
        if (cutoffs.KeptPosts is { } kept)
        {
            removed = await DrainAsync(held.Connection, removed, batchDone, ct, async (tx, c) =>
            {
                var ids = await PickAsync(held.Connection, tx, PickKept, kept, batchSize, c);
                if (ids.Length > 0)
                {
                    await using var batch = new NpgsqlBatch(held.Connection, tx);
                    foreach (var sql in new[] { LockRollupKeys, DeleteScored, DeleteKeptRaw })
                    {
                        var command = new NpgsqlBatchCommand(sql);
                        command.Parameters.AddWithValue("ids", ids);
                        batch.BatchCommands.Add(command);
                    }

                    await batch.ExecuteNonQueryAsync(c);
                }

                return (ids.Length, r => r with { KeptPosts = r.KeptPosts + ids.Length });
            }, batchSize);
        }

        if (cutoffs.DroppedPosts is { } dropped)
        {
            removed = await DrainAsync(held.Connection, removed, batchDone, ct, async (tx, c) =>
            {
                var ids = await PickAsync(held.Connection, tx, PickDropped, dropped, batchSize, c);
                if (ids.Length > 0)
                {
                    await using var batch = new NpgsqlBatch(held.Connection, tx);
                    var delete = new NpgsqlBatchCommand(DeleteDropped);
                    delete.Parameters.AddWithValue("ids", ids);
                    batch.BatchCommands.Add(delete);
                    batch.BatchCommands.Add(new NpgsqlBatchCommand(DeleteEmptyDropCounts));
                    await batch.ExecuteNonQueryAsync(c);
                }

                return (ids.Length, r => r with { DroppedPosts = r.DroppedPosts + ids.Length });
            }, batchSize);
        }

        if (cutoffs.Quarantine is { } quarantined)
        {
            removed = await DrainAsync(held.Connection, removed, batchDone, ct, async (tx, c) =>
            {
                await using var command = new NpgsqlCommand(DeleteQuarantine, held.Connection, tx);
                command.Parameters.AddWithValue("cutoff", quarantined);
                command.Parameters.AddWithValue("limit", batchSize);
                var rows = await command.ExecuteNonQueryAsync(c);
                return (rows, r => r with { QuarantineEntries = r.QuarantineEntries + rows });
            }, batchSize);
        }

        return removed;
    }

    /// <summary>One transaction per batch until a batch comes back short. The picked rows stay locked until its commit.</summary>
    private static async Task<RetentionRemoved> DrainAsync(
        NpgsqlConnection connection, RetentionRemoved removed, Action<RetentionRemoved>? batchDone, CancellationToken ct,
        Func<NpgsqlTransaction, CancellationToken, Task<(int Rows, Func<RetentionRemoved, RetentionRemoved> Add)>> batch, int batchSize)
    {
        while (!ct.IsCancellationRequested)
        {
            var (rows, add) = await WithDeadlockRetryAsync(async () =>
            {
                await using var transaction = await connection.BeginTransactionAsync(ct);
                var result = await batch(transaction, ct);
                await transaction.CommitAsync(ct);
                return result;
            });
            if (rows == 0)
            {
                break;
            }

            removed = add(removed) with { Batches = removed.Batches + 1 };
            batchDone?.Invoke(removed);
            if (rows < batchSize)
            {
                break;
            }
        }

        return removed;
    }

    private static async Task<T> WithDeadlockRetryAsync<T>(Func<Task<T>> attempt)
    {
        for (var tries = 1; ; tries++)
        {
            try
            {
                return await attempt();
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DeadlockDetected && tries <= DeadlockRetries)
            {
                // The transaction was rolled back: nothing of the batch was removed, so it is simply picked again.
            }
        }
    }

    private static async Task<long[]> PickAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, DateTimeOffset cutoff, int limit, CancellationToken ct)
    {
        var ids = new List<long>(limit);
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddWithValue("cutoff", cutoff);
        command.Parameters.AddWithValue("limit", limit);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            ids.Add(reader.GetInt64(0));
        }

        return [.. ids];
    }
}

/// <summary>The retention lock (<see cref="RetentionStore.LockKey"/>), held by its connection until disposed.</summary>
public sealed class RetentionLock : AdvisorySessionLock
{
    private RetentionLock(NpgsqlConnection connection, DateTimeOffset now)
        : base(connection, now, RetentionStore.LockKey)
    {
    }

    internal static Task<RetentionLock?> TryTakeAsync(NpgsqlDataSource dataSource, CancellationToken ct) =>
        TryTakeAsync(dataSource, RetentionStore.LockKey, (connection, now) => new RetentionLock(connection, now), ct);
}
