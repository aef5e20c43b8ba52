using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Npgsql;
using NpgsqlTypes;

namespace Pipeline.Actors.Storage;

/// <summary>One row of <c>pipeline.audit</c>.</summary>
public sealed record AuditEntry(long Id, DateTimeOffset At, string Action, string Parameters, string Outcome, string Caller);

/// <summary>
/// The audit trail (<c>pipeline.audit</c>, migration V014): one row per admin action (model reloads, forget, export,
/// retention runs), with its parameters as JSON, its outcome and its caller. Every parameter whose name looks like a
/// secret (token, password, secret, key, connection string) is replaced by <see cref="Redacted"/> before it is stored,
/// at any depth, so a caller passing its request through cannot leak one; callers still pass only what an auditor needs.
/// </summary>
public static partial class AuditTrail
{
    public const string Redacted = "[redacted]";

    /// <summary>Writes one row. <paramref name="parameters"/> is serialised as JSON (an anonymous object is fine).</summary>
    public static async Task RecordAsync(NpgsqlDataSource dataSource, string action, object? parameters, string outcome, string caller,
        CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO pipeline.audit (action, parameters, outcome, caller) VALUES ($1, $2, $3, $4)");
        command.Parameters.Add(new NpgsqlParameter { Value = action });
        command.Parameters.Add(new NpgsqlParameter { Value = Redact(parameters).ToJsonString(), NpgsqlDbType = NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter { Value = outcome });
        command.Parameters.Add(new NpgsqlParameter { Value = caller });
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The newest rows first, for the tests and an operator's look.</summary>
    public static async Task<IReadOnlyList<AuditEntry>> ReadAsync(NpgsqlDataSource dataSource, int limit = 100, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT audit_id, at, action, parameters::text, outcome, caller FROM pipeline.audit ORDER BY audit_id DESC LIMIT $1");
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        var rows = new List<AuditEntry>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add(new AuditEntry(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2), reader.GetString(3),
                reader.GetString(4), reader.GetString(5)));
        return rows;
    }

    /// <summary>The caller of a command run from a shell: the OS user.</summary>
    public static string CommandLineCaller() => $"cli:{Environment.UserName}";

    /// <summary><paramref name="parameters"/> as JSON, every value under a secret-looking name replaced.</summary>
    public static JsonNode Redact(object? parameters)
    {
        var node = parameters as JsonNode ?? JsonSerializer.SerializeToNode(parameters, JsonOptions) ?? new JsonObject();
        RedactIn(node);
        return node;
    }

    private static void RedactIn(JsonNode node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var name in obj.Select(p => p.Key).ToList())
                {
                    if (SecretName().IsMatch(name))
                        obj[name] = Redacted;
                    else if (obj[name] is { } child)
                        RedactIn(child);
                }

                break;
            case JsonArray array:
                foreach (var child in array.OfType<JsonNode>())
                    RedactIn(child);
                break;
        }
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    [GeneratedRegex("token|password|passwd|secret|key|credential|authorization|connection", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();
}
