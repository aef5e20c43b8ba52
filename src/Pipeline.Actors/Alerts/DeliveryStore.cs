using System.Text.Json;
using Npgsql;
using Pipeline.Models.Alerts;

namespace Pipeline.Actors.Alerts;

/// <summary>How a delivery attempt ended, as the outbox records it.</summary>
/// <param name="Status">The receiver's HTTP status; null when it did not answer (refused, timeout).</param>
/// <param name="Error">Short and redacted: never a URL, header or body.</param>
public sealed record DeliveryAttempt(bool Delivered, int? Status, string? Error);

/// <summary>
/// The webhook outbox (<c>pipeline.alert_deliveries</c>). A poll claims a few due rows with <c>FOR UPDATE SKIP LOCKED</c>
/// and pushes their next attempt one lease into the future in the same statement, so no other node (nor this one's
/// next poll) takes them while they are being sent; the attempt's result then marks them delivered, due again
/// later, or abandoned.
/// </summary>
public sealed class DeliveryStore(NpgsqlDataSource dataSource)
{
    private const string ClaimSql = """
        WITH due AS (
            SELECT alert_id, endpoint, event FROM pipeline.alert_deliveries
            WHERE delivered_at IS NULL AND abandoned_at IS NULL AND next_attempt_at <= now() AND endpoint = ANY(@endpoints)
            ORDER BY next_attempt_at
            LIMIT @batch
            FOR UPDATE SKIP LOCKED),
        claimed AS (
            UPDATE pipeline.alert_deliveries d SET next_attempt_at = now() + @lease
            FROM due WHERE (d.alert_id, d.endpoint, d.event) = (due.alert_id, due.endpoint, due.event)
            RETURNING d.alert_id, d.endpoint, d.event, d.attempts)
        SELECT c.alert_id, c.endpoint, c.event, c.attempts, a.signal, a.severity, a.company_id, co.display_name, a.topic_id,
               a.window_start, a.window_end, a.observed, a.expected, a.p_value, a.negative_share, a.baseline_negative_share,
               a.baseline, a.summary, a.topics::text, a.opened_at
        FROM claimed c
        JOIN pipeline.alerts a USING (alert_id)
        LEFT JOIN pipeline.companies co ON co.company_id = a.company_id
        ORDER BY c.alert_id, c.event DESC, c.endpoint;

        SELECT DISTINCT ON (topic_id) topic_id, label FROM pipeline.topics ORDER BY topic_id, published_at DESC, model_version DESC;
        """;

    /// <summary>Claims up to <paramref name="batch"/> due deliveries for <paramref name="endpoints"/> for one lease.</summary>
    public async Task<IReadOnlyList<AlertEvent>> ClaimAsync(IReadOnlyCollection<string> endpoints, int batch, TimeSpan lease, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand(ClaimSql);
        command.Parameters.AddWithValue("endpoints", endpoints.ToArray());
        command.Parameters.AddWithValue("batch", batch);
        command.Parameters.AddWithValue("lease", lease);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<(AlertEvent Event, List<(int? Id, double Observed, double Expected)> Topics)>();
        while (await reader.ReadAsync(ct))
        {
            var topics = ParseTopics(reader.GetString(18));
            rows.Add((new AlertEvent(
                reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3),
                AlertSignals.Parse(reader.GetString(4)), AlertSeverities.Parse(reader.GetString(5)),
                reader.IsDBNull(6) ? null : reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.IsDBNull(8) ? null : reader.GetInt32(8), null,
                reader.GetFieldValue<DateTimeOffset>(9), reader.GetFieldValue<DateTimeOffset>(10), reader.GetDouble(11), reader.GetDouble(12),
                reader.IsDBNull(13) ? null : reader.GetDouble(13), reader.IsDBNull(14) ? null : reader.GetDouble(14),
                reader.IsDBNull(15) ? null : reader.GetDouble(15), reader.GetString(16), reader.GetString(17), [],
                reader.GetFieldValue<DateTimeOffset>(19)), topics));
        }

        await reader.NextResultAsync(ct);
        var labels = new Dictionary<int, string>();
        while (await reader.ReadAsync(ct))
        {
            labels[reader.GetInt32(0)] = reader.GetString(1);
        }

        string? Label(int? id) => id is null ? null : AlertPlan.TopicLabel(id, labels);
        return [.. rows.Select(r => r.Event with
        {
            TopicLabel = Label(r.Event.TopicId),
            Topics = [.. r.Topics.Select(t => new AlertTopic(t.Id, Label(t.Id), t.Observed, t.Expected))],
        })];
    }

    /// <summary>Records one attempt: delivered, or failed (due again after <paramref name="retryAfter"/>, or abandoned after the last attempt).</summary>
    /// <returns>Whether this attempt abandoned the delivery.</returns>
    public async Task<bool> RecordAsync(AlertEvent delivery, DeliveryAttempt attempt, int maxAttempts, TimeSpan retryAfter, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE pipeline.alert_deliveries SET
                attempts = attempts + 1,
                last_status = @status,
                last_error = @error,
                delivered_at = CASE WHEN @delivered THEN now() END,
                abandoned_at = CASE WHEN NOT @delivered AND attempts + 1 >= @max_attempts THEN now() END,
                next_attempt_at = CASE WHEN @delivered THEN next_attempt_at ELSE now() + @retry_after END
            WHERE alert_id = @alert_id AND endpoint = @endpoint AND event = @event AND delivered_at IS NULL AND abandoned_at IS NULL
            RETURNING abandoned_at IS NOT NULL
            """);
        command.Parameters.AddWithValue("status", (object?)attempt.Status ?? DBNull.Value).NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer;
        command.Parameters.AddWithValue("error", (object?)attempt.Error ?? DBNull.Value).NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text;
        command.Parameters.AddWithValue("delivered", attempt.Delivered);
        command.Parameters.AddWithValue("max_attempts", maxAttempts);
        command.Parameters.AddWithValue("retry_after", retryAfter);
        command.Parameters.AddWithValue("alert_id", delivery.AlertId);
        command.Parameters.AddWithValue("endpoint", delivery.Endpoint);
        command.Parameters.AddWithValue("event", delivery.Event);
        return await command.ExecuteScalarAsync(ct) is true;
    }

    /// <summary>Deliveries to <paramref name="endpoints"/> neither delivered nor abandoned yet (the partial index covers it).</summary>
    public async Task<long> PendingAsync(IReadOnlyCollection<string> endpoints, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT count(*) FROM pipeline.alert_deliveries
            WHERE delivered_at IS NULL AND abandoned_at IS NULL AND endpoint = ANY(@endpoints)
            """);
        command.Parameters.AddWithValue("endpoints", endpoints.ToArray());
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct));
    }

    private static List<(int? Id, double Observed, double Expected)> ParseTopics(string json)
    {
        var topics = new List<(int?, double, double)>();
        using var document = JsonDocument.Parse(json);
        foreach (var topic in document.RootElement.EnumerateArray())
        {
            int? id = topic.TryGetProperty("topic_id", out var t) && t.ValueKind == JsonValueKind.Number ? t.GetInt32() : null;
            var observed = topic.TryGetProperty("observed", out var o) && o.ValueKind == JsonValueKind.Number ? o.GetDouble() : 0;
            var expected = topic.TryGetProperty("expected", out var e) && e.ValueKind == JsonValueKind.Number ? e.GetDouble() : 0;
            topics.Add((id, observed, expected));
        }

        return topics;
    }
}
