namespace Pipeline.Models.Alerts;

/// <summary>Volume spikes and negative-share shifts per company (topics folded in).</summary>
public static class SpikeDetector
{
    public static IReadOnlyList<Detection> Detect(AlertHistory history, AlertRules rules) => throw new NotImplementedException();
}

/// <summary>Topics whose share of all posts grows week on week, and Unclassified growth.</summary>
public static class EmergingTopics
{
    public static IReadOnlyList<Detection> Detect(AlertHistory history, AlertRules rules) => throw new NotImplementedException();
}
