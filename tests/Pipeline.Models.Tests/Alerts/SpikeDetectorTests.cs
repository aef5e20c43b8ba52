using Pipeline.Models.Alerts;

namespace Pipeline.Models.Tests.Alerts;

public sealed class SpikeDetectorTests
{
    private static readonly AlertRules Rules = AlertRules.Default;

    [Fact]
    public void A_flat_history_raises_nothing()
    {
        var builder = new HistoryBuilder(days: 21);
        foreach (var (company, size) in new[] { ("big", 60.0), ("mid", 20.0), ("small", 4.0) })
        {
            builder.Flat(company, 0, size * 0.5);
            builder.Flat(company, 1, size * 0.3);
            builder.Flat(company, -1, size * 0.2);
        }
        var history = builder.Build(builder.End);

        var checks = HistoryBuilder.Checks(history, Rules, builder.End.AddDays(-1), builder.End);

        Assert.All(checks, c => Assert.Empty(c.Detections));
    }

    [Fact]
    public void A_threefold_burst_of_30_posts_raises_one_spike_within_two_checks_with_its_window_and_counts()
    {
        // 40 posts an hour = 10 in a 15-minute window; 20 extra posts over 10 minutes make 30, 3x.
        var builder = new HistoryBuilder(days: 15).Flat("gtb", null, 40, negativeShare: 0.2);
        var burstStart = builder.End.AddHours(-6);
        // Half the burst is negative: not enough on its own for a negative shift, which would fire first.
        builder.Burst("gtb", null, burstStart, minutes: 10, perMinute: 2, negativesPerMinute: 1);
        var history = builder.Build(builder.End);
        var burstEnd = burstStart.AddMinutes(10);

        var checks = HistoryBuilder.Checks(history, Rules, burstStart.AddMinutes(-30), burstEnd.AddMinutes(30));
        var firing = checks.Where(c => c.Detections.Count > 0).ToList();

        Assert.NotEmpty(firing);
        Assert.All(firing, c => Assert.Single(c.Detections));
        var (at, detections) = firing[0];
        Assert.True(at <= burstEnd.AddMinutes(2), $"first detection at {at:HH:mm}, burst ended {burstEnd:HH:mm}");
        Assert.True(at > burstStart);
        var d = detections[0];
        Assert.Equal(AlertSignal.VolumeSpike, d.Signal);
        Assert.Equal("volume_spike:gtb", d.IncidentKey);
        Assert.Equal("gtb", d.CompanyId);
        Assert.Null(d.TopicId);
        Assert.Equal(at, d.WindowEnd);
        var minutes = (d.WindowEnd - d.WindowStart).TotalMinutes;
        Assert.Contains(minutes, new[] { 15.0, 60.0 });
        var burstMinutesInside = Math.Min(10, (at - burstStart).TotalMinutes);
        Assert.Equal(40 * minutes / 60 + 2 * burstMinutesInside, d.Observed, 0);
        Assert.Equal(40 * minutes / 60, d.Expected, 0.5);
        Assert.True(d.PValue <= Rules.PValue);
        Assert.True(d.NegativeShare > 0.3, "the burst was half negative, the alert carries it");
        Assert.Equal(0.2, d.BaselineNegativeShare!.Value, 0.01);

        // Through the tracker, the checks make one incident.
        var opens = Track(checks).OfType<IncidentDecision.Open>().ToList();
        Assert.Single(opens);
    }

    [Fact]
    public void A_burst_in_one_topic_folds_into_the_company_incident_with_that_topic_listed()
    {
        var builder = new HistoryBuilder(days: 15)
            .Flat("gtb", 0, 20).Flat("gtb", 1, 10).Flat("gtb", 2, 10);
        var burstStart = builder.End.AddHours(-3);
        builder.Burst("gtb", 2, burstStart, minutes: 10, perMinute: 3);
        var history = builder.Build(builder.End);

        history.AdvanceTo(burstStart.AddMinutes(10));
        var detections = SpikeDetector.Detect(history, Rules);

        var d = Assert.Single(detections);
        Assert.Equal("volume_spike:gtb", d.IncidentKey);
        Assert.Null(d.TopicId);
        Assert.Equal(2, d.Topics[0].TopicId);
        Assert.DoesNotContain(d.Topics, t => t.TopicId == 0);
    }

    [Fact]
    public void A_burst_in_a_small_topic_of_a_big_company_becomes_the_company_detection_for_that_topic()
    {
        // 400 posts an hour hides 20 extra posts; the 20-an-hour topic does not.
        var builder = new HistoryBuilder(days: 15).Flat("opay", 0, 380).Flat("opay", 7, 20);
        var burstStart = builder.End.AddHours(-3);
        builder.Burst("opay", 7, burstStart, minutes: 5, perMinute: 4);
        var history = builder.Build(builder.End);

        history.AdvanceTo(burstStart.AddMinutes(5));
        var d = Assert.Single(SpikeDetector.Detect(history, Rules));

        Assert.Equal("volume_spike:opay", d.IncidentKey);
        Assert.Equal(7, d.TopicId);
        Assert.Equal(7, Assert.Single(d.Topics).TopicId);
    }

    [Fact]
    public void The_normal_morning_rise_does_not_alert_once_the_daily_rhythm_is_known()
    {
        // Quiet nights (3 an hour), a rise 05:00-09:00 UTC to 90 an hour, four weeks of it.
        static double Daily(DateTimeOffset t)
        {
            var h = t.Hour + t.Minute / 60.0;
            return h < 5 ? 3 : h < 9 ? 3 + (h - 5) / 4 * 87 : h < 20 ? 90 : 3 + (24 - h) / 4 * 87;
        }
        var builder = new HistoryBuilder(days: 28).Series("gtb", null, Daily).Series("uba", null, t => Daily(t) / 3);
        var history = builder.Build(builder.End);
        var morning = builder.End.AddDays(-1);

        var checks = HistoryBuilder.Checks(history, Rules, morning.AddHours(4), morning.AddHours(11));

        Assert.All(checks, c => Assert.Empty(c.Detections));
    }

