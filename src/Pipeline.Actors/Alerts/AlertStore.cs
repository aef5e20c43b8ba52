using System.Diagnostics;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Pipeline.Models.Alerts;

namespace Pipeline.Actors.Alerts;

/// <summary>What one check did, for the detector's logs and counters (and the benchmark).</summary>
public sealed record CheckReport(
    CheckOutcome Outcome,
    TimeSpan Duration,
    int HourlyRows = 0,
    int MinuteRows = 0,
    int Detections = 0,
    IReadOnlyList<RaisedAlert>? Opened = null,
    IReadOnlyList<RaisedAlert>? Escalated = null,
    int Touched = 0,
    int Resolved = 0,
    int DeliveriesQueued = 0,
    long MinuteRowsDeleted = 0)
{
    /// <summary>Time spent reading the history and open incidents (one round trip).</summary>
    public TimeSpan Load { get; init; }

    /// <summary>Time the pure core took: detection, incident decisions, summaries.</summary>
    public TimeSpan Decide { get; init; }

    public IReadOnlyList<RaisedAlert> OpenedAlerts => Opened ?? [];

    public IReadOnlyList<RaisedAlert> EscalatedAlerts => Escalated ?? [];
}

/// <summary>An alert a check opened or escalated.</summary>
public sealed record RaisedAlert(long AlertId, AlertSignal Signal, AlertSeverity Severity, string Summary);

/// <summary>
/// The detector's database side: one check is one transaction that first takes the alerts' advisory lock (so one
/// detector in the cluster works at a time and the others skip), reads the rollups into an <see cref="AlertHistory"/>
/// and the open incidents, lets the pure core decide (<see cref="AlertPlan"/>), and writes the alerts, their webhook
/// outbox rows and the minute rollup's pruning in the same transaction.
/// </summary>
/// <remarks>
/// The hourly history (35 days by default, the emerging-topic comparison's span) is the bulk of what a check reads, and
/// all but its last hours are usually settled. The store keeps the hours older than <see cref="RecentHours"/> from a full
/// read and reads only the recent ones at each check, reading everything again every <see cref="FullReloadEvery"/>, or
/// at once when the kept hours of the level window changed: a backfill (a scraper's first start, a restart after a gap,
/// an import) writes old hours, and a check that kept the nearly empty hours of its first read would take a fraction of
/// the real level and call every company's ordinary volume a spike for an hour. A change is seen from a fingerprint of
/// the kept hours within <see cref="AlertRules.LevelWindow"/> of the boundary (rows, posts, negative posts, posts weighted
/// by topic): one aggregate over a day of the rollup (a few ms at a million posts; the whole 35 days cost 120 ms). Older
/// hours feed only the seasonal profile and the emerging-topic shares, which move slowly: the hourly reread catches them.
/// </remarks>
public sealed class AlertStore(NpgsqlDataSource dataSource)
{
    /// <summary>Hours before the current one read at every check; older ones come from the last full read.</summary>
    public static readonly TimeSpan RecentHours = TimeSpan.FromHours(3);

    /// <summary>How often the whole hourly history is read again.</summary>
    public TimeSpan FullReloadEvery { get; init; } = TimeSpan.FromHours(1);

    private HourlyCache? _cache;

    private sealed record HourRow(DateTimeOffset Hour, string Company, int? Topic, int Posts, int Negatives);

    /// <summary>
    /// Hourly rows in [<paramref name="Start"/>, <paramref name="Boundary"/>), read at <paramref name="ReadAt"/> (database
    /// time), when the fingerprint of its last level window was <paramref name="Fingerprint"/>.
    /// </summary>
    private sealed record HourlyCache(DateTimeOffset Start, DateTimeOffset Boundary, DateTimeOffset ReadAt, Fingerprint Fingerprint, List<HourRow> Rows);

    private readonly record struct Fingerprint(long Rows, long Posts, long Negatives, long TopicWeighted);

    private const string FingerprintSql = """
        SELECT count(*), coalesce(sum(posts), 0)::bigint,
               coalesce(sum(posts) FILTER (WHERE sentiment_label = 'negative'), 0)::bigint,
               coalesce(sum(posts * (coalesce(topic_id, -2) + 3)), 0)::bigint
        FROM pipeline.hourly_rollup
        WHERE hour >= @from AND hour < @to
        """;

    /// <summary>
    /// The advisory lock key of the detector (any fixed bigint no other code uses; "alerts" in ASCII). Transaction-
    /// scoped, so a detector that dies mid-check releases it with its connection.
    /// </summary>
    public const long LockKey = 0x616c65727473;

