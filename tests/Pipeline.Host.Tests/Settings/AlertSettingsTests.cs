using Akka.Configuration;
using Pipeline.Actors.Alerts;
using Pipeline.Host.Settings;
using Pipeline.Models.Alerts;

namespace Pipeline.Host.Tests.Settings;

/// <summary><c>pipeline.alerts</c>: shipped defaults, the rules' mapping, webhooks and their secrets, and messages that name the setting.</summary>
public sealed class AlertSettingsTests
{
    private static readonly string ShippedConf = Path.Combine(AppContext.BaseDirectory, "pipeline.conf");

    private static Config Shipped(string overrides = "", Func<string, string?>? environment = null) =>
        ConfigurationFactory.ParseString(overrides)
            .WithFallback(SettingsLoader.Parse(File.ReadAllText(ShippedConf), environment ?? (_ => null)));

    private static AlertSettings Load(string overrides = "", IReadOnlyDictionary<string, string>? environment = null) =>
        SettingsLoader.Load(Shipped(overrides, name => environment?.GetValueOrDefault(name)), name => environment?.GetValueOrDefault(name)).Alerts;

    private static string Problem(string overrides, IReadOnlyDictionary<string, string>? environment = null) =>
        Assert.Throws<SettingsException>(() => Load(overrides, environment)).Message;

    private const string OpsHook = """pipeline.alerts.webhooks = [{ name = ops, url = "http://127.0.0.1:9000/hook" }]""";

    [Fact]
    public void Shipped_alerts_are_on_every_minute_with_the_cores_default_rules_and_no_webhook()
    {
        var alerts = Load();

        Assert.True(alerts.Enabled);
        Assert.Equal(TimeSpan.FromMinutes(1), alerts.CheckInterval);
        Assert.Equal(AlertRules.Default, alerts.Rules with { Windows = AlertRules.Default.Windows });
        Assert.Equal(AlertRules.Default.Windows, alerts.Rules.Windows);
        Assert.Empty(alerts.Webhooks);
        Assert.Equal(new Uri("http://127.0.0.1:8558/"), alerts.PublicUrl);
        Assert.Equal(DeliverySettings.Default, alerts.Delivery);
    }

    [Fact]
    public void Environment_switches_alerts_off_and_sets_interval_public_url_and_spike_ratio()
    {
        var environment = new Dictionary<string, string>
        {
            ["PIPELINE_ALERTS_ENABLED"] = "off",
            ["PIPELINE_ALERTS_CHECK_INTERVAL"] = "200ms",
            ["PIPELINE_PUBLIC_URL"] = "https://pipeline.example.com/",
            ["PIPELINE_ALERTS_SPIKE_RATIO"] = "3",
        };

        var alerts = Load(environment: environment);

        Assert.False(alerts.Enabled);
        Assert.Equal(TimeSpan.FromMilliseconds(200), alerts.CheckInterval);
        // The core sizes its minute history in whole minutes: a faster timer is one minute to it.
        Assert.Equal(TimeSpan.FromMinutes(1), alerts.Rules.CheckInterval);
        Assert.Equal(3, alerts.Rules.SpikeRatio);
        Assert.Equal("https://pipeline.example.com/?alert=7", alerts.DashboardLink(7));
    }

    [Fact]
    public void Webhook_is_read_with_its_filters_and_the_secret_from_the_environment()
    {
        var alerts = Load("""
            pipeline.alerts.webhooks = [
              { name = ops, url = "http://127.0.0.1:9000/hook", companies = [gtbank, opay], signals = [volume_spike], min-severity = major }
              { name = team-slack, url-env = SLACK_URL, format = slack, secret-env = "" }
            ]
            """, new Dictionary<string, string> { ["PIPELINE_WEBHOOK_SECRET"] = "s3cret", ["SLACK_URL"] = "https://hooks.slack.com/services/T/B/X" });

        var ops = alerts.Webhooks[0];
        Assert.Equal(("ops", WebhookFormat.Json, AlertSeverity.Major), (ops.Name, ops.Format, ops.MinSeverity));
        Assert.Equal(["gtbank", "opay"], ops.Companies.Order());
        Assert.Equal([AlertSignal.VolumeSpike], ops.Signals);
        Assert.Equal("s3cret", ops.SigningSecret!.Reveal());
        var slack = alerts.Webhooks[1];
        Assert.Equal(WebhookFormat.Slack, slack.Format);
        Assert.Null(slack.SigningSecret);
        Assert.Equal("https://hooks.slack.com/services/T/B/X", slack.Url.Reveal());
        Assert.DoesNotContain("hooks.slack.com", alerts.ToString() + slack);
        Assert.DoesNotContain("s3cret", alerts.ToString() + ops);
    }

    [Fact]
    public void Missing_secret_variable_refuses_start_up_naming_the_setting_and_the_variable()
    {
        var message = Problem(OpsHook);

        Assert.Contains("pipeline.alerts.webhooks[0].secret-env = \"PIPELINE_WEBHOOK_SECRET\": the environment variable PIPELINE_WEBHOOK_SECRET is not set or empty", message);
        Assert.Contains("empty", Problem(OpsHook, new Dictionary<string, string> { ["PIPELINE_WEBHOOK_SECRET"] = "  " }));
    }

