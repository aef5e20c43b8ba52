namespace Pipeline.Models.Alerts;

/// <summary>What kind of unusual activity an alert reports.</summary>
public enum AlertSignal
{
    /// <summary>A company (or one of its topics) gets many more posts than its seasonal baseline.</summary>
    VolumeSpike,
    /// <summary>A company's share of negative posts rises well above its usual share.</summary>
    NegativeShift,
    /// <summary>A topic's share of all posts over the last week grows well beyond its earlier share.</summary>
    EmergingTopic,
    /// <summary>The share of posts no topic claims grows: the topic model is going stale.</summary>
    UnclassifiedGrowth,
}

/// <summary>The stable snake_case names stored in <c>pipeline.alerts.signal</c> and sent in webhooks.</summary>
public static class AlertSignals
{
    public static string Name(AlertSignal s) => s switch
    {
        AlertSignal.VolumeSpike => "volume_spike",
        AlertSignal.NegativeShift => "negative_shift",
        AlertSignal.EmergingTopic => "emerging_topic",
        AlertSignal.UnclassifiedGrowth => "unclassified_growth",
        _ => throw new ArgumentOutOfRangeException(nameof(s), s, "Unknown alert signal."),
    };

    public static AlertSignal Parse(string name) => name switch
    {
        "volume_spike" => AlertSignal.VolumeSpike,
        "negative_shift" => AlertSignal.NegativeShift,
        "emerging_topic" => AlertSignal.EmergingTopic,
        "unclassified_growth" => AlertSignal.UnclassifiedGrowth,
        _ => throw new FormatException($"'{name}' is not an alert signal (volume_spike, negative_shift, emerging_topic, unclassified_growth)."),
    };
}

/// <summary>How loud an alert is; the numeric values order them so a rise can be compared.</summary>
public enum AlertSeverity
{
    Warning = 1,
    Major = 2,
    Critical = 3,
}

/// <summary>The stable lower-case names stored in <c>pipeline.alerts.severity</c>.</summary>
public static class AlertSeverities
{
    public static string Name(AlertSeverity s) => s switch
    {
        AlertSeverity.Warning => "warning",
        AlertSeverity.Major => "major",
        AlertSeverity.Critical => "critical",
        _ => throw new ArgumentOutOfRangeException(nameof(s), s, "Unknown alert severity."),
    };

    public static AlertSeverity Parse(string name) => name switch
    {
        "warning" => AlertSeverity.Warning,
        "major" => AlertSeverity.Major,
        "critical" => AlertSeverity.Critical,
        _ => throw new FormatException($"'{name}' is not an alert severity (warning, major, critical)."),
    };
}
