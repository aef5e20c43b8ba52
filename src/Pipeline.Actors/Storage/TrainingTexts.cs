using System.Runtime.CompilerServices;
using Npgsql;

namespace Pipeline.Actors.Storage;

/// <summary>The texts of stored posts that topic training reads (<c>train-topics --from-database</c>).</summary>
public static class TrainingTexts
{
    // Kept posts only: a scored row exists for every kept post, and the raw row's drop reason is the
    // cleaning decision. clean_text is the decoded text, tokenised again by the trainer so a changed
    // normaliser applies to old posts too. Ordered by id so two runs over the same rows train alike.
    private const string KeptTexts = """
        SELECT s.clean_text
        FROM pipeline.scored_posts s
        JOIN pipeline.raw_posts r ON r.post_id = s.post_id
        WHERE r.drop_reason IS NULL
        ORDER BY s.post_id
        """;

    public static async IAsyncEnumerable<string> ReadKeptAsync(NpgsqlDataSource dataSource, [EnumeratorCancellation] CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand(KeptTexts);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            yield return reader.GetString(0);
        }
    }
}
