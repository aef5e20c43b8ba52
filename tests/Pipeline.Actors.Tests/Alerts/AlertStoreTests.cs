using Npgsql;
using Pipeline.Actors.Alerts;
using Pipeline.Models.Alerts;
using Pipeline.Actors.Tests.Support;
using Pipeline.Tests.Shared;
using Xunit;

namespace Pipeline.Actors.Tests.Alerts;

/// <summary>One check against a real PostgreSQL: the lock, the second line of defence, the minute rollup's pruning, the views.</summary>
public sealed class AlertStoreTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Check_is_skipped_while_another_detector_holds_the_lock()
    {
        await using var database = await TestDatabase.CreateAsync(postgres);
        await AlertPosts.CalmBackgroundAsync(database, days: 3);
        await AlertPosts.BurstAsync(database, "gtbank", 60);
        var store = new AlertStore(database.DataSource);

        await using (var other = await database.DataSource.OpenConnectionAsync())
        await using (var transaction = await other.BeginTransactionAsync())
        {
            await using var hold = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({AlertStore.LockKey})", other, transaction);
            await hold.ExecuteNonQueryAsync();

            var skipped = await store.CheckAsync(AlertPosts.Rules, []);

            Assert.Equal(CheckOutcome.SkippedLocked, skipped.Outcome);
            Assert.Equal(0, await database.CountAsync("SELECT count(*) FROM pipeline.alerts"));
        }

        var ran = await store.CheckAsync(AlertPosts.Rules, []);
        Assert.Equal(CheckOutcome.Ran, ran.Outcome);
        Assert.Single(ran.OpenedAlerts);
        Assert.True(ran.HourlyRows > 0 && ran.MinuteRows > 0);
    }

    [Fact]
    public async Task Hours_backfilled_after_a_check_reach_the_baseline_at_the_next_check_not_an_hour_later()
    {
        // A first start: the detector's first check runs while the scrapers still walk the backlog.
        await using var database = await TestDatabase.CreateAsync(postgres);
        var store = new AlertStore(database.DataSource);
        var before = await store.CheckAsync(AlertPosts.Rules, []);
        Assert.Equal((CheckOutcome.Ran, 0), (before.Outcome, before.HourlyRows));

        // The backlog lands: a steady post a minute for each company. Read with only the last hours of it, the level
        // would be a fraction of the real one and every company would "spike".
        await AlertPosts.CalmBackgroundAsync(database, days: 3, perHour: 60);
        var calm = await store.CheckAsync(AlertPosts.Rules, []);
        Assert.Empty(calm.OpenedAlerts);

        await AlertPosts.BurstAsync(database, "gtbank", 90);
        var burst = await store.CheckAsync(AlertPosts.Rules, []);
        Assert.Equal(AlertSignal.VolumeSpike, Assert.Single(burst.OpenedAlerts).Signal);
    }

    [Fact]
    public async Task Check_deletes_minute_rows_older_than_the_horizon_and_keeps_the_rest()
    {
        await using var database = await TestDatabase.CreateAsync(postgres);
        await AlertPosts.CalmBackgroundAsync(database, days: 3);
        // Rows the trigger wrote while their minute was recent, as the detector finds them two days later.
        await database.CountAsync("""
            INSERT INTO pipeline.minute_rollup (minute, company_id, topic_id, sentiment_label, posts)
            SELECT date_trunc('minute', now()) - interval '2 days' - m * interval '1 minute', 'gtbank', 1, 'neutral', 3
            FROM generate_series(1, 30) m
            """);
        var recent = await database.CountAsync("SELECT count(*) FROM pipeline.minute_rollup WHERE minute >= pipeline.minute_rollup_horizon()");

        var report = await new AlertStore(database.DataSource).CheckAsync(AlertPosts.Rules, []);

        Assert.Equal(30, report.MinuteRowsDeleted);
        Assert.Equal(0, await database.CountAsync("SELECT count(*) FROM pipeline.minute_rollup WHERE minute < pipeline.minute_rollup_horizon()"));
        Assert.Equal(recent, await database.CountAsync("SELECT count(*) FROM pipeline.minute_rollup"));
    }

    [Fact]
    public async Task Open_incident_already_in_the_table_is_touched_not_opened_again()
    {
        await using var database = await TestDatabase.CreateAsync(postgres);
        await AlertPosts.CalmBackgroundAsync(database, days: 3);
        await AlertPosts.BurstAsync(database, "gtbank", 60);
        var store = new AlertStore(database.DataSource);
        var ops = AlertPosts.Endpoint(new Uri("http://127.0.0.1:9/"));

        var first = await store.CheckAsync(AlertPosts.Rules, [ops]);
        var second = await store.CheckAsync(AlertPosts.Rules, [ops]);

        Assert.Single(first.OpenedAlerts);
        Assert.Equal(1, first.DeliveriesQueued);
        Assert.Empty(second.OpenedAlerts);
        Assert.Equal(1, second.Touched);
        Assert.Equal(0, second.DeliveriesQueued);
        Assert.Equal(1, await database.CountAsync("SELECT count(*) FROM pipeline.alerts"));
        Assert.Equal(1, await database.CountAsync("SELECT count(*) FROM pipeline.alert_deliveries"));
    }

    [Fact]
    public async Task Webhook_filters_decide_which_endpoints_get_a_delivery()
    {
        await using var database = await TestDatabase.CreateAsync(postgres);
        await AlertPosts.CalmBackgroundAsync(database, days: 3);
        await AlertPosts.BurstAsync(database, "gtbank", 60);
        var receiver = new Uri("http://127.0.0.1:9/");
        WebhookEndpoint[] webhooks =
        [
            AlertPosts.Endpoint(receiver, "all"),
            AlertPosts.Endpoint(receiver, "gtbank-only") with { Companies = new HashSet<string> { "gtbank" } },
            AlertPosts.Endpoint(receiver, "zenith-only") with { Companies = new HashSet<string> { "zenith" } },
            AlertPosts.Endpoint(receiver, "topics-only") with { Signals = new HashSet<Models.Alerts.AlertSignal> { Models.Alerts.AlertSignal.EmergingTopic } },
        ];

        await new AlertStore(database.DataSource).CheckAsync(AlertPosts.Rules, webhooks);

        var endpoints = (await database.RowsAsync("SELECT endpoint FROM pipeline.alert_deliveries ORDER BY endpoint")).Select(r => (string)r[0]!);
        Assert.Equal(["all", "gtbank-only"], endpoints);
    }

    [Fact]
    public async Task Reporting_alerts_shows_the_alert_with_company_name_and_topic_label()
    {
        await using var database = await TestDatabase.CreateAsync(postgres);
        await AlertPosts.CalmBackgroundAsync(database, days: 3);
        await AlertPosts.BurstAsync(database, "gtbank", 60);
        await new AlertStore(database.DataSource).CheckAsync(AlertPosts.Rules, []);

        var row = Assert.Single(await database.RowsAsync(
            "SELECT signal, status, company, industry, topics->0->>'topic_id', summary, ratio FROM reporting.alerts"));

        Assert.Equal("volume_spike", row[0]);
        Assert.Equal("open", row[1]);
        Assert.Equal("GTBank", row[2]);
        Assert.Equal("Banking", row[3]);
        Assert.Equal("1", row[4]);
        Assert.Contains("App outage", (string)row[5]!);
        Assert.True((double)row[6]! > 2);
        // A topic-level alert names its topic: the label comes from the latest catalog.
        await database.CountAsync("UPDATE pipeline.alerts SET topic_id = 1");
        await database.CountAsync("INSERT INTO pipeline.topics (model_version, topic_id, label, published_at) VALUES ('lda-2', 1, 'Mobile app down', now() + interval '1 minute')");
        Assert.Equal("Mobile app down", (await database.RowsAsync("SELECT topic_label FROM reporting.alerts"))[0][0]);
    }
}