    private const string LoadSql = """
        SELECT r.hour, r.company_id, r.topic_id, sum(r.posts)::bigint,
               coalesce(sum(r.posts) FILTER (WHERE r.sentiment_label = 'negative'), 0)::bigint
        FROM pipeline.hourly_rollup r
        WHERE r.hour >= @hourly_from AND r.hour <= @now
          AND r.company_id IN (SELECT company_id FROM pipeline.companies)
        GROUP BY 1, 2, 3;

        SELECT r.minute, r.company_id, r.topic_id, sum(r.posts)::bigint,
               coalesce(sum(r.posts) FILTER (WHERE r.sentiment_label = 'negative'), 0)::bigint
        FROM pipeline.minute_rollup r
        WHERE r.minute >= @minute_from AND r.minute <= @now
          AND r.company_id IN (SELECT company_id FROM pipeline.companies)
        GROUP BY 1, 2, 3;

        SELECT alert_id, incident_key, signal, company_id, severity, escalated_at IS NOT NULL, opened_at, last_seen_at, peak_observed
        FROM pipeline.alerts WHERE resolved_at IS NULL;

        SELECT company_id, display_name FROM pipeline.companies;

        SELECT DISTINCT ON (topic_id) topic_id, label FROM pipeline.topics ORDER BY topic_id, published_at DESC, model_version DESC;
        """;

    // Opens: the insert skips a key another transaction opened meanwhile (a second line of defence behind the lock),
    // and only the rows it did insert get outbox rows.
    private const string OpenSql = """
        WITH inserted AS (
            INSERT INTO pipeline.alerts AS a (incident_key, signal, company_id, topic_id, severity, opened_severity, opened_at,
                window_start, window_end, observed, expected, p_value, negative_share, baseline_negative_share, baseline,
                topics, summary, peak_observed, last_seen_at)
            SELECT d.incident_key, d.signal, d.company_id, d.topic_id, d.severity, d.severity, @now,
                   d.window_start, d.window_end, d.observed, d.expected, d.p_value, d.negative_share, d.baseline_negative_share, d.baseline,
                   d.topics::jsonb, d.summary, d.observed, @now
            FROM unnest(@keys, @signals, @companies, @topics, @severities, @window_starts, @window_ends, @observed, @expected,
                        @p_values, @negative_shares, @baseline_shares, @baselines, @topic_lists, @summaries)
                 AS d(incident_key, signal, company_id, topic_id, severity, window_start, window_end, observed, expected,
                      p_value, negative_share, baseline_negative_share, baseline, topics, summary)
            ON CONFLICT (incident_key) WHERE resolved_at IS NULL DO NOTHING
            RETURNING a.alert_id, a.incident_key),
        queued AS (
            INSERT INTO pipeline.alert_deliveries (alert_id, endpoint, event)
            SELECT i.alert_id, q.endpoint, 'opened'
            FROM inserted i JOIN unnest(@queue_keys, @queue_endpoints) AS q(incident_key, endpoint) USING (incident_key)
            ON CONFLICT DO NOTHING
            RETURNING 1)
        SELECT i.alert_id, i.incident_key, (SELECT count(*) FROM queued) FROM inserted i
        """;

    private const string UpdateSql = """
        UPDATE pipeline.alerts a SET
            severity = d.severity,
            escalated_at = CASE WHEN d.escalated THEN @now ELSE a.escalated_at END,
            topic_id = d.topic_id,
            window_start = d.window_start,
            window_end = d.window_end,
            observed = d.observed,
            expected = d.expected,
            p_value = d.p_value,
            negative_share = d.negative_share,
            baseline_negative_share = d.baseline_negative_share,
            baseline = d.baseline,
            topics = d.topics::jsonb,
            summary = d.summary,
            peak_observed = greatest(a.peak_observed, d.observed),
            last_seen_at = @now
        FROM unnest(@ids, @escalated, @severities, @topics, @window_starts, @window_ends, @observed, @expected, @p_values,
                    @negative_shares, @baseline_shares, @baselines, @topic_lists, @summaries)
             AS d(alert_id, escalated, severity, topic_id, window_start, window_end, observed, expected, p_value,
                  negative_share, baseline_negative_share, baseline, topics, summary)
        WHERE a.alert_id = d.alert_id AND a.resolved_at IS NULL
        """;

