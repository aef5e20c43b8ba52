using Akka.Actor;
using Akka.Hosting;
using Akka.TestKit.Xunit;
using Microsoft.AspNetCore.Http;
using Pipeline.Actors.Alerts;
using Pipeline.Actors.Tests.Support;
using Pipeline.Tests.Shared;
using Xunit;

namespace Pipeline.Actors.Tests.Alerts;

/// <summary>
/// The detector and the webhook sender in real actor systems, on a real PostgreSQL, sending to a real loopback receiver:
/// one alert per incident, delivered once (signed), retried, abandoned, and neither lost nor repeated across restarts
/// and nodes.
/// </summary>
public sealed class AlertDeliverySpecs(PostgresFixture postgres, ITestOutputHelper output) : TestKit("akka.loglevel = INFO", output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private sealed record Node(ActorSystem System, AlertCounters Counters, IActorRef Detector, IActorRef? Sender);

    private static Node Start(ActorSystem system, TestDatabase database, AlertSettings settings, bool sender = true)
    {
        var counters = new AlertCounters();
        var detector = system.ActorOf(AlertHosting.DetectorProps(settings, database.DataSource, counters));
        IActorRef? delivery = null;
        if (sender)
        {
            delivery = system.ActorOf(AlertHosting.DeliveryProps(settings, database.DataSource, counters));
            ActorRegistry.For(system).TryRegister<WebhookDeliveryActor>(delivery);
        }

        return new Node(system, counters, detector, delivery);
    }

    /// <summary>Waits until <paramref name="node"/>'s detector has run (or skipped) <paramref name="more"/> more checks: time passing, observed.</summary>
    private static Task ChecksAsync(Node node, int more)
    {
        long Done() => node.Counters.Checks.Values.Sum();
        var target = Done() + more;
        return Eventually.TrueAsync($"{more} more checks", () => Task.FromResult(Done() >= target), Patience);
    }

    private static async Task<TestDatabase> CalmAsync(PostgresFixture postgres)
    {
        var database = await TestDatabase.CreateAsync(postgres);
        await AlertPosts.CalmBackgroundAsync(database);
        return database;
    }

    private static async Task<FakeHttpServer> ReceiverAsync(params int[] firstStatuses)
    {
        var receiver = await FakeHttpServer.StartAsync();
        foreach (var status in firstStatuses)
        {
            receiver.Then("/hooks/ops", FakeHttpServer.Respond(status, "no", "text/plain"));
        }

        receiver.Otherwise(FakeHttpServer.Respond(StatusCodes.Status204NoContent, string.Empty, "text/plain"));
        return receiver;
    }

    [Fact]
    public async Task Calm_posts_raise_no_alert()
    {
        await using var database = await CalmAsync(postgres);
        var node = Start(Sys, database, AlertPosts.Settings(), sender: false);

        await ChecksAsync(node, 5);

        Assert.Equal(0, await database.CountAsync("SELECT count(*) FROM pipeline.alerts"));
        Assert.True(node.Counters.Checks.GetValueOrDefault(CheckOutcome.Ran) >= 5);
    }

    [Fact]
    public async Task Burst_raises_exactly_one_alert_however_many_checks_run_after_it()
    {
        await using var database = await CalmAsync(postgres);
        await using var receiver = await ReceiverAsync();
        var node = Start(Sys, database, AlertPosts.Settings(webhooks: AlertPosts.Endpoint(receiver.BaseUrl)));
        await ChecksAsync(node, 2);

        await AlertPosts.BurstAsync(database, "gtbank", 60);
        await Eventually.TrueAsync("an alert", async () => await database.CountAsync("SELECT count(*) FROM pipeline.alerts") > 0, Patience);
        await ChecksAsync(node, 10);

        var alerts = await AlertPosts.AlertsAsync(database);
        var alert = Assert.Single(alerts);
        Assert.Equal("volume_spike:gtbank", alert[1]);
        Assert.Null(alert[4]);
        Assert.Equal(1, await database.CountAsync("SELECT count(*) FROM pipeline.alert_deliveries"));
        Assert.Equal(1, node.Counters.Raised.Values.Sum());
        Assert.Equal(0, node.Counters.Checks.GetValueOrDefault(CheckOutcome.Failed));
    }

    [Fact]
    public async Task Webhook_receives_the_alert_once_signed_with_the_documented_headers()
    {
        await using var database = await CalmAsync(postgres);
        await using var receiver = await ReceiverAsync();
        var node = Start(Sys, database, AlertPosts.Settings(webhooks: AlertPosts.Endpoint(receiver.BaseUrl)));

        await AlertPosts.BurstAsync(database, "gtbank", 60);
        await Eventually.TrueAsync("a delivery", () => Task.FromResult(receiver.Requests.Count > 0), Patience);
        await ChecksAsync(node, 10);

        var request = Assert.Single(receiver.Requests);
        var alertId = (long)(await AlertPosts.AlertsAsync(database))[0][0]!;
        Assert.Equal("/hooks/ops", request.Path);
        Assert.Equal("opened", request.Headers[WebhookDeliveryActor.EventHeader]);
        Assert.Equal($"{alertId}-ops-opened", request.Headers[WebhookDeliveryActor.DeliveryHeader]);
        var timestamp = long.Parse(request.Headers[WebhookDeliveryActor.TimestampHeader], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - timestamp, 0, 120);
        Assert.StartsWith("sha256=", request.Headers[WebhookDeliveryActor.SignatureHeader]);
        Assert.True(WebhookSignature.Verify(AlertPosts.Secret, request.Headers[WebhookDeliveryActor.TimestampHeader], request.Body,
            request.Headers[WebhookDeliveryActor.SignatureHeader]));
        Assert.False(WebhookSignature.Verify("another secret", request.Headers[WebhookDeliveryActor.TimestampHeader], request.Body,
            request.Headers[WebhookDeliveryActor.SignatureHeader]));

        using var json = System.Text.Json.JsonDocument.Parse(request.Body);
        var alert = json.RootElement.GetProperty("alert");
        Assert.Equal($"{alertId}-ops-opened", json.RootElement.GetProperty("id").GetString());
        Assert.Equal("volume_spike", alert.GetProperty("signal").GetString());
        Assert.Equal("GTBank", alert.GetProperty("company").GetString());
        Assert.Equal("App outage", alert.GetProperty("topics")[0].GetProperty("topic_label").GetString());
        Assert.Equal($"http://dashboard.test:8558/?alert={alertId}", alert.GetProperty("links").GetProperty("dashboard").GetString());
        Assert.StartsWith("GTBank: ", alert.GetProperty("summary").GetString());
        Assert.Equal(1, await database.CountAsync("SELECT count(*) FROM pipeline.alert_deliveries WHERE delivered_at IS NOT NULL AND attempts = 1"));
        Assert.Equal(1, node.Counters.Endpoints["ops"].Delivered);
    }

    [Fact]
    public async Task Receiver_failing_twice_then_succeeding_gets_three_requests_and_no_more()
    {
        await using var database = await CalmAsync(postgres);
        await using var receiver = await ReceiverAsync(StatusCodes.Status500InternalServerError, StatusCodes.Status503ServiceUnavailable);
        var node = Start(Sys, database, AlertPosts.Settings(webhooks: AlertPosts.Endpoint(receiver.BaseUrl)));

        await AlertPosts.BurstAsync(database, "gtbank", 60);
        await Eventually.TrueAsync("the delivery", async () =>
            await database.CountAsync("SELECT count(*) FROM pipeline.alert_deliveries WHERE delivered_at IS NOT NULL") == 1, Patience);
        await ChecksAsync(node, 10);

        Assert.Equal(3, receiver.Requests.Count);
        Assert.Single(receiver.Requests.Select(r => r.Headers[WebhookDeliveryActor.DeliveryHeader]).Distinct());
        var delivery = Assert.Single(await AlertPosts.DeliveriesAsync(database));
        Assert.Equal(3, delivery[3]);
        Assert.Equal(204, delivery[6]);
        Assert.Equal((1L, 2L, 0L), (node.Counters.Endpoints["ops"].Delivered, node.Counters.Endpoints["ops"].Failed, node.Counters.Endpoints["ops"].Abandoned));
    }

    [Fact]
    public async Task Receiver_that_always_fails_ends_abandoned_and_counted()
    {
        await using var database = await CalmAsync(postgres);
        await using var receiver = await FakeHttpServer.StartAsync();
        receiver.Otherwise(FakeHttpServer.Respond(StatusCodes.Status500InternalServerError, "down", "text/plain"));
        var node = Start(Sys, database, AlertPosts.Settings(maxAttempts: 3, webhooks: AlertPosts.Endpoint(receiver.BaseUrl)));

        await AlertPosts.BurstAsync(database, "gtbank", 60);
        await Eventually.TrueAsync("the abandonment", async () =>
            await database.CountAsync("SELECT count(*) FROM pipeline.alert_deliveries WHERE abandoned_at IS NOT NULL") == 1, Patience);
        await ChecksAsync(node, 10);

        Assert.Equal(3, receiver.Requests.Count);
        var delivery = Assert.Single(await AlertPosts.DeliveriesAsync(database));
        Assert.Equal(3, delivery[3]);
        Assert.Null(delivery[4]);
        Assert.Equal(500, delivery[6]);
        Assert.Equal("HTTP 500 InternalServerError", delivery[7]);
        await AwaitAssertAsync(() => Assert.Equal(1, node.Counters.Endpoints["ops"].Abandoned), Patience);
        Assert.Equal(["ops"], node.Counters.AbandonedEndpoints(DateTimeOffset.UtcNow, TimeSpan.FromHours(1)));
        Assert.Equal(0, node.Counters.Pending);
    }

    [Fact]
    public async Task Restart_neither_resends_a_delivered_alert_nor_loses_a_queued_one()
    {
        await using var database = await CalmAsync(postgres);
        await using var receiver = await ReceiverAsync();
        var settings = AlertPosts.Settings(webhooks: AlertPosts.Endpoint(receiver.BaseUrl));
        var first = ActorSystem.Create("first", "akka.loglevel = INFO");
        try
        {
            var node = Start(first, database, settings);
            await AlertPosts.BurstAsync(database, "gtbank", 60);
            await Eventually.TrueAsync("the first delivery, recorded", async () =>
                await database.CountAsync("SELECT count(*) FROM pipeline.alert_deliveries WHERE delivered_at IS NOT NULL") == 1, Patience);

            // The sender goes; the detector queues a second alert nobody sends before the node stops.
            await node.Sender!.GracefulStop(TimeSpan.FromSeconds(10));
            await AlertPosts.BurstAsync(database, "zenith", 60);
            await Eventually.TrueAsync("a queued second alert", async () =>
                await database.CountAsync("SELECT count(*) FROM pipeline.alert_deliveries WHERE delivered_at IS NULL") == 1, Patience);
        }
        finally
        {
            await first.Terminate();
        }

        var second = ActorSystem.Create("second", "akka.loglevel = INFO");
        try
        {
            var node = Start(second, database, settings);
            await Eventually.TrueAsync("the queued delivery", () => Task.FromResult(receiver.Requests.Count >= 2), Patience);
            await ChecksAsync(node, 10);
        }
        finally
        {
            await second.Terminate();
        }

        var ids = receiver.Requests.Select(r => r.Headers[WebhookDeliveryActor.DeliveryHeader]).ToList();
        Assert.Equal(2, ids.Count);
        Assert.Equal(2, ids.Distinct().Count());
        Assert.Equal(2, await database.CountAsync("SELECT count(*) FROM pipeline.alert_deliveries WHERE delivered_at IS NOT NULL AND attempts = 1"));
        Assert.Equal(2, await database.CountAsync("SELECT count(*) FROM pipeline.alerts"));
    }

    [Fact]
    public async Task Two_detectors_on_one_database_raise_one_alert()
    {
        await using var database = await CalmAsync(postgres);
        await using var receiver = await ReceiverAsync();
        var settings = AlertPosts.Settings(webhooks: AlertPosts.Endpoint(receiver.BaseUrl));
        var other = ActorSystem.Create("other", "akka.loglevel = INFO");
        try
        {
            var one = Start(Sys, database, settings);
            var two = Start(other, database, settings);
            await AlertPosts.BurstAsync(database, "gtbank", 60);
            await Eventually.TrueAsync("a delivery", () => Task.FromResult(receiver.Requests.Count > 0), Patience);
            await Task.WhenAll(ChecksAsync(one, 10), ChecksAsync(two, 10));

            Assert.Single(await AlertPosts.AlertsAsync(database));
            Assert.Single(receiver.Requests);
            Assert.Equal(1, one.Counters.Raised.Values.Sum() + two.Counters.Raised.Values.Sum());
        }
        finally
        {
            await other.Terminate();
        }
    }

    [Fact]
    public async Task Escalation_is_delivered_as_one_escalated_event()
    {
        await using var database = await CalmAsync(postgres);
        await using var receiver = await ReceiverAsync();
        // Wide severity bands, so a small burst is a warning and a large one critical.
        var rules = AlertPosts.Rules with { MajorRatio = 30, CriticalRatio = 60 };
        var node = Start(Sys, database, AlertPosts.Settings(rules, webhooks: AlertPosts.Endpoint(receiver.BaseUrl)));

        await AlertPosts.BurstAsync(database, "gtbank", 15);
        await Eventually.TrueAsync("the opened delivery", () => Task.FromResult(receiver.Requests.Count == 1), Patience);
        var opened = Assert.Single(await AlertPosts.AlertsAsync(database));
        Assert.NotEqual("critical", opened[2]);

        await AlertPosts.BurstAsync(database, "gtbank", 150);
        await Eventually.TrueAsync("the escalated delivery", () => Task.FromResult(receiver.Requests.Count == 2), Patience);
        await ChecksAsync(node, 10);

        Assert.Equal(["opened", "escalated"], receiver.Requests.Select(r => r.Headers[WebhookDeliveryActor.EventHeader]));
        var escalated = Assert.Single(await AlertPosts.AlertsAsync(database));
        Assert.Equal("critical", escalated[2]);
        Assert.NotNull(escalated[3]);
        Assert.Equal(1, node.Counters.Escalated);
        using var json = System.Text.Json.JsonDocument.Parse(receiver.Requests[1].Body);
        Assert.Equal("escalated", json.RootElement.GetProperty("event").GetString());
        Assert.Equal("critical", json.RootElement.GetProperty("alert").GetProperty("severity").GetString());
    }
}
