using Npgsql;
using NpgsqlTypes;
using Pipeline.Models.Topics;

namespace Pipeline.Actors.Storage;

/// <summary>
/// Publishes a topic model's catalog to <c>pipeline.topics</c>, where the reporting views take
/// each topic's label from. Called whenever a model is loaded, so a catalog relabelled on disk
/// shows up in the dashboards without rescoring a post.
/// </summary>
public static class TopicCatalogStore
{
    private const string Upsert = """
        INSERT INTO pipeline.topics (model_version, topic_id, label, top_words, top_word_weights, share, published_at)
        VALUES (@version, @id, @label, @words, @weights, @share, now())
        ON CONFLICT (model_version, topic_id) DO UPDATE SET
            label = EXCLUDED.label, top_words = EXCLUDED.top_words, top_word_weights = EXCLUDED.top_word_weights,
            share = EXCLUDED.share, published_at = EXCLUDED.published_at
        """;

    /// <summary>Upserts every topic of <paramref name="catalog"/> plus its Unclassified row (−1), in one transaction.</summary>
    public static async Task PublishAsync(NpgsqlDataSource dataSource, TopicCatalog catalog, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var batch = new NpgsqlBatch(connection, transaction);

        var rows = catalog.Topics
            .Select(t => (t.Id, t.Label, Words: t.TopWords.Select(w => w.Word).ToArray(), Weights: t.TopWords.Select(w => (float)w.Weight).ToArray(), Share: (float?)t.Share))
            .Append((TopicDecision.UnclassifiedId, TopicDecision.UnclassifiedLabel, [], [], null));
        foreach (var (id, label, words, weights, share) in rows)
        {
            var command = new NpgsqlBatchCommand(Upsert);
            command.Parameters.AddWithValue("version", catalog.ModelVersion);
            command.Parameters.AddWithValue("id", id);
            command.Parameters.AddWithValue("label", label);
            command.Parameters.AddWithValue("words", NpgsqlDbType.Array | NpgsqlDbType.Text, words);
            command.Parameters.AddWithValue("weights", NpgsqlDbType.Array | NpgsqlDbType.Real, weights);
            command.Parameters.AddWithValue("share", NpgsqlDbType.Real, share is { } s ? s : DBNull.Value);
            batch.BatchCommands.Add(command);
        }

        // A topic the catalog no longer describes would otherwise keep an old label around.
        var prune = new NpgsqlBatchCommand("DELETE FROM pipeline.topics WHERE model_version = @version AND NOT (topic_id = ANY(@ids))");
        prune.Parameters.AddWithValue("version", catalog.ModelVersion);
        prune.Parameters.AddWithValue("ids", catalog.Topics.Select(t => t.Id).Append(TopicDecision.UnclassifiedId).ToArray());
        batch.BatchCommands.Add(prune);

        await batch.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
    }
}
