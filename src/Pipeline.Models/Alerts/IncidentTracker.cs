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

    /// <summary>Severity rose above the incident's; at most once per incident (store the new severity, set escalated, queue a webhook).</summary>
    public sealed record Escalate(long AlertId, Detection Detection) : IncidentDecision;

    /// <summary>
    /// Still firing: set last seen to now, raise the peak observed, move the window end (no webhook).
    /// The detection's severity may exceed the stored one after the one escalation; storing the
    /// higher one silently is fine.
    /// </summary>
    public sealed record Touch(long AlertId, Detection Detection) : IncidentDecision;

    /// <summary>Not detected for the signal's cooldown since last seen: mark resolved.</summary>
    public sealed record Resolve(long AlertId) : IncidentDecision;
}

/// <summary>
/// Turns one check's detections plus the stored open incidents into decisions. One incident per
/// <see cref="Detection.IncidentKey"/>; pure, so the actor only applies what it returns.
/// </summary>
public static class IncidentTracker
{
    /// <summary>
    /// Decisions for one check: Open for a detection whose key has no open incident; Escalate (once) or
    /// Touch for one that has; Resolve for an open incident undetected for its signal's cooldown. Negative
    /// shifts of a company with a spike detection or an open spike incident are dropped, and a spike of a
    /// company whose negative shift is open joins that incident: one burst, one alert.
    /// </summary>
    public static IReadOnlyList<IncidentDecision> Decide(
        DateTimeOffset now, IReadOnlyList<OpenIncident> open, IReadOnlyList<Detection> detections, AlertRules rules)
    {
        // A spike's alert already carries the company's negative share, so a separate negative-shift
        // alert while the spike incident is open would only repeat it.
        var spiking = open.Where(i => i.Signal == AlertSignal.VolumeSpike && now - i.LastSeenAt < Cooldown(i.Signal, rules))
            .Select(i => i.CompanyId)
            .Concat(detections.Where(d => d.Signal == AlertSignal.VolumeSpike).Select(d => d.CompanyId))
            .ToHashSet();
        // The other way round: a burst that is mostly negative reaches the shift's 10 negative posts before the
        // spike's 20 posts, so the shift opens first. The spike that follows is the same incident; it joins the
        // open shift's alert (touching or escalating it) instead of opening a second one.
        var openSpikes = open.Where(i => i.Signal == AlertSignal.VolumeSpike && now - i.LastSeenAt < Cooldown(i.Signal, rules))
            .Select(i => i.CompanyId)
            .ToHashSet();
        var openShifts = open.Where(i => i.Signal == AlertSignal.NegativeShift && now - i.LastSeenAt < Cooldown(i.Signal, rules)
                                         && i.CompanyId is not null && !openSpikes.Contains(i.CompanyId))
            .GroupBy(i => i.CompanyId!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.MaxBy(i => i.OpenedAt)!.IncidentKey, StringComparer.Ordinal);
        var byKey = new Dictionary<string, Detection>(StringComparer.Ordinal);
        foreach (var detection in detections)
        {
            var d = detection;
            if (d.Signal == AlertSignal.NegativeShift && spiking.Contains(d.CompanyId))
            {
                continue;
            }

            if (d.Signal == AlertSignal.VolumeSpike && d.CompanyId is not null && openShifts.TryGetValue(d.CompanyId, out var shiftKey))
            {
                d = d with { IncidentKey = shiftKey };
            }

            if (!byKey.TryGetValue(d.IncidentKey, out var seen) || d.Severity > seen.Severity)
            {
                byKey[d.IncidentKey] = d;
            }
        }

        var decisions = new List<IncidentDecision>();
        var claimed = new HashSet<string>(StringComparer.Ordinal);
        // Newest first, so if the store ever holds two open incidents for a key the newer one is the live one.
        foreach (var incident in open.OrderByDescending(i => i.OpenedAt))
        {
            if (byKey.TryGetValue(incident.IncidentKey, out var d) && claimed.Add(incident.IncidentKey))
            {
                decisions.Add(d.Severity > incident.Severity && !incident.Escalated
                    ? new IncidentDecision.Escalate(incident.AlertId, d)
                    : new IncidentDecision.Touch(incident.AlertId, d));
            }
            else if (now - incident.LastSeenAt >= Cooldown(incident.Signal, rules))
            {
                decisions.Add(new IncidentDecision.Resolve(incident.AlertId));
            }
        }
        foreach (var (key, d) in byKey.OrderBy(p => p.Key, StringComparer.Ordinal))
            if (!claimed.Contains(key)) decisions.Add(new IncidentDecision.Open(d));
        return decisions;
    }

    /// <summary>How long an incident of this signal stays open without being detected.</summary>
    public static TimeSpan Cooldown(AlertSignal signal, AlertRules rules) => signal switch
    {
        AlertSignal.EmergingTopic or AlertSignal.UnclassifiedGrowth => rules.EmergingCooldown,
        _ => rules.Cooldown,
    };
}
