using Npgsql;
using Pipeline.Actors.Alerts;
using Pipeline.Actors.Tests.Support;
using Pipeline.Models.Alerts;

namespace Pipeline.Actors.Tests.Alerts;

/// <summary>
/// Posts for alert tests, written straight into <c>pipeline.scored_posts</c> so the rollup triggers fill the hourly and
/// minute rollups the detector reads: a calm background over the past weeks, and bursts "now".
/// </summary>
internal static class AlertPosts
{
    public const string Secret = "test-webhook-secret";
    public static readonly string[] Calm = ["gtbank", "access", "zenith"];
    private static long _nextBurstId = 50_000_000;

    /// <summary>The topic catalog (labels for summaries, reporting.alerts and payloads).</summary>
    public static async Task CatalogAsync(TestDatabase database) => await database.CountAsync("""
        INSERT INTO pipeline.topics (model_version, topic_id, label)
        VALUES ('lda-1', 0, 'Transfers'), ('lda-1', 1, 'App outage'), ('lda-1', 2, 'Cards'), ('lda-1', 3, 'Customer care')
        """);

    /// <summary>
    /// <paramref name="perHour"/> posts an hour for each of <see cref="Calm"/> over the last <paramref name="days"/> days up
    /// to now, spread over the hour and over four topics, a third of them negative.
    /// </summary>
    public static async Task CalmBackgroundAsync(TestDatabase database, int days = 30, int perHour = 4)
    {
        await CatalogAsync(database);
        await using var command = database.DataSource.CreateCommand("""
            INSERT INTO pipeline.scored_posts (post_id, company_id, created_at, clean_text, sentiment_text, topic_id, topic_label,
                                               topic_model_version, sentiment_label)
            SELECT row_number() OVER (), company, at, 't', 't', (h + k) % 4, 'Topic ' || (h + k) % 4, 'lda-1',
                   CASE WHEN (h + k) % 3 = 0 THEN 'negative' ELSE 'neutral' END
            FROM unnest(@companies) company, generate_series(0, @hours) h, generate_series(0, @per_hour - 1) k,
                 LATERAL (SELECT date_trunc('hour', now()) - h * interval '1 hour'
                                 + ((k * 60 / @per_hour) + (h * 7 + length(company)) % (60 / @per_hour)) * interval '1 minute' AS at) t
            WHERE at < now() - interval '1 minute'
            """);
        command.Parameters.AddWithValue("companies", Calm);
        command.Parameters.AddWithValue("hours", days * 24);
        command.Parameters.AddWithValue("per_hour", perHour);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary><paramref name="posts"/> negative posts about topic 1 for <paramref name="company"/> in the last few whole minutes.</summary>
    public static async Task BurstAsync(TestDatabase database, string company, int posts)
    {
        var first = Interlocked.Add(ref _nextBurstId, posts) - posts;
        await using var command = database.DataSource.CreateCommand("""
            INSERT INTO pipeline.scored_posts (post_id, company_id, created_at, clean_text, sentiment_text, topic_id, topic_label,
                                               topic_model_version, sentiment_label)
            SELECT @first + i, @company, date_trunc('minute', now()) - interval '1 minute' - (i % 5) * interval '1 minute' + interval '5 seconds',
                   't', 't', 1, 'Topic 1', 'lda-1', 'negative'
            FROM generate_series(1, @posts) i
            """);
        command.Parameters.AddWithValue("first", first);
        command.Parameters.AddWithValue("company", company);
        command.Parameters.AddWithValue("posts", posts);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Detection rules for tests: the defaults, with lower post floors so small bursts count.</summary>
    public static AlertRules Rules { get; } = AlertRules.Default with { CompanyMinPosts = 10, TopicMinPosts = 5 };

    public static WebhookEndpoint Endpoint(Uri receiver, string name = "ops", string path = "/hooks/ops") =>
        new(name, new Secret(new Uri(receiver, path).AbsoluteUri), WebhookFormat.Json, new HashSet<string>(), new HashSet<AlertSignal>(),
            AlertSeverity.Warning, new Secret(Secret));

    /// <summary>Short intervals: a check every 200 ms, polls every 100 ms, first retry after 100 ms.</summary>
    public static AlertSettings Settings(AlertRules? rules = null, int maxAttempts = 20, params WebhookEndpoint[] webhooks) => new(
        true, TimeSpan.FromMilliseconds(200), rules ?? Rules, new Uri("http://dashboard.test:8558"), webhooks,
        new DeliverySettings(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(400), maxAttempts));

    public static async Task<List<object?[]>> AlertsAsync(TestDatabase database) =>
        await database.RowsAsync("SELECT alert_id, incident_key, severity, escalated_at, resolved_at FROM pipeline.alerts ORDER BY alert_id");

    public static async Task<List<object?[]>> DeliveriesAsync(TestDatabase database) =>
        await database.RowsAsync("SELECT alert_id, endpoint, event, attempts, delivered_at, abandoned_at, last_status, last_error FROM pipeline.alert_deliveries ORDER BY alert_id, event");

    public static NpgsqlDataSource Source(TestDatabase database) => database.DataSource;
}
