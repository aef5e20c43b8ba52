using Akka.Configuration;
using Pipeline.Host.Scoring;
using Pipeline.Host.Settings;
using Pipeline.Models.Topics;

namespace Pipeline.Host.Tests.Settings;

/// <summary><c>pipeline.topics.retrain</c>: shipped defaults, environment overrides, and messages that name the setting.</summary>
public sealed class TopicRetrainSettingsTests
{
    private static readonly string ShippedConf = Path.Combine(AppContext.BaseDirectory, "pipeline.conf");

    private static TopicRetrainSettings Load(string overrides = "", IReadOnlyDictionary<string, string>? environment = null) =>
        SettingsLoader.Load(ConfigurationFactory.ParseString(overrides)
            .WithFallback(SettingsLoader.Parse(File.ReadAllText(ShippedConf), name => environment?.GetValueOrDefault(name)))).TopicRetrain;

    private static string Problem(string overrides) => Assert.Throws<SettingsException>(() => Load(overrides)).Message;

    [Fact]
    public void Shipped_retraining_is_off_daily_on_four_weeks_once_two_thousand_posts_came_in_with_the_cores_gate()
    {
        var retrain = Load();

        Assert.False(retrain.Enabled);
        Assert.Equal(TimeSpan.FromDays(1), retrain.Interval);
        Assert.Equal(TimeSpan.FromMinutes(10), retrain.CheckEvery);
        Assert.Equal(2000, retrain.MinNewPosts);
        Assert.Equal(TimeSpan.FromDays(28), retrain.Window);
        Assert.Equal(50_000, retrain.MaxPosts);
        Assert.Equal(new TopicRetrainGate(), retrain.Gate);
        Assert.True(retrain.Rescore);
        Assert.Equal("retrained", retrain.OutputDirectory);
    }

    [Fact]
    public void Environment_turns_retraining_on_and_sets_its_schedule_window_and_gate()
    {
        var retrain = Load(environment: new Dictionary<string, string>
        {
            ["PIPELINE_TOPICS_RETRAIN"] = "on",
            ["PIPELINE_TOPICS_RETRAIN_INTERVAL"] = "12h",
            ["PIPELINE_TOPICS_RETRAIN_MIN_NEW_POSTS"] = "500",
            ["PIPELINE_TOPICS_RETRAIN_WINDOW"] = "14d",
            ["PIPELINE_TOPICS_RETRAIN_MAX_POSTS"] = "20000",
            ["PIPELINE_TOPICS_RETRAIN_COHERENCE_MARGIN"] = "0.05",
            ["PIPELINE_TOPICS_RETRAIN_UNCLASSIFIED_MARGIN"] = "0.01",
            ["PIPELINE_TOPICS_RETRAIN_RESCORE"] = "off",
            ["PIPELINE_TOPICS_RETRAIN_OUTPUT_DIR"] = "auto/topics",
        });

        Assert.True(retrain.Enabled);
        Assert.Equal(TimeSpan.FromHours(12), retrain.Interval);
        Assert.Equal(500, retrain.MinNewPosts);
        Assert.Equal(TimeSpan.FromDays(14), retrain.Window);
        Assert.Equal(20_000, retrain.MaxPosts);
        Assert.Equal(new TopicRetrainGate(0.05, 0.01), retrain.Gate);
        Assert.False(retrain.Rescore);
        Assert.Equal("auto/topics", retrain.OutputDirectory);
        // On, it trains with pipeline.topics.training.
        Assert.Equal(new TopicTrainingSettings(), retrain.Training);
    }

    [Theory]
    [InlineData("pipeline.topics.retrain.enabled = maybe", "pipeline.topics.retrain.enabled = \"maybe\": must be on or off")]
    [InlineData("pipeline.topics.retrain.interval = soon", "pipeline.topics.retrain.interval = \"soon\": must be a duration")]
    [InlineData("pipeline.topics.retrain.check-every = 10ms", "pipeline.topics.retrain.check-every = 10ms: must be between")]
    [InlineData("pipeline.topics.retrain.min-new-posts = -1", "pipeline.topics.retrain.min-new-posts = -1: must be between 0")]
    [InlineData("pipeline.topics.retrain.window = 10s", "pipeline.topics.retrain.window = 10s: must be between")]
    [InlineData("pipeline.topics.retrain.max-posts = 5", "pipeline.topics.retrain.max-posts = 5: must be between 10")]
    [InlineData("pipeline.topics.retrain.gate.coherence-margin = 2", "pipeline.topics.retrain.gate.coherence-margin = 2: must be between -1 and 1")]
    [InlineData("pipeline.topics.retrain.gate.unclassified-margin = lots", "pipeline.topics.retrain.gate.unclassified-margin = \"lots\": must be a number")]
    [InlineData("pipeline.topics.retrain.rescore = sometimes", "pipeline.topics.retrain.rescore = \"sometimes\": must be on or off")]
    [InlineData("pipeline.topics.retrain.output-dir = \"/var/models\"", "pipeline.topics.retrain.output-dir = \"/var/models\": must be a relative folder under pipeline.http.models-root")]
    [InlineData("pipeline.topics.retrain.output-dir = \"../elsewhere\"", "pipeline.topics.retrain.output-dir = \"../elsewhere\": must be a relative folder")]
    [InlineData("pipeline.topics.retrain.output-dir = \"\"", "pipeline.topics.retrain.output-dir: must not be empty")]
    public void An_invalid_value_stops_start_up_naming_the_setting(string overrides, string message)
    {
        Assert.Contains(message, Problem(overrides), StringComparison.Ordinal);
    }

    [Fact]
    public void Training_settings_are_judged_when_retraining_is_on_and_named_as_what_it_uses()
    {
        const string badTraining = "pipeline.topics.training.iterations = 0";

        Assert.False(Load(badTraining).Enabled);
        Assert.Contains("pipeline.topics.training.iterations = 0: must be between 1 and 100000 (used by pipeline.topics.retrain.enabled = on)",
            Problem(badTraining + "\npipeline.topics.retrain.enabled = on"), StringComparison.Ordinal);
    }
}
