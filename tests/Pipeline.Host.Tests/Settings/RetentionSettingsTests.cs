using Akka.Configuration;
using Pipeline.Host.Retention;
using Pipeline.Host.Settings;

namespace Pipeline.Host.Tests.Settings;

/// <summary><c>pipeline.retention</c>: shipped defaults (keep everything), <c>forever</c>, environment overrides, and messages that name the setting.</summary>
public sealed class RetentionSettingsTests
{
    private static readonly string ShippedConf = Path.Combine(AppContext.BaseDirectory, "pipeline.conf");

    private static RetentionSettings Load(string overrides = "", IReadOnlyDictionary<string, string>? environment = null) =>
        SettingsLoader.Load(ConfigurationFactory.ParseString(overrides)
            .WithFallback(SettingsLoader.Parse(File.ReadAllText(ShippedConf), name => environment?.GetValueOrDefault(name)))).Retention;

    private static string Problem(string overrides) => Assert.Throws<SettingsException>(() => Load(overrides)).Message;

    [Fact]
    public void Shipped_retention_keeps_everything_for_ever_so_an_upgrade_removes_nothing()
    {
        var retention = Load();

        Assert.False(retention.Enabled);
        Assert.Equal((null, null, null), (retention.Policy.KeptPosts, retention.Policy.DroppedPosts, retention.Policy.Quarantine));
        Assert.Equal((2000, TimeSpan.FromHours(1), TimeSpan.FromMinutes(1)), (retention.Policy.BatchSize, retention.Interval, retention.FirstRunAfter));
    }

    [Fact]
    public void Each_period_is_set_on_its_own_and_the_environment_overrides_them()
    {
        var retention = Load("pipeline.retention { kept-posts = 400d, quarantine = FOREVER, batch-size = 500 }",
            new Dictionary<string, string> { ["PIPELINE_RETENTION_DROPPED_POSTS"] = "30d", ["PIPELINE_RETENTION_INTERVAL"] = "6h" });

        Assert.True(retention.Enabled);
        Assert.Equal((TimeSpan.FromDays(400), TimeSpan.FromDays(30), (TimeSpan?)null),
            (retention.Policy.KeptPosts, retention.Policy.DroppedPosts, retention.Policy.Quarantine));
        Assert.Equal((500, TimeSpan.FromHours(6)), (retention.Policy.BatchSize, retention.Interval));
    }

    [Theory]
    [InlineData("pipeline.retention.kept-posts = 30", "pipeline.retention.kept-posts = 30: must be forever or a duration with its unit")]
    [InlineData("pipeline.retention.dropped-posts = never", "pipeline.retention.dropped-posts = \"never\": must be a duration")]
    [InlineData("pipeline.retention.quarantine = 10s", "pipeline.retention.quarantine = 10s: must be between")]
    [InlineData("pipeline.retention.batch-size = 0", "pipeline.retention.batch-size = 0: must be between 1")]
    [InlineData("pipeline.retention.interval = 0s", "pipeline.retention.interval = 0s: must be between")]
    public void Invalid_retention_settings_stop_start_up_naming_the_setting(string overrides, string message)
    {
        Assert.Contains(message, Problem(overrides), StringComparison.Ordinal);
    }
}
