using System.Text;
using Pipeline.Actors.Alerts;
using Pipeline.Host.Demo;
using Pipeline.Models.Alerts;

namespace Pipeline.Host.Tests.Demo;

/// <summary>The demo's loopback webhook receiver: prints verified alerts once, refuses what does not verify.</summary>
public sealed class DemoWebhookReceiverTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private static readonly AlertEvent Event = new(
        7, DemoWebhookReceiver.EndpointName, "opened", 0, AlertSignal.VolumeSpike, AlertSeverity.Major, "gtbank", "GTBank", null, null,
        DateTimeOffset.UtcNow.AddMinutes(-15), DateTimeOffset.UtcNow, 48, 9, 1e-9, 0.8, 0.3, "hour-of-week x 24h level",
        "GTBank: 48 posts in the last 15 min, 5.3x the 9 expected", [], DateTimeOffset.UtcNow);

    private static async Task<int> PostAsync(DemoWebhookReceiver receiver, string body, string secret, long? timestamp = null, string delivery = "7-demo-opened")
    {
        var at = timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, receiver.Url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add(WebhookDeliveryActor.DeliveryHeader, delivery);
        request.Headers.Add(WebhookDeliveryActor.TimestampHeader, at.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookDeliveryActor.SignatureHeader, WebhookSignature.Sign(secret, at, body));
        using var response = await Http.SendAsync(request);
        return (int)response.StatusCode;
    }

    [Fact]
    public async Task Signed_delivery_prints_one_line_and_a_repeat_of_it_prints_nothing_more()
    {
        using var output = new StringWriter();
        await using var receiver = await DemoWebhookReceiver.StartAsync(output);
        var secret = receiver.Endpoint.SigningSecret!.Reveal();
        var body = WebhookPayloads.Json(Event, AlertSettings.Disabled, DateTimeOffset.UtcNow);

        Assert.Equal(204, await PostAsync(receiver, body, secret));
        Assert.Equal(204, await PostAsync(receiver, body, secret));

        Assert.Equal(["  Webhook ✓ major volume_spike GTBank: 48 posts in the last 15 min, 5.3x the 9 expected"],
            output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Delivery_that_does_not_verify_is_refused_with_a_line_saying_so()
    {
        using var output = new StringWriter();
        await using var receiver = await DemoWebhookReceiver.StartAsync(output);
        var secret = receiver.Endpoint.SigningSecret!.Reveal();
        var body = WebhookPayloads.Json(Event, AlertSettings.Disabled, DateTimeOffset.UtcNow);

        Assert.Equal(401, await PostAsync(receiver, body, "not the demo's secret"));
        Assert.Equal(401, await PostAsync(receiver, body, secret, timestamp: DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds(), delivery: "8-demo-opened"));

        var lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.All(lines, l => Assert.StartsWith("  Webhook ✗ signature does not verify", l));
        Assert.DoesNotContain("✓", output.ToString());
    }

    [Fact]
    public async Task Each_demo_run_has_its_own_secret_and_the_endpoint_never_prints_it()
    {
        await using var one = await DemoWebhookReceiver.StartAsync(TextWriter.Null);
        await using var two = await DemoWebhookReceiver.StartAsync(TextWriter.Null);

        Assert.NotEqual(one.Endpoint.SigningSecret!.Reveal(), two.Endpoint.SigningSecret!.Reveal());
        Assert.Equal(64, one.Endpoint.SigningSecret!.Reveal().Length);
        Assert.DoesNotContain(one.Endpoint.SigningSecret!.Reveal(), one.Endpoint.ToString());
    }
}
