using Npgsql;
using NpgsqlTypes;

namespace Pipeline.Host.Tests.Dashboard;

/// <summary>
/// Rows of <c>pipeline.alerts</c> as the detector writes them, inserted directly as the owner (the detector is not part of
/// the dashboard's tests), and the clock the recent-data tests share.
/// </summary>
internal static class AlertData
{
    /// <summary>The start of the current UTC hour: recent posts are placed at offsets from it that stay clear of hour boundaries.</summary>
    public static DateTimeOffset ThisHour
    {
        get
        {
            var now = DateTimeOffset.UtcNow;
            return new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
        }
    }

    public static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow);

    /// <summary>The Monday of the ISO week holding <paramref name="day"/>.</summary>
    public static DateOnly Monday(DateOnly day) => day.AddDays(-(((int)day.DayOfWeek + 6) % 7));

    public static async Task<long> InsertAsync(
        NpgsqlDataSource dataSource,
        string signal,
        string severity,
        string? company,
        int? topic,
        DateTimeOffset windowStart,
        DateTimeOffset windowEnd,
        DateTimeOffset? openedAt = null,
        DateTimeOffset? resolvedAt = null,
        double observed = 120,
        double expected = 30,
        double? negativeShare = 0.62,
        double? baselineNegativeShare = 0.31,
        string topics = "[]",
        string? summary = null)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO pipeline.alerts (incident_key, signal, company_id, topic_id, severity, opened_severity, opened_at,
                window_start, window_end, observed, expected, p_value, negative_share, baseline_negative_share, baseline,
                topics, summary, peak_observed, last_seen_at, resolved_at)
            VALUES (@key, @signal, @company, @topic, @severity, @severity, @opened, @start, @end, @observed, @expected, 0.0001,
                @negative, @baseline_negative, 'same hours of the last 4 weeks', @topics::jsonb, @summary, @observed,
                coalesce(@resolved, @end), @resolved)
            RETURNING alert_id
            """);
        command.Parameters.Add(new NpgsqlParameter<string>("key", $"{signal}:{company ?? topic?.ToString() ?? "all"}:{Guid.NewGuid():N}"));
        command.Parameters.Add(new NpgsqlParameter<string>("signal", signal));
        command.Parameters.Add(new NpgsqlParameter("company", NpgsqlDbType.Text) { Value = (object?)company ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("topic", NpgsqlDbType.Integer) { Value = (object?)topic ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter<string>("severity", severity));
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("opened", openedAt ?? windowEnd));
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("start", windowStart));
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("end", windowEnd));
        command.Parameters.Add(new NpgsqlParameter<double>("observed", observed));
        command.Parameters.Add(new NpgsqlParameter<double>("expected", expected));
        command.Parameters.Add(new NpgsqlParameter("negative", NpgsqlDbType.Double) { Value = (object?)negativeShare ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("baseline_negative", NpgsqlDbType.Double) { Value = (object?)baselineNegativeShare ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter<string>("topics", topics));
        command.Parameters.Add(new NpgsqlParameter<string>("summary", summary ?? $"{signal} for {company ?? "all companies"}"));
        command.Parameters.Add(new NpgsqlParameter("resolved", NpgsqlDbType.TimestampTz) { Value = (object?)resolvedAt ?? DBNull.Value });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