    private const string EscalationQueueSql = """
        INSERT INTO pipeline.alert_deliveries (alert_id, endpoint, event)
        SELECT q.alert_id, q.endpoint, 'escalated' FROM unnest(@ids, @endpoints) AS q(alert_id, endpoint)
        JOIN pipeline.alerts a USING (alert_id)
        WHERE a.resolved_at IS NULL
        ON CONFLICT DO NOTHING
        """;

    /// <summary>Runs one check now; <see cref="CheckOutcome.SkippedLocked"/> when another detector holds the lock.</summary>
    public async Task<CheckReport> CheckAsync(AlertRules rules, IReadOnlyList<WebhookEndpoint> webhooks, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        DateTimeOffset now;
        // work_mem for this transaction only: the hourly aggregate of a full read must not spill to disk.
        await using (var lockCommand = new NpgsqlCommand(
            "SELECT pg_try_advisory_xact_lock(@key), now(), set_config('work_mem', '64MB', true)", connection, transaction))
        {
            lockCommand.Parameters.AddWithValue("key", LockKey);
            await using var reader = await lockCommand.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            if (!reader.GetBoolean(0))
            {
                return new CheckReport(CheckOutcome.SkippedLocked, clock.Elapsed);
            }

            now = reader.GetFieldValue<DateTimeOffset>(1);
        }

        var loadStarted = clock.Elapsed;
        var loaded = await LoadAsync(connection, transaction, now, rules, ct);
        var decideStarted = clock.Elapsed;
        var plan = AlertPlan.Make(loaded.History, loaded.Open, rules, webhooks, loaded.CompanyNames, loaded.TopicLabels);
        var decided = clock.Elapsed;
        var (opened, queued) = await OpenAsync(connection, transaction, now, plan.Opens, ct);
        queued += await UpdateAsync(connection, transaction, now, plan.Updates, ct);
        await using (var resolve = new NpgsqlCommand(
            "UPDATE pipeline.alerts SET resolved_at = @now WHERE alert_id = ANY(@ids) AND resolved_at IS NULL", connection, transaction))
        {
            resolve.Parameters.AddWithValue("now", now);
            resolve.Parameters.AddWithValue("ids", plan.Resolves.ToArray());
            if (plan.Resolves.Count > 0)
            {
                await resolve.ExecuteNonQueryAsync(ct);
            }
        }

        // The minute rollup keeps the last two days: the trigger stops adding to a minute then, and this removes it.
        await using var prune = new NpgsqlCommand("DELETE FROM pipeline.minute_rollup WHERE minute < pipeline.minute_rollup_horizon()", connection, transaction);
        var pruned = await prune.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);

