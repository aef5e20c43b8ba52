using System.Text.Json;
using Akka.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Actors.Alerts;
using Pipeline.Host.Database;
using Pipeline.Host.Settings;

namespace Pipeline.Host.Tests.Http;

/// <summary>The service as <c>run</c> builds it with alerts on: detector and sender wired, /metrics and /ready report them.</summary>
public sealed class AlertServiceSpecs(PostgresFixture postgres)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Service_with_alerts_on_sends_a_burst_to_its_webhook_and_reports_checks_deliveries_and_abandonment()
    {
        await using var good = await FakeHttpServer.StartAsync();
        good.Otherwise(FakeHttpServer.Respond(StatusCodes.Status200OK, "ok", "text/plain"));
        await using var broken = await FakeHttpServer.StartAsync();
        broken.Otherwise(FakeHttpServer.Respond(StatusCodes.Status502BadGateway, "down", "text/plain"));
        var environment = new Dictionary<string, string> { ["PIPELINE_WEBHOOK_SECRET"] = "service-secret", ["BROKEN_HOOK"] = new Uri(broken.BaseUrl, "/hook").AbsoluteUri };
        using var folder = new TempDirectory();
        var config = ConfigurationFactory.ParseString($$"""
            pipeline.database.connection-string = "{{await postgres.CreateDatabaseAsync()}}"
            pipeline.import.inbox = "{{folder.Combine("inbox")}}"
            pipeline.topics.enabled = off
            pipeline.alerts {
              check-interval = 200ms
              company-min-posts = 10
              public-url = "https://pipeline.example.com"
              webhooks = [
                { name = ops, url = "{{new Uri(good.BaseUrl, "/hook").AbsoluteUri}}" }
                { name = broken, url-env = BROKEN_HOOK, min-severity = warning }
              ]
              delivery { poll-interval = 100ms, first-retry = 100ms, max-retry = 200ms, max-attempts = 2 }
            }
            """).WithFallback(SettingsLoader.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "pipeline.conf")), _ => null));
        var settings = SettingsLoader.Load(config, environment.GetValueOrDefault);
        await using var database = await PipelineDatabase.OpenAsync(settings, NullLoggerFactory.Instance);
        await using var app = PipelineComposition.BuildService(settings, config, database.DataSource, ["http://127.0.0.1:0"], environment: environment.GetValueOrDefault);
        await app.StartAsync();
        var root = RunningService.Root(app);

        // Three weeks of four posts an hour for three banks, then 60 posts about GTBank in the last five minutes.
        await using (var posts = database.DataSource.CreateCommand("""
            INSERT INTO pipeline.scored_posts (post_id, company_id, created_at, clean_text, sentiment_text, sentiment_label)
            SELECT row_number() OVER (), company, at, 't', 't', CASE WHEN (h + k) % 3 = 0 THEN 'negative' ELSE 'neutral' END
            FROM unnest(ARRAY['gtbank', 'access', 'zenith']) company, generate_series(0, 21 * 24) h, generate_series(0, 3) k,
                 LATERAL (SELECT date_trunc('hour', now()) - h * interval '1 hour' + (k * 15 + h % 15) * interval '1 minute' AS at) t
            WHERE at < now() - interval '1 minute';
            INSERT INTO pipeline.scored_posts (post_id, company_id, created_at, clean_text, sentiment_text, sentiment_label)
            SELECT 90000000 + i, 'gtbank', date_trunc('minute', now()) - (1 + i % 5) * interval '1 minute', 't', 't', 'negative'
            FROM generate_series(1, 60) i;
            """))
        {
            await posts.ExecuteNonQueryAsync();
        }

        await Eventually.TrueAsync("the webhook delivery", () => Task.FromResult(good.Requests.Count > 0), Patience);
        var request = Assert.Single(good.Requests);
        Assert.True(WebhookSignature.Verify("service-secret", request.Headers[WebhookDeliveryActor.TimestampHeader], request.Body,
            request.Headers[WebhookDeliveryActor.SignatureHeader]));
        using (var json = JsonDocument.Parse(request.Body))
        {
            var alertId = json.RootElement.GetProperty("alert").GetProperty("id").GetInt64();
            Assert.Equal($"https://pipeline.example.com/?alert={alertId}", json.RootElement.GetProperty("alert").GetProperty("links").GetProperty("dashboard").GetString());
        }

        await Eventually.TrueAsync("the broken endpoint's abandonment", () => Task.FromResult(broken.Requests.Count >= 2), Patience);
        string metrics = string.Empty;
        await Eventually.TrueAsync(() => $"alert metrics in:\n{metrics}", async () =>
        {
            metrics = await Http.GetStringAsync(new Uri(root, "/metrics"));
            return metrics.Contains("pipeline_webhook_abandoned_total{endpoint=\"broken\"} 1\n", StringComparison.Ordinal);
        }, Patience);

        Assert.Matches("pipeline_alert_checks_total\\{outcome=\"ran\"\\} [1-9]", metrics);
        Assert.Contains("pipeline_alert_checks_total{outcome=\"failed\"} 0\n", metrics);
        Assert.Contains("pipeline_alert_checks_total{outcome=\"skipped_locked\"}", metrics);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(metrics, "pipeline_alerts_raised_total\\{signal=\"volume_spike\",severity=\"[a-z]+\"\\} 1\n"));
        Assert.Contains("pipeline_alerts_escalated_total 0\n", metrics);
        Assert.Contains("pipeline_alert_check_duration_seconds ", metrics);
        Assert.Contains("pipeline_webhook_deliveries_total{endpoint=\"ops\"} 1\n", metrics);
        Assert.Contains("pipeline_webhook_failures_total{endpoint=\"broken\"} 2\n", metrics);
        Assert.Contains("pipeline_webhook_pending 0\n", metrics);
        Assert.DoesNotContain(broken.BaseUrl.Authority, metrics);

        using var ready = await Http.GetAsync(new Uri(root, "/ready"));
        var alerts = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement.GetProperty("checks").EnumerateArray()
            .Single(c => c.GetProperty("name").GetString() == "alerts");
        Assert.Equal("Degraded", alerts.GetProperty("status").GetString());
        Assert.Contains("abandoned (broken)", alerts.GetProperty("description").GetString());
    }

    [Fact]
    public async Task Service_with_alerts_off_runs_no_detector_and_shows_no_alert_metrics()
    {
        using var folder = new TempDirectory();
        var config = ConfigurationFactory.ParseString($$"""
            pipeline.database.connection-string = "{{await postgres.CreateDatabaseAsync()}}"
            pipeline.import.inbox = "{{folder.Combine("inbox")}}"
            pipeline.topics.enabled = off
            pipeline.alerts.enabled = off
            """).WithFallback(SettingsLoader.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "pipeline.conf")), _ => null));
        var settings = SettingsLoader.Load(config);
        await using var database = await PipelineDatabase.OpenAsync(settings, NullLoggerFactory.Instance);
        await using var app = PipelineComposition.BuildService(settings, config, database.DataSource, ["http://127.0.0.1:0"]);
        await app.StartAsync();

        var metrics = await Http.GetStringAsync(new Uri(RunningService.Root(app), "/metrics"));
        var ready = await Http.GetStringAsync(new Uri(RunningService.Root(app), "/ready"));

        Assert.DoesNotContain("pipeline_alert", metrics);
        Assert.DoesNotContain("\"alerts\"", ready);
    }
}
