using Npgsql;

namespace Pipeline.Actors.Storage;

/// <summary>
/// A cluster-wide PostgreSQL session advisory lock, held by its own connection until disposed: what lets one node of a
/// cluster run a long job of many transactions (topic retraining, the retention purge) while the others skip. A node
/// that dies frees it with its connection. <see cref="Now"/> is the database's clock when it was taken, the same on
/// every node.
/// </summary>
public abstract class AdvisorySessionLock(NpgsqlConnection connection, DateTimeOffset now, long key) : IAsyncDisposable
{
    public NpgsqlConnection Connection => connection;

    public DateTimeOffset Now => now;

    /// <summary>The lock as <paramref name="held"/> wraps it, or null when another session holds <paramref name="key"/>.</summary>
    protected static async Task<T?> TryTakeAsync<T>(NpgsqlDataSource dataSource, long key, Func<NpgsqlConnection, DateTimeOffset, T> held, CancellationToken ct)
        where T : AdvisorySessionLock
    {
        var connection = await dataSource.OpenConnectionAsync(ct);
        try
        {
            await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key), now()", connection);
            command.Parameters.AddWithValue("key", key);
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            if (reader.GetBoolean(0))
            {
                return held(connection, reader.GetFieldValue<DateTimeOffset>(1));
            }
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        await connection.DisposeAsync();
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
            command.Parameters.AddWithValue("key", key);
            await command.ExecuteNonQueryAsync();
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            // A broken connection took the lock with it (the server ends the session); the pool drops a broken connection.
        }
        finally
        {
            await connection.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}
