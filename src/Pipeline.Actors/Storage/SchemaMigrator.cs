using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Pipeline.Actors.Storage;

/// <summary>A versioned SQL script shipped inside this assembly (<c>Migrations/V001__name.sql</c>).</summary>
public sealed record Migration(int Version, string Name, string Sql)
{
    public string Checksum { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql)));
}

/// <summary>What <see cref="SchemaMigrator.MigrateAsync"/> did.</summary>
public sealed record MigrationReport(IReadOnlyList<Migration> Applied, int CurrentVersion);

/// <summary>
/// Applies the shipped migrations in order, each in its own transaction, under a
/// database-wide advisory lock so that two nodes starting together cannot race. Running it
/// again applies nothing; an applied script whose text changed stops start-up.
/// </summary>
public sealed partial class SchemaMigrator(NpgsqlDataSource dataSource, ILogger? logger = null)
{
    // Any fixed 64-bit number works; this one spells "pipeline" in ASCII.
    private const long AdvisoryLockKey = 0x706970656C696E65;

    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    public static IReadOnlyList<Migration> Shipped { get; } = LoadShipped();

    public int LatestVersion => Shipped[^1].Version;

    public Task<MigrationReport> MigrateAsync(CancellationToken ct = default) => MigrateToAsync(LatestVersion, ct);

    /// <summary>
    /// Applies the shipped migrations up to and including <paramref name="targetVersion"/>: a database as an
    /// older release left it, so that the next migration can be tried on it with data in it.
    /// </summary>
    public async Task<MigrationReport> MigrateToAsync(int targetVersion, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await ExecuteAsync(connection, "SELECT pg_advisory_lock(@key)", ct, ("key", AdvisoryLockKey));
        try
        {
            await ExecuteAsync(connection, """
                CREATE SCHEMA IF NOT EXISTS pipeline;
                CREATE SCHEMA IF NOT EXISTS reporting;
                CREATE TABLE IF NOT EXISTS pipeline.schema_migrations (
                    version    integer PRIMARY KEY,
                    name       text NOT NULL,
                    checksum   text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now());
                """, ct);

            var applied = await ReadAppliedAsync(connection, ct);
            var newlyApplied = new List<Migration>();
            foreach (var migration in Shipped.Where(m => m.Version <= targetVersion))
            {
                if (applied.TryGetValue(migration.Version, out var checksum))
                {
                    if (checksum != migration.Checksum)
                    {
                        throw new InvalidOperationException(
                            $"Migration V{migration.Version:000} '{migration.Name}' was changed after it was applied " +
                            "(checksum differs). Add a new migration instead of editing an applied one.");
                    }

                    continue;
                }

                await using var transaction = await connection.BeginTransactionAsync(ct);
                await ExecuteAsync(connection, migration.Sql, ct);
                await ExecuteAsync(connection,
                    "INSERT INTO pipeline.schema_migrations (version, name, checksum) VALUES (@v, @n, @c)", ct,
                    ("v", migration.Version), ("n", migration.Name), ("c", migration.Checksum));
                await transaction.CommitAsync(ct);
                newlyApplied.Add(migration);
                _logger.LogInformation("Applied migration V{Version:000} {Name}", migration.Version, migration.Name);
            }

            return new MigrationReport(newlyApplied, Math.Min(targetVersion, LatestVersion));
        }
        finally
        {
            await ExecuteAsync(connection, "SELECT pg_advisory_unlock(@key)", CancellationToken.None, ("key", AdvisoryLockKey));
        }
    }

    /// <summary>True when every shipped migration is recorded as applied (used by readiness).</summary>
    public async Task<bool> IsUpToDateAsync(CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand(
            "SELECT coalesce(max(version), 0) FROM pipeline.schema_migrations", connection);
        try
        {
            return (int)(await command.ExecuteScalarAsync(ct))! >= LatestVersion;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return false;
        }
    }

    /// <summary>The newest migration recorded as applied; 0 when none is (no schema yet).</summary>
    public async Task<int> CurrentVersionAsync(CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('pipeline.schema_migrations') IS NOT NULL", connection))
        {
            if (!(bool)(await exists.ExecuteScalarAsync(ct))!)
                return 0;
        }

        await using var command = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM pipeline.schema_migrations", connection);
        return (int)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// Makes a login role for Tableau that can read the reporting views and nothing else (see
    /// <see cref="DatabaseRoleSetup"/>). The password comes from the environment and reaches the server only as a
    /// SCRAM verifier.
    /// </summary>
    public async Task EnsureReportingLoginAsync(string user, string password, CancellationToken ct = default)
    {
        var roles = new DatabaseRoleSetup(dataSource);
        await roles.EnsureLoginAsync(DatabaseRoles.ReportingSetting, user, password, ct);
        await roles.GrantReportingAsync(user, ct);
        await roles.LockDownDatabaseAsync(ct);
    }

    private static async Task<Dictionary<int, string>> ReadAppliedAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var applied = new Dictionary<int, string>();
        await using var command = new NpgsqlCommand("SELECT version, checksum FROM pipeline.schema_migrations", connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            applied[reader.GetInt32(0)] = reader.GetString(1);
        }

        return applied;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync(ct);
    }

    private static List<Migration> LoadShipped()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            var match = MigrationName().Match(resource);
            if (!match.Success)
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            migrations.Add(new Migration(int.Parse(match.Groups[1].Value), match.Groups[2].Value, reader.ReadToEnd()));
        }

        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        if (migrations.Count == 0 || migrations.Select(m => m.Version).Distinct().Count() != migrations.Count)
        {
            throw new InvalidOperationException("Shipped migrations are missing or have duplicate versions.");
        }

        return migrations;
    }

    [GeneratedRegex(@"\.V(\d+)__(\w+)\.sql$")]
    private static partial Regex MigrationName();
}
