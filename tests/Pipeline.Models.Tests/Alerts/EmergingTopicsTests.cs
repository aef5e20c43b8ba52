using Pipeline.Models.Alerts;
using Pipeline.Models.Topics;

namespace Pipeline.Models.Tests.Alerts;

public sealed class EmergingTopicsTests
{
    private static readonly AlertRules Rules = AlertRules.Default;

    private static AlertHistory History(Func<DateTimeOffset, double> topic2, Func<DateTimeOffset, double> unclassified)
    {
        var builder = new HistoryBuilder(days: 36);
        foreach (var company in new[] { "gtb", "uba" })
        {
            builder.Flat(company, 0, 20).Flat(company, 1, 15);
            builder.Series(company, 2, topic2).Series(company, TopicDecision.UnclassifiedId, unclassified);
        }
        return builder.Build(builder.End);
    }

    private static DateTimeOffset LastWeek => HistoryBuilder.Start.AddDays(36 - 7);

    [Fact]
    public void Steady_topic_shares_raise_nothing()
    {
        var history = History(_ => 1, _ => 4);

        Assert.Empty(EmergingTopics.Detect(history, Rules));
    }

    [Fact]
    public void A_topic_whose_weekly_share_grows_fivefold_emerges()
    {
        var history = History(t => t >= LastWeek ? 6 : 1, _ => 4);

        var d = Assert.Single(EmergingTopics.Detect(history, Rules));

        Assert.Equal(AlertSignal.EmergingTopic, d.Signal);
        Assert.Equal("emerging_topic:2", d.IncidentKey);
        Assert.Null(d.CompanyId);
        Assert.Equal(2, d.TopicId);
        Assert.True(d.Observed >= Rules.EmergingFactor * d.Expected);
        Assert.Equal(LastWeek, d.WindowStart);
    }

    [Fact]
    public void A_new_topic_with_no_baseline_emerges_against_the_floor()
    {
        var history = History(t => t >= LastWeek ? 4 : 0, _ => 4);

        var d = Assert.Single(EmergingTopics.Detect(history, Rules));

        Assert.Equal(Rules.EmergingShareFloor, d.Expected);
    }

    [Fact]
    public void Growth_of_the_unclassified_share_is_reported_once_for_the_corpus()
    {
        var history = History(_ => 1, t => t >= LastWeek ? 16 : 4);

        var d = Assert.Single(EmergingTopics.Detect(history, Rules));

        Assert.Equal(AlertSignal.UnclassifiedGrowth, d.Signal);
        Assert.Equal("unclassified_growth", d.IncidentKey);
        Assert.Equal(TopicDecision.UnclassifiedId, d.TopicId);
    }

    [Fact]
    public void An_emerging_topic_stays_one_incident_through_its_cooldown()
    {
        var history = History(t => t >= LastWeek ? 6 : 1, _ => 4);
        var d = Assert.Single(EmergingTopics.Detect(history, Rules));
        var opened = Assert.IsType<IncidentDecision.Open>(Assert.Single(IncidentTracker.Decide(history.Now, [], [d], Rules)));
        var open = new OpenIncident(3, opened.Detection.IncidentKey, d.Signal, null, d.Severity, false, history.Now, history.Now, d.Observed);

        var nextHour = IncidentTracker.Decide(history.Now.AddHours(1), [open], [d], Rules);
        var quietThreeDays = IncidentTracker.Decide(history.Now.AddDays(3), [open], [], Rules);
        var quietAWeek = IncidentTracker.Decide(history.Now.AddDays(7), [open], [], Rules);

        Assert.IsType<IncidentDecision.Touch>(Assert.Single(nextHour));
        Assert.Empty(quietThreeDays);
        Assert.IsType<IncidentDecision.Resolve>(Assert.Single(quietAWeek));
    }
}
