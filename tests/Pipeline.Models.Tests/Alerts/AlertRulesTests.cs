using Pipeline.Models.Alerts;

namespace Pipeline.Models.Tests.Alerts;

public sealed class AlertRulesTests
{
    [Fact]
    public void The_defaults_have_no_problems() => Assert.Empty(AlertRules.Default.Problems());

    [Fact]
    public void An_out_of_range_value_is_named_by_its_hocon_key()
    {
        var problems = (AlertRules.Default with { SpikeRatio = 0.5, EmergingCooldown = TimeSpan.Zero }).Problems();

        Assert.Contains(problems, p => p.Setting == "spike-ratio");
        Assert.Contains(problems, p => p.Setting == "emerging-cooldown");
        Assert.Equal(2, problems.Count);
    }

    [Fact]
    public void A_window_that_is_not_whole_minutes_is_a_problem() =>
        Assert.Contains((AlertRules.Default with { Windows = [TimeSpan.FromSeconds(90)] }).Problems(), p => p.Setting == "windows");

    [Fact]
    public void The_loader_lookbacks_cover_the_emerging_comparison_and_the_longest_window()
    {
        var rules = AlertRules.Default;

        Assert.Equal(TimeSpan.FromDays(35) + TimeSpan.FromHours(2), rules.HourlyLookback);
        Assert.Equal(TimeSpan.FromMinutes(61), rules.MinuteLookback);
    }

    [Theory]
    [InlineData(AlertSignal.VolumeSpike, "volume_spike")]
    [InlineData(AlertSignal.NegativeShift, "negative_shift")]
    [InlineData(AlertSignal.EmergingTopic, "emerging_topic")]
    [InlineData(AlertSignal.UnclassifiedGrowth, "unclassified_growth")]
    public void Signal_names_round_trip(AlertSignal signal, string name)
    {
        Assert.Equal(name, AlertSignals.Name(signal));
        Assert.Equal(signal, AlertSignals.Parse(name));
    }

    [Theory]
    [InlineData(AlertSeverity.Warning, "warning")]
    [InlineData(AlertSeverity.Major, "major")]
    [InlineData(AlertSeverity.Critical, "critical")]
    public void Severity_names_round_trip(AlertSeverity severity, string name)
    {
        Assert.Equal(name, AlertSeverities.Name(severity));
        Assert.Equal(severity, AlertSeverities.Parse(name));
    }

    [Fact]
    public void An_unknown_signal_name_is_rejected() => Assert.Throws<FormatException>(() => AlertSignals.Parse("spike"));

    [Fact]
    public void A_spike_reads_as_one_sentence()
    {
        var end = new DateTimeOffset(2026, 3, 20, 12, 0, 0, TimeSpan.Zero);
        var d = new Detection(AlertSignal.VolumeSpike, "volume_spike:gtb", "gtb", null, AlertSeverity.Major, end.AddMinutes(-15), end,
            48, 9, 1e-9, 0.81, 0.2, "hour-of-week", [new TopicContribution(3, 30, 2)]);

        var text = AlertText.Describe(d, "GTBank", t => t == 3 ? "App outage" : "?");

        Assert.Equal("GTBank: 48 posts in the last 15 min, 5.3x the 9 expected (mostly App outage); 81% negative", text);
    }

    [Fact]
    public void A_topic_only_spike_and_a_negative_shift_read_as_one_sentence_each()
    {
        var end = new DateTimeOffset(2026, 3, 20, 12, 0, 0, TimeSpan.Zero);
        var topic = new Detection(AlertSignal.VolumeSpike, "volume_spike:gtb", "gtb", 3, AlertSeverity.Warning, end.AddHours(-1), end,
            25, 5, 1e-6, null, null, "hour-of-week", [new TopicContribution(3, 25, 5)]);
        var shift = new Detection(AlertSignal.NegativeShift, "negative_shift:gtb", "gtb", null, AlertSeverity.Major, end.AddMinutes(-15), end,
            13, 3, 1e-6, 0.8125, 0.2, "7d negative share", []);

        Assert.Equal("GTBank: 25 posts about App outage in the last hour, 5.0x the 5 expected", AlertText.Describe(topic, "GTBank", _ => "App outage"));
        Assert.Equal("GTBank: 81% of 16 posts in the last 15 min are negative, against 20% usually", AlertText.Describe(shift, "GTBank", _ => "?"));
    }
}
