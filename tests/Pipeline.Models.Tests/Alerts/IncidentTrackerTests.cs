using Pipeline.Models.Alerts;

namespace Pipeline.Models.Tests.Alerts;

public sealed class IncidentTrackerTests
{
    private static readonly AlertRules Rules = AlertRules.Default;
    private static readonly DateTimeOffset Now = new(2026, 3, 20, 12, 0, 0, TimeSpan.Zero);

    private static Detection Spike(AlertSeverity severity, string company = "gtb") => new(
        AlertSignal.VolumeSpike, $"volume_spike:{company}", company, null, severity, Now.AddMinutes(-15), Now,
        40, 10, 1e-6, 0.5, 0.2, "test", []);

    private static OpenIncident Incident(AlertSeverity severity, bool escalated = false, DateTimeOffset? lastSeen = null, AlertSignal signal = AlertSignal.VolumeSpike, string key = "volume_spike:gtb") =>
        new(41, key, signal, signal is AlertSignal.VolumeSpike or AlertSignal.NegativeShift ? "gtb" : null, severity, escalated, Now.AddHours(-1), lastSeen ?? Now.AddMinutes(-1), 40);

    [Fact]
    public void A_detection_with_no_open_incident_opens_one()
    {
        var decisions = IncidentTracker.Decide(Now, [], [Spike(AlertSeverity.Warning)], Rules);

        Assert.IsType<IncidentDecision.Open>(Assert.Single(decisions));
    }

    [Fact]
    public void A_detection_for_an_open_incident_touches_it()
    {
        var decisions = IncidentTracker.Decide(Now, [Incident(AlertSeverity.Warning)], [Spike(AlertSeverity.Warning)], Rules);

        Assert.Equal(41, Assert.IsType<IncidentDecision.Touch>(Assert.Single(decisions)).AlertId);
    }

    [Fact]
    public void A_lower_severity_detection_only_touches()
    {
        var decisions = IncidentTracker.Decide(Now, [Incident(AlertSeverity.Major)], [Spike(AlertSeverity.Warning)], Rules);

        Assert.IsType<IncidentDecision.Touch>(Assert.Single(decisions));
    }

    [Fact]
    public void A_rise_in_severity_escalates_once_only()
    {
        var first = IncidentTracker.Decide(Now, [Incident(AlertSeverity.Warning)], [Spike(AlertSeverity.Major)], Rules);
        var second = IncidentTracker.Decide(Now, [Incident(AlertSeverity.Major, escalated: true)], [Spike(AlertSeverity.Critical)], Rules);

        Assert.Equal(AlertSeverity.Major, Assert.IsType<IncidentDecision.Escalate>(Assert.Single(first)).Detection.Severity);
        Assert.IsType<IncidentDecision.Touch>(Assert.Single(second));
    }

    [Fact]
    public void A_quiet_incident_resolves_after_the_cooldown_and_not_before()
    {
        var justBefore = IncidentTracker.Decide(Now, [Incident(AlertSeverity.Warning, lastSeen: Now - Rules.Cooldown + TimeSpan.FromMinutes(1))], [], Rules);
        var at = IncidentTracker.Decide(Now, [Incident(AlertSeverity.Warning, lastSeen: Now - Rules.Cooldown)], [], Rules);

        Assert.Empty(justBefore);
        Assert.Equal(41, Assert.IsType<IncidentDecision.Resolve>(Assert.Single(at)).AlertId);
    }

    [Fact]
    public void A_detection_after_its_incident_resolved_opens_a_new_one()
    {
        var resolved = IncidentTracker.Decide(Now, [Incident(AlertSeverity.Warning, lastSeen: Now - Rules.Cooldown)], [], Rules);
        var later = IncidentTracker.Decide(Now.AddMinutes(1), [], [Spike(AlertSeverity.Warning)], Rules);

        Assert.IsType<IncidentDecision.Resolve>(Assert.Single(resolved));
        Assert.IsType<IncidentDecision.Open>(Assert.Single(later));
    }

    [Fact]
    public void Incidents_of_different_companies_are_separate()
    {
        var decisions = IncidentTracker.Decide(Now, [Incident(AlertSeverity.Warning)], [Spike(AlertSeverity.Warning), Spike(AlertSeverity.Warning, "uba")], Rules);

        Assert.Contains(decisions, d => d is IncidentDecision.Touch { AlertId: 41 });
        Assert.Contains(decisions, d => d is IncidentDecision.Open o && o.Detection.CompanyId == "uba");
    }

    [Fact]
    public void A_negative_shift_alongside_a_spike_of_the_same_company_is_dropped()
    {
        var shift = Spike(AlertSeverity.Warning) with { Signal = AlertSignal.NegativeShift, IncidentKey = "negative_shift:gtb" };

        var decisions = IncidentTracker.Decide(Now, [], [Spike(AlertSeverity.Warning), shift], Rules);

        Assert.Equal(AlertSignal.VolumeSpike, Assert.IsType<IncidentDecision.Open>(Assert.Single(decisions)).Detection.Signal);
    }

    [Fact]
    public void A_spike_that_follows_an_open_negative_shift_joins_it_rather_than_opening_a_second_alert()
    {
        var shift = Incident(AlertSeverity.Warning, signal: AlertSignal.NegativeShift, key: "negative_shift:gtb");

        var decisions = IncidentTracker.Decide(Now, [shift], [Spike(AlertSeverity.Major)], Rules);

        var escalate = Assert.IsType<IncidentDecision.Escalate>(Assert.Single(decisions));
        Assert.Equal((shift.AlertId, AlertSignal.VolumeSpike), (escalate.AlertId, escalate.Detection.Signal));
        // Another company's spike is its own incident.
        Assert.IsType<IncidentDecision.Open>(Assert.Single(IncidentTracker.Decide(Now, [shift], [Spike(AlertSeverity.Major, "opay")], Rules)));
        // Once the shift is resolved (quiet past its cooldown), a spike opens its own.
        var quiet = shift with { LastSeenAt = Now - Rules.Cooldown };
        Assert.Contains(IncidentTracker.Decide(Now, [quiet], [Spike(AlertSeverity.Major)], Rules), d => d is IncidentDecision.Open);
    }

    [Fact]
    public void Emerging_topic_incidents_keep_the_longer_cooldown()
    {
        var emerging = Incident(AlertSeverity.Warning, lastSeen: Now - Rules.Cooldown - TimeSpan.FromHours(1), signal: AlertSignal.EmergingTopic, key: "emerging_topic:4");
        var stale = emerging with { LastSeenAt = Now - Rules.EmergingCooldown };

        Assert.Empty(IncidentTracker.Decide(Now, [emerging], [], Rules));
        Assert.IsType<IncidentDecision.Resolve>(Assert.Single(IncidentTracker.Decide(Now, [stale], [], Rules)));
        Assert.Equal(Rules.EmergingCooldown, IncidentTracker.Cooldown(AlertSignal.UnclassifiedGrowth, Rules));
    }
}
