using System.Text.Json;
using Pipeline.Actors.Alerts;
using Pipeline.Models.Alerts;
using Xunit;

namespace Pipeline.Actors.Tests.Alerts;

/// <summary>The bodies, signatures, routing and retry schedule of webhooks: pure, no server.</summary>
public sealed class WebhookPayloadTests
{
    private static readonly AlertSettings Links = AlertSettings.Disabled with { PublicUrl = new Uri("https://pipeline.example.com/base/") };

    private static readonly AlertEvent Event = new(
        42, "ops", "opened", 0, AlertSignal.VolumeSpike, AlertSeverity.Major, "gtbank", "GTBank", null, null,
        new DateTimeOffset(2026, 12, 2, 13, 45, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 2, 14, 0, 0, TimeSpan.Zero),
        48, 9, 1e-9, 0.81, 0.3, "hour-of-week x 24h level", "GTBank: 48 posts in the last 15 min, 5.3x the 9 expected <&>",
        [new AlertTopic(1, "App outage", 40, 3)], new DateTimeOffset(2026, 12, 2, 14, 0, 5, TimeSpan.Zero));

    [Fact]
    public void Json_payload_carries_the_documented_fields()
    {
        var body = WebhookPayloads.Json(Event, Links, new DateTimeOffset(2026, 12, 2, 14, 0, 6, TimeSpan.Zero));

        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        Assert.Equal(["id", "event", "alert", "sent_at"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("42-ops-opened", root.GetProperty("id").GetString());
        Assert.Equal("2026-12-02T14:00:06Z", root.GetProperty("sent_at").GetString());
        var alert = root.GetProperty("alert");
        Assert.Equal(
            ["id", "signal", "severity", "company_id", "company", "topic_id", "topic_label", "window_start", "window_end", "observed", "expected",
             "ratio", "p_value", "negative_share", "baseline_negative_share", "baseline", "summary", "topics", "opened_at", "links"],
            alert.EnumerateObject().Select(p => p.Name));
        Assert.Equal(42, alert.GetProperty("id").GetInt64());
        Assert.Equal("major", alert.GetProperty("severity").GetString());
        Assert.Equal(JsonValueKind.Null, alert.GetProperty("topic_id").ValueKind);
        Assert.Equal(5.333333, alert.GetProperty("ratio").GetDouble(), 6);
        Assert.Equal("App outage", alert.GetProperty("topics")[0].GetProperty("topic_label").GetString());
        Assert.Equal("https://pipeline.example.com/base/?alert=42", alert.GetProperty("links").GetProperty("dashboard").GetString());
        Assert.Equal("https://pipeline.example.com/base/api/alerts/42/posts", alert.GetProperty("links").GetProperty("posts").GetString());
    }

    [Fact]
    public void Slack_payload_has_text_and_blocks_with_the_dashboard_link_and_escapes_the_summary()
    {
        var body = WebhookPayloads.Slack(Event with { Event = "escalated" }, Links);

        using var json = JsonDocument.Parse(body);
        Assert.StartsWith("Escalated to major volume_spike: GTBank", json.RootElement.GetProperty("text").GetString());
        var blocks = json.RootElement.GetProperty("blocks");
        Assert.Equal("section", blocks[0].GetProperty("type").GetString());
        Assert.EndsWith("&lt;&amp;&gt;", blocks[0].GetProperty("text").GetProperty("text").GetString());
        Assert.Contains("<https://pipeline.example.com/base/?alert=42|", blocks[1].GetProperty("elements")[0].GetProperty("text").GetString());
    }

    [Fact]
    public void Signature_is_the_hmac_of_timestamp_dot_body_and_verifies_only_unchanged()
    {
        var signature = WebhookSignature.Sign("secret", 1764684000, "{\"a\":1}");

        // echo -n '1764684000.{"a":1}' | openssl dgst -sha256 -hmac secret
        Assert.Equal("sha256=" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(
            "secret"u8.ToArray(), "1764684000.{\"a\":1}"u8.ToArray())), signature);
        Assert.True(WebhookSignature.Verify("secret", "1764684000", "{\"a\":1}", signature));
        Assert.False(WebhookSignature.Verify("secret", "1764684001", "{\"a\":1}", signature));
        Assert.False(WebhookSignature.Verify("secret", "1764684000", "{\"a\":2}", signature));
        Assert.False(WebhookSignature.Verify("secret", "1764684000", "{\"a\":1}", null));
        Assert.False(WebhookSignature.Verify("secret", "soon", "{\"a\":1}", signature));
    }

    [Fact]
    public void Retry_delay_doubles_from_first_retry_up_to_max_retry_with_jitter_below()
    {
        var delivery = new DeliverySettings(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(10), 20);

        Assert.Equal(TimeSpan.FromSeconds(5), delivery.RetryDelay(1, 0));
        Assert.Equal(TimeSpan.FromSeconds(10), delivery.RetryDelay(2, 0));
        Assert.Equal(TimeSpan.FromSeconds(40), delivery.RetryDelay(4, 0));
        Assert.Equal(TimeSpan.FromMinutes(10), delivery.RetryDelay(30, 0));
        Assert.Equal(TimeSpan.FromSeconds(7.5), delivery.RetryDelay(2, 1));
    }

    [Fact]
    public void Endpoint_wants_alerts_by_severity_signal_and_company()
    {
        var all = new WebhookEndpoint("all", new Secret("http://x/"), WebhookFormat.Json, new HashSet<string>(), new HashSet<AlertSignal>(), AlertSeverity.Warning, null);
        var majorGtbank = all with { Companies = new HashSet<string> { "gtbank" }, MinSeverity = AlertSeverity.Major };

        Assert.True(all.Wants(AlertSignal.EmergingTopic, null, AlertSeverity.Warning));
        Assert.True(majorGtbank.Wants(AlertSignal.VolumeSpike, "gtbank", AlertSeverity.Critical));
        Assert.False(majorGtbank.Wants(AlertSignal.VolumeSpike, "gtbank", AlertSeverity.Warning));
        Assert.False(majorGtbank.Wants(AlertSignal.VolumeSpike, "zenith", AlertSeverity.Critical));
        Assert.False(majorGtbank.Wants(AlertSignal.EmergingTopic, null, AlertSeverity.Critical));
        Assert.False((all with { Signals = new HashSet<AlertSignal> { AlertSignal.NegativeShift } }).Wants(AlertSignal.VolumeSpike, "gtbank", AlertSeverity.Critical));
    }

    [Fact]
    public void Endpoint_printout_shows_neither_url_nor_secret()
    {
        var endpoint = new WebhookEndpoint("slack", new Secret("https://hooks.slack.com/services/T0/B0/XYZSECRET"), WebhookFormat.Slack,
            new HashSet<string>(), new HashSet<AlertSignal>(), AlertSeverity.Major, new Secret("hmac-key-value"));

        var printed = endpoint.ToString() + (AlertSettings.Disabled with { Webhooks = [endpoint] });

        Assert.DoesNotContain("XYZSECRET", printed);
        Assert.DoesNotContain("hmac-key-value", printed);
        Assert.Contains("slack", printed);
    }
}