        var escalated = plan.Updates.Where(u => u.Escalated)
            .Select(u => new RaisedAlert(u.AlertId, u.Detection.Signal, u.Severity, u.Summary)).ToList();
        return new CheckReport(CheckOutcome.Ran, clock.Elapsed, loaded.HourlyRows, loaded.MinuteRows, plan.Detections,
            opened, escalated, plan.Updates.Count(u => !u.Escalated), plan.Resolves.Count, queued, pruned)
        {
            Load = decideStarted - loadStarted,
            Decide = decided - decideStarted,
        };
    }

    private static async Task<Fingerprint> FingerprintAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(FingerprintSql, connection, transaction);
        command.Parameters.AddWithValue("from", from);
        command.Parameters.AddWithValue("to", to);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new Fingerprint(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
    }

    private sealed record Loaded(
        AlertHistory History, IReadOnlyList<OpenIncident> Open, IReadOnlyDictionary<string, string> CompanyNames,
        IReadOnlyDictionary<int, string> TopicLabels, int HourlyRows, int MinuteRows);

    /// <summary>The history the rules need (hourly and minute counts per company and per company and topic), in one round trip.</summary>
    private async Task<Loaded> LoadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DateTimeOffset now, AlertRules rules, CancellationToken ct)
    {
        var hourlyFrom = now - rules.HourlyLookback;
        var minuteFrom = now - rules.MinuteLookback;
        var history = new AlertHistory(now, hourlyFrom, minuteFrom);
        var cache = _cache is { } c && now - c.ReadAt < FullReloadEvery && now >= c.ReadAt ? c : null;
        if (cache is not null
            && await FingerprintAsync(connection, transaction, cache.Boundary - rules.LevelWindow, cache.Boundary, ct) != cache.Fingerprint)
        {
            cache = null;
        }

        // Taken before the rows are read: a write that lands in between changes the next check's fingerprint.
        var boundary = new DateTimeOffset(now.UtcTicks / TimeSpan.TicksPerHour * TimeSpan.TicksPerHour, TimeSpan.Zero) - RecentHours;
        var fingerprint = cache is null ? await FingerprintAsync(connection, transaction, boundary - rules.LevelWindow, boundary, ct) : default;
        await using var command = new NpgsqlCommand(LoadSql, connection, transaction);
        // The history floors its starts; the queries must not hand it a bucket before them.
        command.Parameters.AddWithValue("hourly_from", cache?.Boundary ?? history.HourlyStart);
        command.Parameters.AddWithValue("minute_from", history.MinuteStart);
        command.Parameters.AddWithValue("now", now);
        await using var reader = await command.ExecuteReaderAsync(ct);

        var read = new List<HourRow>();
        while (await reader.ReadAsync(ct))
        {
            var (at, company, topic, posts, negatives) = Bucket(reader);
            read.Add(new HourRow(at, company, topic, posts, negatives));
        }

        var hourlyRows = read.Count;
        if (cache is null)
        {
            _cache = cache = new HourlyCache(history.HourlyStart, boundary, now, fingerprint, [.. read.Where(r => r.Hour < boundary)]);
            read.RemoveAll(r => r.Hour < boundary);
        }

        foreach (var row in cache.Rows.Where(r => r.Hour >= history.HourlyStart).Concat(read))
        {
            if (row.Topic is not null)
            {
                history.AddHourly(new SeriesKey(row.Company, row.Topic), row.Hour, row.Posts, row.Negatives);
            }

            history.AddHourly(new SeriesKey(row.Company, null), row.Hour, row.Posts, row.Negatives);
        }

        await reader.NextResultAsync(ct);
        var minuteRows = 0;
        while (await reader.ReadAsync(ct))
        {
            minuteRows++;
            var (at, company, topic, posts, negatives) = Bucket(reader);
            if (topic is not null)
            {
                history.AddMinute(new SeriesKey(company, topic), at, posts, negatives);
            }

            history.AddMinute(new SeriesKey(company, null), at, posts, negatives);
        }

        await reader.NextResultAsync(ct);
        var open = new List<OpenIncident>();
        while (await reader.ReadAsync(ct))
        {
            open.Add(new OpenIncident(
                reader.GetInt64(0), reader.GetString(1), AlertSignals.Parse(reader.GetString(2)), reader.IsDBNull(3) ? null : reader.GetString(3),
                AlertSeverities.Parse(reader.GetString(4)), reader.GetBoolean(5), reader.GetFieldValue<DateTimeOffset>(6),
                reader.GetFieldValue<DateTimeOffset>(7), reader.GetDouble(8)));
        }

        await reader.NextResultAsync(ct);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct))
        {
            names[reader.GetString(0)] = reader.GetString(1);
        }

        await reader.NextResultAsync(ct);
        var labels = new Dictionary<int, string>();
        while (await reader.ReadAsync(ct))
        {
            labels[reader.GetInt32(0)] = reader.GetString(1);
        }

        return new Loaded(history, open, names, labels, hourlyRows, minuteRows);
    }

    private static (DateTimeOffset At, string Company, int? Topic, int Posts, int Negatives) Bucket(NpgsqlDataReader reader) => (
        reader.GetFieldValue<DateTimeOffset>(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt32(2),
        checked((int)reader.GetInt64(3)), checked((int)reader.GetInt64(4)));

    private static async Task<(IReadOnlyList<RaisedAlert> Opened, int Queued)> OpenAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, DateTimeOffset now, IReadOnlyList<AlertPlan.OpenRow> opens, CancellationToken ct)
    {
        if (opens.Count == 0)
        {
            return ([], 0);
        }

        await using var command = new NpgsqlCommand(OpenSql, connection, transaction);
        command.Parameters.AddWithValue("now", now);
        command.Parameters.AddWithValue("keys", opens.Select(o => o.Detection.IncidentKey).ToArray());
        command.Parameters.AddWithValue("signals", opens.Select(o => AlertSignals.Name(o.Detection.Signal)).ToArray());
        command.Parameters.AddWithValue("companies", NpgsqlDbType.Array | NpgsqlDbType.Text, opens.Select(o => o.Detection.CompanyId).ToArray());
        command.Parameters.AddWithValue("severities", opens.Select(o => AlertSeverities.Name(o.Detection.Severity)).ToArray());
        command.Parameters.AddWithValue("summaries", opens.Select(o => o.Summary).ToArray());
        AddDetectionColumns(command, opens.Select(o => o.Detection).ToList());
        var queue = opens.SelectMany(o => o.Endpoints.Select(e => (o.Detection.IncidentKey, Endpoint: e))).ToList();
        command.Parameters.AddWithValue("queue_keys", queue.Select(q => q.IncidentKey).ToArray());
        command.Parameters.AddWithValue("queue_endpoints", queue.Select(q => q.Endpoint).ToArray());

        var byKey = opens.ToDictionary(o => o.Detection.IncidentKey, StringComparer.Ordinal);
        var opened = new List<RaisedAlert>();
        var queued = 0;
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var row = byKey[reader.GetString(1)];
            opened.Add(new RaisedAlert(reader.GetInt64(0), row.Detection.Signal, row.Detection.Severity, row.Summary));
            queued = checked((int)reader.GetInt64(2));
        }

        return (opened, queued);
    }

    private static async Task<int> UpdateAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, DateTimeOffset now, IReadOnlyList<AlertPlan.UpdateRow> updates, CancellationToken ct)
    {
        if (updates.Count == 0)
        {
            return 0;
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        var update = new NpgsqlBatchCommand(UpdateSql);
        update.Parameters.AddWithValue("now", now);
        update.Parameters.AddWithValue("ids", updates.Select(u => u.AlertId).ToArray());
        update.Parameters.AddWithValue("escalated", updates.Select(u => u.Escalated).ToArray());
        update.Parameters.AddWithValue("severities", updates.Select(u => AlertSeverities.Name(u.Severity)).ToArray());
        update.Parameters.AddWithValue("summaries", updates.Select(u => u.Summary).ToArray());
        AddDetectionColumns(update, updates.Select(u => u.Detection).ToList());
        batch.BatchCommands.Add(update);

        var queue = updates.Where(u => u.Escalated).SelectMany(u => u.Endpoints.Select(e => (u.AlertId, Endpoint: e))).ToList();
        var escalations = new NpgsqlBatchCommand(EscalationQueueSql);
        escalations.Parameters.AddWithValue("ids", queue.Select(q => q.AlertId).ToArray());
        escalations.Parameters.AddWithValue("endpoints", queue.Select(q => q.Endpoint).ToArray());
        batch.BatchCommands.Add(escalations);
        await batch.ExecuteNonQueryAsync(ct);
        return escalations.RecordsAffected > int.MaxValue ? int.MaxValue : (int)escalations.RecordsAffected;
    }

    /// <summary>The columns opens and updates both take from a detection, as parallel arrays for <c>unnest</c>.</summary>
    private static void AddDetectionColumns(NpgsqlParameterCollection parameters, List<Detection> detections)
    {
        parameters.AddWithValue("topics", NpgsqlDbType.Array | NpgsqlDbType.Integer, detections.Select(d => d.TopicId).ToArray());
        parameters.AddWithValue("window_starts", detections.Select(d => d.WindowStart.UtcDateTime).ToArray());
        parameters.AddWithValue("window_ends", detections.Select(d => d.WindowEnd.UtcDateTime).ToArray());
        parameters.AddWithValue("observed", detections.Select(d => d.Observed).ToArray());
        parameters.AddWithValue("expected", detections.Select(d => d.Expected).ToArray());
        parameters.AddWithValue("p_values", detections.Select(d => Finite(d.PValue)).ToArray());
        parameters.AddWithValue("negative_shares", NpgsqlDbType.Array | NpgsqlDbType.Double, detections.Select(d => d.NegativeShare).ToArray());
        parameters.AddWithValue("baseline_shares", NpgsqlDbType.Array | NpgsqlDbType.Double, detections.Select(d => d.BaselineNegativeShare).ToArray());
        parameters.AddWithValue("baselines", detections.Select(d => d.Baseline).ToArray());
        parameters.AddWithValue("topic_lists", NpgsqlDbType.Array | NpgsqlDbType.Text, detections.Select(d => TopicsJson(d.Topics)).ToArray());
    }

    private static void AddDetectionColumns(NpgsqlCommand command, List<Detection> detections) => AddDetectionColumns(command.Parameters, detections);

    private static void AddDetectionColumns(NpgsqlBatchCommand command, List<Detection> detections) => AddDetectionColumns(command.Parameters, detections);

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    /// <summary>The <c>topics</c> column: <c>[{"topic_id", "observed", "expected"}]</c>, largest excess first (the core's order).</summary>
    public static string TopicsJson(IReadOnlyList<TopicContribution> topics) =>
        JsonSerializer.Serialize(topics.Select(t => new Dictionary<string, object?>
        {
            ["topic_id"] = t.TopicId,
            ["observed"] = t.Observed,
            ["expected"] = Math.Round(t.Expected, 3),
        }));
}
