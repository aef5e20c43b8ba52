namespace Pipeline.Models.Alerts;

/// <summary>An incident stored in <c>pipeline.alerts</c> that has not been resolved.</summary>
public sealed record OpenIncident(
    long AlertId,
    string IncidentKey,
    AlertSignal Signal,
    string? CompanyId,
    AlertSeverity Severity,
    bool Escalated,
    DateTimeOffset OpenedAt,
    DateTimeOffset LastSeenAt,
    double PeakObserved);

/// <summary>What the detector actor must do with one incident after a check.</summary>
public abstract record IncidentDecision
{
    private IncidentDecision() { }

    /// <summary>A new incident: insert a row and queue a webhook.</summary>
    public sealed record Open(Detection Detection) : IncidentDecision;

    /// <summary>Severity rose above the incident's; at most once per incident (queue a webhook).</summary>
    public sealed record Escalate(long AlertId, Detection Detection) : IncidentDecision;

    /// <summary>Still firing: update last seen, peak and window end (no webhook).</summary>
    public sealed record Touch(long AlertId, Detection Detection) : IncidentDecision;

    /// <summary>Quiet for the signal's cooldown: mark resolved.</summary>
    public sealed record Resolve(long AlertId) : IncidentDecision;
}

/// <summary>Turns detections plus stored open incidents into open/escalate/touch/resolve decisions.</summary>
public static class IncidentTracker
{
    public static IReadOnlyList<IncidentDecision> Decide(
        DateTimeOffset now, IReadOnlyList<OpenIncident> open, IReadOnlyList<Detection> detections, AlertRules rules) =>
        throw new NotImplementedException();
}

/// <summary>One plain sentence per detection for webhooks and the dashboard.</summary>
public static class AlertText
{
    public static string Describe(Detection d, string companyName, Func<int?, string> topicLabel) => throw new NotImplementedException();
}
