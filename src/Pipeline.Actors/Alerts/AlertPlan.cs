using Pipeline.Models.Alerts;
using Pipeline.Models.Topics;

namespace Pipeline.Actors.Alerts;

/// <summary>
/// One check's work as rows to write: the core's detections and incident decisions, each with its summary sentence
/// and the webhook endpoints its event goes to. Pure, so the store only writes what this returns.
/// </summary>
public sealed record AlertPlan(
    IReadOnlyList<AlertPlan.OpenRow> Opens,
    IReadOnlyList<AlertPlan.UpdateRow> Updates,
    IReadOnlyList<long> Resolves,
    int Detections)
{
    /// <summary>A new incident; <paramref name="Endpoints"/> get an 'opened' event.</summary>
    public sealed record OpenRow(Detection Detection, string Summary, IReadOnlyList<string> Endpoints);

    /// <summary>
    /// An open incident seen again: its latest detection, its severity from now on, and, when it escalated, the
    /// endpoints that get an 'escalated' event.
    /// </summary>
    public sealed record UpdateRow(long AlertId, Detection Detection, AlertSeverity Severity, bool Escalated, string Summary, IReadOnlyList<string> Endpoints);

    public bool IsEmpty => Opens.Count == 0 && Updates.Count == 0 && Resolves.Count == 0;

    /// <summary>Detects, decides and routes one check.</summary>
    /// <param name="companyNames">Display names by company id (an unknown id shows as itself).</param>
    /// <param name="topicLabels">The latest label of each topic id.</param>
    public static AlertPlan Make(
        AlertHistory history, IReadOnlyList<OpenIncident> open, AlertRules rules, IReadOnlyList<WebhookEndpoint> webhooks,
        IReadOnlyDictionary<string, string> companyNames, IReadOnlyDictionary<int, string> topicLabels)
    {
        var detections = SpikeDetector.Detect(history, rules).Concat(EmergingTopics.Detect(history, rules)).ToList();
        var decisions = IncidentTracker.Decide(history.Now, open, detections, rules);
        var byId = open.ToDictionary(i => i.AlertId);
        string Label(int? topic) => TopicLabel(topic, topicLabels);
        string Summary(Detection d) => AlertText.Describe(d, d.CompanyId is { } c ? companyNames.GetValueOrDefault(c, c) : "All companies", Label);
        IReadOnlyList<string> Route(Detection d, AlertSeverity severity) =>
            [.. webhooks.Where(w => w.Wants(d.Signal, d.CompanyId, severity)).Select(w => w.Name)];

        var opens = new List<OpenRow>();
        var updates = new List<UpdateRow>();
        var resolves = new List<long>();
        foreach (var decision in decisions)
        {
            switch (decision)
            {
                case IncidentDecision.Open(var d):
                    opens.Add(new OpenRow(d, Summary(d), Route(d, d.Severity)));
                    break;
                case IncidentDecision.Escalate(var id, var d):
                    updates.Add(new UpdateRow(id, d, d.Severity, true, Summary(d), Route(d, d.Severity)));
                    break;
                case IncidentDecision.Touch(var id, var d):
                    // After its one escalation an incident may climb further: stored silently, no second event.
                    var stored = byId.TryGetValue(id, out var incident) ? incident.Severity : d.Severity;
                    updates.Add(new UpdateRow(id, d, stored > d.Severity ? stored : d.Severity, false, Summary(d), []));
                    break;
                case IncidentDecision.Resolve(var id):
                    resolves.Add(id);
                    break;
            }
        }

        return new AlertPlan(opens, updates, resolves, detections.Count);
    }

    /// <summary>A topic's label for summaries and payloads: the catalog's latest, Unclassified for −1.</summary>
    public static string TopicLabel(int? topic, IReadOnlyDictionary<int, string> labels) => topic switch
    {
        null => "all topics",
        { } id when labels.TryGetValue(id, out var label) => label,
        TopicDecision.UnclassifiedId => TopicDecision.UnclassifiedLabel,
        { } id => $"topic {id}",
    };
}
