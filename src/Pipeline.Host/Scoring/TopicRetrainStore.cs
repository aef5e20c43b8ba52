using Npgsql;
using Pipeline.Actors.Storage;

namespace Pipeline.Host.Scoring;

/// <summary>
/// The retrain job's database side: the cluster-wide lock, the run history in <c>pipeline.topic_retrains</c>, the new-post
/// count and the window's texts.
/// </summary>
public sealed class TopicRetrainStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// The session advisory lock key of retraining ("retrain" in ASCII; no other code uses it). Held on one connection for
    /// the whole run (minutes of training, the swap, the re-scoring), so a node that dies mid-run frees it with its connection.
    /// </summary>
    public const long LockKey = 0x7265747261696e;

    private const string Columns = """
        retrain_id, started_at, finished_at, node, trigger, window_start, window_end, documents, current_version, candidate_version,
        outcome, accepted, swapped, reason, current_cv, candidate_cv, current_unclassified, candidate_unclassified,
        topics_kept, topics_new, topics_retired, model_folder, rescored_posts
        """;

    /// <summary>The lock and the database's clock, or null when another node holds it.</summary>
    public Task<RetrainLock?> TryLockAsync(CancellationToken ct) => RetrainLock.TryTakeAsync(dataSource, ct);

    /// <summary>The latest run, finished or not.</summary>
    public async Task<TopicRetrainRecord?> LastAsync(CancellationToken ct) =>
        (await ReadAsync($"SELECT {Columns} FROM pipeline.topic_retrains ORDER BY retrain_id DESC LIMIT 1", ct)).FirstOrDefault();

    /// <summary>The latest finished run (what the dashboard's note tells).</summary>
    public async Task<TopicRetrainRecord?> LastFinishedAsync(CancellationToken ct) =>
        (await ReadAsync($"SELECT {Columns} FROM pipeline.topic_retrains WHERE outcome <> 'running' ORDER BY retrain_id DESC LIMIT 1", ct)).FirstOrDefault();

    /// <summary>Every run that was swapped in, for the start-up restore (<see cref="TopicRetrainLineage"/>).</summary>
    public Task<IReadOnlyList<TopicRetrainRecord>> SwappedAsync(CancellationToken ct) =>
        ReadAsync($"SELECT {Columns} FROM pipeline.topic_retrains WHERE swapped ORDER BY retrain_id", ct);

    /// <summary>Runs left 'running' by a node that stopped mid-run; called with the lock held, when no run can be under way.</summary>
    public static async Task<int> MarkInterruptedAsync(RetrainLock held, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            UPDATE pipeline.topic_retrains SET outcome = 'interrupted', finished_at = now(),
                reason = 'the node running it stopped before it finished'
            WHERE outcome = 'running'
            """, held.Connection);
        return await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Posts stored after <paramref name="since"/> (all when null), counted up to <paramref name="enough"/> only.</summary>
    public static async Task<long> NewPostsAsync(RetrainLock held, DateTimeOffset? since, int enough, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            SELECT count(*) FROM (SELECT 1 FROM pipeline.scored_posts WHERE stored_at > @since LIMIT @enough) p
            """, held.Connection);
        command.Parameters.AddWithValue("since", since ?? DateTimeOffset.UnixEpoch);
        command.Parameters.AddWithValue("enough", Math.Max(1, enough));
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Kept posts created in the window, newest first: what the candidate is trained and judged on.</summary>
    public static async Task<IReadOnlyList<string>> WindowTextsAsync(RetrainLock held, DateTimeOffset from, DateTimeOffset to, int max, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            SELECT s.clean_text
            FROM pipeline.scored_posts s
            JOIN pipeline.raw_posts r ON r.post_id = s.post_id
            WHERE s.created_at >= @from AND s.created_at < @to AND r.drop_reason IS NULL
            ORDER BY s.created_at DESC, s.post_id DESC
            LIMIT @max
            """, held.Connection);
        command.Parameters.AddWithValue("from", from);
        command.Parameters.AddWithValue("to", to);
        command.Parameters.AddWithValue("max", max);
        var texts = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            texts.Add(reader.GetString(0));
        }

        return texts;
    }

    public static async Task<long> StartAsync(
        RetrainLock held, string node, string trigger, DateTimeOffset from, DateTimeOffset to, string currentVersion, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            INSERT INTO pipeline.topic_retrains (node, trigger, window_start, window_end, current_version, outcome)
            VALUES (@node, @trigger, @from, @to, @current, 'running')
            RETURNING retrain_id
            """, held.Connection);
        command.Parameters.AddWithValue("node", node);
        command.Parameters.AddWithValue("trigger", trigger);
        command.Parameters.AddWithValue("from", from);
        command.Parameters.AddWithValue("to", to);
        command.Parameters.AddWithValue("current", currentVersion);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Writes what is known so far (documents once read, the gate's numbers once trained) and the outcome.</summary>
    public async Task UpdateAsync(TopicRetrainRecord record, CancellationToken ct)
    {
        // Its own connection: the lock's may be the one that just failed.
        await using var command = dataSource.CreateCommand("""
            UPDATE pipeline.topic_retrains SET
                finished_at = CASE WHEN @outcome = 'running' THEN NULL ELSE now() END,
                documents = @documents, candidate_version = @candidate, outcome = @outcome, accepted = @accepted, swapped = @swapped,
                reason = @reason, current_cv = @current_cv, candidate_cv = @candidate_cv, current_unclassified = @current_unclassified,
                candidate_unclassified = @candidate_unclassified, topics_kept = @kept, topics_new = @new, topics_retired = @retired,
                model_folder = @folder, rescored_posts = @rescored
            WHERE retrain_id = @id
            """);
        var p = command.Parameters;
        p.AddWithValue("id", record.Id);
        p.AddWithValue("outcome", TopicRetrainRecord.Name(record.Outcome));
        p.AddWithValue("documents", (object?)record.Documents ?? DBNull.Value);
        p.AddWithValue("candidate", (object?)record.CandidateVersion ?? DBNull.Value);
        p.AddWithValue("accepted", (object?)record.Accepted ?? DBNull.Value);
        p.AddWithValue("swapped", (object?)record.Swapped ?? DBNull.Value);
        p.AddWithValue("reason", (object?)record.Reason ?? DBNull.Value);
        p.AddWithValue("current_cv", (object?)record.CurrentCV ?? DBNull.Value);
        p.AddWithValue("candidate_cv", (object?)record.CandidateCV ?? DBNull.Value);
        p.AddWithValue("current_unclassified", (object?)record.CurrentUnclassified ?? DBNull.Value);
        p.AddWithValue("candidate_unclassified", (object?)record.CandidateUnclassified ?? DBNull.Value);
        p.AddWithValue("kept", (object?)record.TopicsKept ?? DBNull.Value);
        p.AddWithValue("new", (object?)record.TopicsNew ?? DBNull.Value);
        p.AddWithValue("retired", (object?)record.TopicsRetired ?? DBNull.Value);
        p.AddWithValue("folder", (object?)record.ModelFolder ?? DBNull.Value);
        p.AddWithValue("rescored", (object?)record.RescoredPosts ?? DBNull.Value);
        await command.ExecuteNonQueryAsync(ct);
    }

    private async Task<IReadOnlyList<TopicRetrainRecord>> ReadAsync(string sql, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var records = new List<TopicRetrainRecord>();
        while (await reader.ReadAsync(ct))
        {
            T? Get<T>(int i) where T : struct => reader.IsDBNull(i) ? null : reader.GetFieldValue<T>(i);
            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            records.Add(new TopicRetrainRecord(
                reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), Get<DateTimeOffset>(2), reader.GetString(3), reader.GetString(4),
                reader.GetFieldValue<DateTimeOffset>(5), reader.GetFieldValue<DateTimeOffset>(6), Get<int>(7), reader.GetString(8), Text(9),
                TopicRetrainRecord.Parse(reader.GetString(10)), Get<bool>(11), Get<bool>(12), Text(13), Get<double>(14), Get<double>(15),
                Get<double>(16), Get<double>(17), Get<int>(18), Get<int>(19), Get<int>(20), Text(21), Get<long>(22)));
        }

        return records;
    }
}

/// <summary>The retrain lock (<see cref="TopicRetrainStore.LockKey"/>), held by its connection until disposed.</summary>
public sealed class RetrainLock : AdvisorySessionLock
{
    private RetrainLock(NpgsqlConnection connection, DateTimeOffset now)
        : base(connection, now, TopicRetrainStore.LockKey)
    {
    }

    internal static Task<RetrainLock?> TryTakeAsync(NpgsqlDataSource dataSource, CancellationToken ct) =>
        TryTakeAsync(dataSource, TopicRetrainStore.LockKey, (connection, now) => new RetrainLock(connection, now), ct);
}