    [Theory]
    [InlineData("""pipeline.alerts.webhooks = [{ name = ops, url = "http://h/", companies = [gtbnk] }]""", "pipeline.alerts.webhooks[0].companies: \"gtbnk\" is not a configured company")]
    [InlineData("""pipeline.alerts.webhooks = [{ name = ops, url = "http://h/", format = teams }]""", "pipeline.alerts.webhooks[0].format = \"teams\": must be json or slack")]
    [InlineData("""pipeline.alerts.webhooks = [{ name = ops, url = "http://h/", signals = [spike] }]""", "pipeline.alerts.webhooks[0].signals: \"spike\" is not a signal")]
    [InlineData("""pipeline.alerts.webhooks = [{ name = ops, url = "http://h/", min-severity = loud }]""", "pipeline.alerts.webhooks[0].min-severity = \"loud\": must be warning, major or critical")]
    [InlineData("""pipeline.alerts.webhooks = [{ name = ops }]""", "pipeline.alerts.webhooks[0]: give exactly one of url and url-env")]
    [InlineData("""pipeline.alerts.webhooks = [{ name = ops, url-env = NOT_SET_ANYWHERE }]""", "pipeline.alerts.webhooks[0].url-env = \"NOT_SET_ANYWHERE\": the environment variable NOT_SET_ANYWHERE is not set or empty")]
    [InlineData("""pipeline.alerts.webhooks = [{ name = ops, url = "ftp://h/" }]""", "pipeline.alerts.webhooks[0].url = \"ftp://h/\": must be an http(s) URL")]
    [InlineData("""pipeline.alerts.webhooks = [{ name = ops, url = "https://hooks.slack.com/services/T/B/X", format = slack }]""", "pipeline.alerts.webhooks[0].url: a Slack webhook URL is a secret")]
    [InlineData("""pipeline.alerts.webhooks = [{ name = ops, url = "http://h/", secret-env = "" }]""", "pipeline.alerts.webhooks[0].secret-env = \"\": a json webhook is signed")]
    [InlineData("""pipeline.alerts.webhooks = [{ name = "Ops Team", url = "http://h/" }]""", "pipeline.alerts.webhooks[0].name = \"Ops Team\": must be a lower-case slug")]
    [InlineData("""pipeline.alerts.webhooks = [{ name = ops, url = "http://h/" }, { name = ops, url = "http://i/" }]""", "pipeline.alerts.webhooks[1].name = \"ops\": used by another webhook already")]
    [InlineData("pipeline.alerts.spike-ratio = 0.5", "pipeline.alerts.spike-ratio = 0.5: must be above 1")]
    [InlineData("pipeline.alerts.windows = [15m, 90s]", "pipeline.alerts.windows = [15m, 90s]: ")]
    [InlineData("pipeline.alerts.windows = [soon]", "pipeline.alerts.windows: \"soon\" is not a duration")]
    [InlineData("pipeline.alerts.critical-ratio = 3", "pipeline.alerts.critical-ratio = 3: must be at least major-ratio")]
    [InlineData("pipeline.alerts.cooldown = soon", "pipeline.alerts.cooldown = \"soon\": must be a duration")]
    [InlineData("pipeline.alerts.check-interval = 10ms", "pipeline.alerts.check-interval = 10ms: must be between")]
    [InlineData("pipeline.alerts.public-url = \"ftp://x/\"", "pipeline.alerts.public-url = \"ftp://x/\": must be an http(s) URL")]
    [InlineData("pipeline.alerts.delivery.max-attempts = 0", "pipeline.alerts.delivery.max-attempts = 0: must be between 1 and 1000")]
    [InlineData("pipeline.alerts.delivery { first-retry = 1m, max-retry = 10s }", "pipeline.alerts.delivery.max-retry = 10s: must be at least first-retry (1m)")]
    public void Invalid_alert_setting_is_refused_naming_the_setting(string overrides, string expected)
    {
        Assert.Contains(expected, Problem(overrides, new Dictionary<string, string> { ["PIPELINE_WEBHOOK_SECRET"] = "s3cret" }));
    }

    [Fact]
    public void Url_from_the_environment_never_appears_in_a_message()
    {
        var message = Problem("""pipeline.alerts.webhooks = [{ name = ops, url-env = HOOK_URL }]""",
            new Dictionary<string, string> { ["HOOK_URL"] = "ftp://user:hunter2@hooks.example.com/T/B/X", ["PIPELINE_WEBHOOK_SECRET"] = "s3cret" });

        Assert.Contains("pipeline.alerts.webhooks[0].url-env = \"HOOK_URL\": the variable's value is not an http(s) URL", message);
        Assert.DoesNotContain("hunter2", message);
        Assert.DoesNotContain("hooks.example.com", message);
    }
}
