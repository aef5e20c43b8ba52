using Npgsql;

namespace Pipeline.Actors.Storage;

/// <summary>
/// The purge's database side: the cluster-wide retention lock, and the removal of rows past their period in short
/// transactions, oldest first, that the sink can run beside.
/// </summary>
/// <remarks>
/// <para>Each batch is one call of a V016 function (<c>pipeline.purge_kept_posts</c>, <c>purge_dropped_posts</c>,
/// <c>purge_quarantine</c>), which runs with the owner's rights: the writer the service runs as holds no DELETE on the post
/// tables, <c>drop_counts</c> or <c>quarantine</c>, whatever the retention settings of the last owner set-up were.</para>
/// <para>A batch picks at most <see cref="RetentionPolicy.BatchSize"/> rows through V013's indexes with
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
            removed = await DrainAsync(held.Connection, "pipeline.purge_kept_posts", kept, batchSize, removed, batchDone, ct,
                (r, rows) => r with { KeptPosts = r.KeptPosts + rows });
        }

        if (cutoffs.DroppedPosts is { } dropped)
        {
            removed = await DrainAsync(held.Connection, "pipeline.purge_dropped_posts", dropped, batchSize, removed, batchDone, ct,
                (r, rows) => r with { DroppedPosts = r.DroppedPosts + rows });
        }

        if (cutoffs.Quarantine is { } quarantined)
        {
            removed = await DrainAsync(held.Connection, "pipeline.purge_quarantine", quarantined, batchSize, removed, batchDone, ct,
                (r, rows) => r with { QuarantineEntries = r.QuarantineEntries + rows });
        }

        return removed;
    }

    /// <summary>
    /// One call of <paramref name="function"/> per batch until a batch comes back short. Each call is a statement of its
    /// own, so its own transaction: the rows it picked stay locked until it commits.
    /// </summary>
    private static async Task<RetentionRemoved> DrainAsync(
        NpgsqlConnection connection, string function, DateTimeOffset cutoff, int batchSize, RetentionRemoved removed,
        Action<RetentionRemoved>? batchDone, CancellationToken ct, Func<RetentionRemoved, long, RetentionRemoved> add)
    {
        await using var command = new NpgsqlCommand($"SELECT {function}(@cutoff, @limit)", connection);
        command.Parameters.AddWithValue("cutoff", cutoff);
        command.Parameters.AddWithValue("limit", batchSize);
        while (!ct.IsCancellationRequested)
        {
            var rows = await WithDeadlockRetryAsync(async () => (long)(await command.ExecuteScalarAsync(ct))!);
            if (rows == 0)
            {
                break;
            }

            removed = add(removed, rows) with { Batches = removed.Batches + 1 };
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
