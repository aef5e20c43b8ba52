using Npgsql;

namespace Pipeline.Tests.Shared;

/// <summary>What tests read back from the pipeline's tables.</summary>
public static class StoredPosts
{
    /// <summary>Every stored post id, ascending (kept and dropped alike).</summary>
    public static async Task<List<long>> IdsAsync(NpgsqlDataSource dataSource)
    {
        var ids = new List<long>();
        await using var command = dataSource.CreateCommand("SELECT post_id FROM pipeline.raw_posts ORDER BY post_id");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetInt64(0));
        }

        return ids;
    }
}
