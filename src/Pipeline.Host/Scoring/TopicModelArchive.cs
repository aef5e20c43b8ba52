using Npgsql;
using NpgsqlTypes;

namespace Pipeline.Host.Scoring;

/// <summary>
/// Retrained topic models kept in PostgreSQL (<c>pipeline.topic_model_files</c>), so every node of a cluster can load a
/// model another node trained without a volume they share: the retraining node stores the folder, and a node asked to
/// load a version its disk does not have writes the folder back from the table first (<see cref="TopicModelReloader"/>).
/// </summary>
public static class TopicModelArchive
{
    /// <summary>Stores every file of <paramref name="folder"/> under <paramref name="version"/>; storing it again changes nothing.</summary>
    public static async Task StoreAsync(NpgsqlDataSource dataSource, string version, string folder, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        foreach (var file in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
        {
            await using var command = new NpgsqlCommand(
                """
                INSERT INTO pipeline.topic_model_files (model_version, file_name, content) VALUES (@version, @name, @content)
                ON CONFLICT (model_version, file_name) DO NOTHING
                """, connection, transaction);
            command.Parameters.AddWithValue("version", version);
            command.Parameters.AddWithValue("name", Path.GetFileName(file));
            command.Parameters.AddWithValue("content", NpgsqlDbType.Bytea, await File.ReadAllBytesAsync(file, ct));
            await command.ExecuteNonQueryAsync(ct);
        }

        await transaction.CommitAsync(ct);
    }

    /// <summary>
    /// Writes the stored files of the version named by <paramref name="folder"/>'s last segment into that folder, whole
    /// or not at all (a staging folder beside it, then a rename). False when the table has no such version.
    /// </summary>
    public static async Task<bool> TryRestoreAsync(NpgsqlDataSource dataSource, string folder, CancellationToken ct)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        var version = Path.GetFileName(full);
        var parent = Path.GetDirectoryName(full)!;
        var files = new List<(string Name, byte[] Content)>();
        await using (var command = dataSource.CreateCommand(
                         "SELECT file_name, content FROM pipeline.topic_model_files WHERE model_version = @version ORDER BY file_name"))
        {
            command.Parameters.AddWithValue("version", version);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                files.Add((reader.GetString(0), reader.GetFieldValue<byte[]>(1)));
            }
        }

        if (files.Count == 0)
        {
            return false;
        }

        Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, $".{version}.{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            foreach (var (name, content) in files)
            {
                // The table's check keeps names to one path segment; this keeps a row written by hand from escaping too.
                await File.WriteAllBytesAsync(Path.Combine(staging, Path.GetFileName(name)), content, ct);
            }

            if (!Directory.Exists(full))
            {
                Directory.Move(staging, full);
            }
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }

        return true;
    }
}