    [Fact]
    public void A_level_change_a_day_old_does_not_alert()
    {
        var builder = new HistoryBuilder(days: 21);
        var change = builder.End.AddHours(-25);
        builder.Series("gtb", null, t => t < change ? 20 : 60).Flat("uba", null, 30);
        var history = builder.Build(builder.End);

        var checks = HistoryBuilder.Checks(history, Rules, builder.End.AddHours(-1), builder.End);

        Assert.All(checks, c => Assert.Empty(c.Detections));
    }

    [Fact]
    public void A_rise_in_negative_share_alerts_as_a_negative_shift()
    {
        // 60 an hour at 20% negative; for 15 minutes the same volume turns 80% negative.
        var builder = new HistoryBuilder(days: 15).Flat("gtb", null, 60, negativeShare: 0.2);
        var shiftStart = builder.End.AddHours(-2);
        builder.Burst("gtb", null, shiftStart, minutes: 15, perMinute: 0, negativesPerMinute: 1);
        var history = builder.Build(builder.End);

        history.AdvanceTo(shiftStart.AddMinutes(15));
        var d = Assert.Single(SpikeDetector.Detect(history, Rules));

        Assert.Equal(AlertSignal.NegativeShift, d.Signal);
        Assert.Equal("negative_shift:gtb", d.IncidentKey);
        Assert.True(d.NegativeShare > 0.8);
        Assert.Equal(0.2, d.BaselineNegativeShare!.Value, 0.02);
        Assert.True(d.PValue <= Rules.NegativePValue);
    }

    [Fact]
    public void A_negative_shift_is_suppressed_while_the_company_has_an_open_spike_incident()
    {
        var builder = new HistoryBuilder(days: 15).Flat("gtb", null, 60, negativeShare: 0.2);
        var shiftStart = builder.End.AddHours(-2);
        builder.Burst("gtb", null, shiftStart, minutes: 15, perMinute: 0, negativesPerMinute: 1);
        var history = builder.Build(builder.End);
        var now = shiftStart.AddMinutes(15);
        history.AdvanceTo(now);
        var detections = SpikeDetector.Detect(history, Rules);
        var spike = new OpenIncident(7, "volume_spike:gtb", AlertSignal.VolumeSpike, "gtb", AlertSeverity.Major, false, now.AddMinutes(-40), now.AddMinutes(-10), 90);

        var decisions = IncidentTracker.Decide(now, [spike], detections, Rules);

        Assert.Equal(AlertSignal.NegativeShift, Assert.Single(detections).Signal);
        Assert.Empty(decisions);
    }

    [Fact]
    public void Nothing_at_or_after_now_is_read()
    {
        var builder = new HistoryBuilder(days: 15).Flat("gtb", null, 40);
        var now = builder.End.AddHours(-3);
        builder.Burst("gtb", null, now, minutes: 10, perMinute: 10);
        var history = builder.Build(builder.End);

        history.AdvanceTo(now);

        Assert.Empty(SpikeDetector.Detect(history, Rules));
    }

    [Fact]
    public void Hours_added_after_a_check_are_seen_by_the_next_one()
    {
        // A loader that reuses one history and appends must not get levels cached before the append:
        // taking the last day down from 40 to 5 posts an hour makes the current 40 a spike.
        var builder = new HistoryBuilder(days: 28).Flat("gtb", null, 40);
        var history = builder.Build(builder.End);
        history.AdvanceTo(builder.End);
        Assert.Empty(SpikeDetector.Detect(history, Rules));
        for (var hour = builder.End.AddHours(-26); hour < builder.End.AddHours(-1); hour = hour.AddHours(1))
            history.AddHourly(new SeriesKey("gtb", null), hour, -35, 0);

        var afterAppend = SpikeDetector.Detect(history, Rules);

        Assert.Equal(AlertSignal.VolumeSpike, Assert.Single(afterAppend).Signal);
    }

    private static List<IncidentDecision> Track(List<(DateTimeOffset Now, IReadOnlyList<Detection> Detections)> checks)
    {
        var open = new List<OpenIncident>();
        var all = new List<IncidentDecision>();
        long id = 1;
        foreach (var (now, detections) in checks)
        {
            var decisions = IncidentTracker.Decide(now, open, detections, Rules);
            all.AddRange(decisions);
            foreach (var decision in decisions)
            {
                switch (decision)
                {
                    case IncidentDecision.Open o:
                        open.Add(new OpenIncident(id++, o.Detection.IncidentKey, o.Detection.Signal, o.Detection.CompanyId, o.Detection.Severity, false, now, now, o.Detection.Observed));
                        break;
                    case IncidentDecision.Touch t:
                        open = open.Select(i => i.AlertId == t.AlertId ? i with { LastSeenAt = now } : i).ToList();
                        break;
                    case IncidentDecision.Escalate e:
                        open = open.Select(i => i.AlertId == e.AlertId ? i with { LastSeenAt = now, Escalated = true, Severity = e.Detection.Severity } : i).ToList();
                        break;
                    case IncidentDecision.Resolve r:
                        open.RemoveAll(i => i.AlertId == r.AlertId);
                        break;
                }
            }
        }
        return all;
    }
}
