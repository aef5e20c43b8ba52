using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using Pipeline.Models.Topics;

namespace Pipeline.Actors.Storage;

/// <summary>How far a re-scoring got: posts looked at, and those whose stored topic changed model (all of them, in practice).</summary>
public sealed record RescoreProgress(long Read, long Updated, TimeSpan Elapsed)
{
    public double PerSecond => Elapsed.TotalSeconds > 0 ? Read / Elapsed.TotalSeconds : 0;
}

/// <summary>
/// Re-computes the topic of stored posts with a model, from the tokens stored with each post (the cleaning stage's
/// <c>topic_tokens</c>, so the cleaner is not run again), in batches of one transaction each. The rollups follow by
/// themselves: the statement-level UPDATE trigger (V004, V009) subtracts each batch's old rows and adds its new ones,
/// so the daily, hourly and minute rollups stay equal to a fresh aggregate of <c>scored_posts</c>.
/// </summary>
public static class TopicRescoreStore
{
    // Keyset pagination on the primary key: each batch is an index range, and a post the sink stores meanwhile is either
    // read (if its id is ahead) or scored by the live stage already. Rows the model scored already are skipped, so a
    // second run over the same range (after an interruption) does only what is left.
    private const string ReadBatch = """
        SELECT post_id, topic_tokens
        FROM pipeline.scored_posts
        WHERE created_at >= @since AND post_id > @after AND topic_model_version IS DISTINCT FROM @version
        ORDER BY post_id
        LIMIT @limit
        """;

    private const string UpdateBatch = """
        UPDATE pipeline.scored_posts s
        SET topic_id = u.topic_id, topic_label = u.topic_label, topic_confidence = u.topic_confidence,
            topic_model_version = @version, topic_distribution = u.distribution::real[]
        FROM unnest(@ids, @topic_ids, @labels, @confidences, @distributions) AS u(post_id, topic_id, topic_label, topic_confidence, distribution)
        WHERE s.post_id = u.post_id
        """;

    /// <param name="since">Posts created at or after this are re-scored.</param>
    /// <param name="progress">Told after every batch.</param>
    public static async Task<RescoreProgress> RescoreAsync(
        NpgsqlDataSource dataSource, TopicModel model, DateTimeOffset since, int batchSize,
        IProgress<RescoreProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long read = 0, updated = 0, after = long.MinValue;
        while (true)
        {
            var ids = new List<long>(batchSize);
            var tokens = new List<IReadOnlyList<string>>(batchSize);
            await using (var command = dataSource.CreateCommand(ReadBatch))
            {
                command.Parameters.AddWithValue("since", since);
                command.Parameters.AddWithValue("after", after);
                command.Parameters.AddWithValue("version", model.Version);
                command.Parameters.AddWithValue("limit", batchSize);
                await using var reader = await command.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    ids.Add(reader.GetInt64(0));
                    tokens.Add(reader.GetFieldValue<string[]>(1));
                }
            }

            if (ids.Count == 0)
            {
                break;
            }

            // Inference is CPU work: off the caller's thread, like the live stage's batches.
            var scores = await Task.Run(() => model.Classify(tokens), ct);
            await using (var command = dataSource.CreateCommand(UpdateBatch))
            {
                command.Parameters.AddWithValue("version", model.Version);
                command.Parameters.AddWithValue("ids", ids.ToArray());
                command.Parameters.AddWithValue("topic_ids", scores.Select(s => s.TopicId).ToArray());
                command.Parameters.AddWithValue("labels", scores.Select(s => s.Label).ToArray());
                command.Parameters.AddWithValue("confidences", NpgsqlDbType.Array | NpgsqlDbType.Real, scores.Select(s => (float)s.Confidence).ToArray());
                command.Parameters.AddWithValue("distributions", NpgsqlDbType.Array | NpgsqlDbType.Text,
                    scores.Select(s => Literal(s.Distribution)).ToArray());
                updated += await command.ExecuteNonQueryAsync(ct);
            }

            read += ids.Count;
            after = ids[^1];
            progress?.Report(new RescoreProgress(read, updated, clock.Elapsed));
        }

        return new RescoreProgress(read, updated, clock.Elapsed);
    }

    /// <summary>A <c>real[]</c> literal (<c>{0.1,0.9}</c>): one text per row unnests where a two-dimensional array would flatten.</summary>
    private static string? Literal(IReadOnlyList<float>? distribution)
    {
        if (distribution is null)
        {
            return null;
        }

        var text = new StringBuilder("{");
        for (var i = 0; i < distribution.Count; i++)
        {
            text.Append(i == 0 ? "" : ",").Append(distribution[i].ToString("R", CultureInfo.InvariantCulture));
        }

        return text.Append('}').ToString();
    }
}
