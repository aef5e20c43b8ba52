using Pipeline.Actors.Sources.Simulator;
using Pipeline.Models.Cleaning;
using Pipeline.Models.Domain;
using static Pipeline.Actors.Tests.Sources.Simulator.SimulatorCompanies;

namespace Pipeline.Actors.Tests.Sources.Simulator;

public sealed class SimulatedIncidentTests
{
    private static readonly CompanyId Gtbank = new("gtbank");

    private static ConversationGenerator WithIncidents(params SimulatedIncident[] incidents) =>
        new(All, Settings() with { Incidents = incidents });

    private static bool IsRetweet(SimulatedPost p) => p.Kind is SimulatedKind.Retweet or SimulatedKind.ManualRetweet;

    // Retweets are left out: they may pick an incident post as their original, which is what retweets of an outage do.
    private static object Content(SimulatedPost p) => (p.AppearedAt, p.AuthorHandle, p.Text, p.Kind, p.Theme);

    /// <summary>Items of <paramref name="with"/> that <paramref name="without"/> lacks, as a multiset difference.</summary>
    private static List<SimulatedPost> Extra(IEnumerable<SimulatedPost> with, IEnumerable<SimulatedPost> without)
    {
        var remaining = without.Where(p => !IsRetweet(p)).GroupBy(Content).ToDictionary(g => g.Key, g => g.Count());
        var extra = new List<SimulatedPost>();
        foreach (var post in with.Where(p => !IsRetweet(p)))
        {
            if (remaining.TryGetValue(Content(post), out var left) && left > 0)
            {
                remaining[Content(post)] = left - 1;
            }
            else
            {
                extra.Add(post);
            }
        }

        Assert.All(remaining, r => Assert.Equal(0, r.Value));
        return extra;
    }

    [Theory]
    [InlineData(IncidentKinds.AppOutage, "app_outage", "negative")]
    [InlineData(IncidentKinds.FraudScare, "fraud", "negative")]
    [InlineData(IncidentKinds.Promotion, "promotion", "positive")]
    public void An_incident_adds_its_rate_of_customer_posts_of_its_theme_about_its_company_inside_its_window(string kind, string theme, string sentiment)
    {
        var start = Origin.AddHours(-5).AddSeconds(30);
        var incident = IncidentKinds.Incident(kind, Gtbank, start, TimeSpan.FromMinutes(60), 10);
        var from = start.AddHours(-1);
        var to = start.AddHours(2);

        var calm = Generator().Between(from, to).ToList();
        var busy = WithIncidents(incident).Between(from, to).ToList();
        var extra = Extra(busy, calm);

        // 600 expected; a Poisson count is within 4 standard deviations (98) all but once in 30,000.
        Assert.InRange(extra.Count, 600 - 98, 600 + 98);
        var relevance = new RelevanceMatcher(All);
        Assert.All(extra, p =>
        {
            Assert.InRange(p.AppearedAt, incident.Start, incident.End.AddTicks(-1));
            Assert.Equal(Gtbank, p.Companies[0]);
            Assert.Equal(theme, p.Theme);
            Assert.Equal(sentiment, p.Sentiment);
            Assert.Contains(p.Kind, new[] { SimulatedKind.Customer, SimulatedKind.Reply });
            Assert.True(p.Kind == SimulatedKind.Reply || relevance.IsAbout(Gtbank, p.Text), p.Text);
        });
        // Outside the window the conversation is the calm one, ids and all.
        Assert.Equal(
            calm.Where(p => p.AppearedAt < incident.Start.AddMinutes(-1) || p.AppearedAt >= incident.End.AddMinutes(1)).Select(p => (p.TimelineId, p.Text)),
            busy.Where(p => p.AppearedAt < incident.Start.AddMinutes(-1) || p.AppearedAt >= incident.End.AddMinutes(1)).Select(p => (p.TimelineId, p.Text)));
    }

    [Fact]
    public void Incident_posts_are_written_from_the_templates_of_their_theme_with_different_authors()
    {
        var incident = IncidentKinds.Incident(IncidentKinds.AppOutage, Gtbank, Origin.AddHours(-3), TimeSpan.FromMinutes(30), 10);

        var extra = Extra(WithIncidents(incident).Between(Origin.AddHours(-3), Origin.AddHours(-2)),
            Generator().Between(Origin.AddHours(-3), Origin.AddHours(-2)));

        Assert.True(extra.Select(p => p.Text).Distinct().Count() > extra.Count / 2, "most outage posts read differently");
        Assert.True(extra.Select(p => p.AuthorHandle).Distinct().Count() > extra.Count * 0.8, "outage posts come from many customers");
    }

    [Fact]
    public void A_ramp_climbs_linearly_to_the_full_rate_then_holds_it()
    {
        var incident = IncidentKinds.Incident(IncidentKinds.FraudScare, Gtbank, Origin, TimeSpan.FromMinutes(60), 6, TimeSpan.FromMinutes(20));
        var generator = WithIncidents(incident);
        var first = ConversationGenerator.MinuteOf(Origin);

        var means = Enumerable.Range(0, 70).Select(m => generator.IncidentMean(first + m, Gtbank)).ToList();

        Assert.Equal(6 * 0.5 / 20, means[0], 9);
        Assert.Equal(6 * 10.5 / 20, means[10], 9);
        Assert.All(means.Skip(20).Take(40), m => Assert.Equal(6, m, 9));
        Assert.All(means.Skip(60), m => Assert.Equal(0, m));
        // Half the ramp's twenty minutes at full rate, then forty at it.
        Assert.Equal(6 * (10 + 40), means.Sum(), 9);
        Assert.Equal(0, generator.IncidentMean(first + 30, new CompanyId("uba")));
    }

    [Fact]
    public void An_incident_starting_inside_a_minute_adds_posts_only_after_its_start()
    {
        var start = Origin.AddHours(-2).AddSeconds(45);
        var incident = IncidentKinds.Incident(IncidentKinds.AppOutage, Gtbank, start, TimeSpan.FromMinutes(2), 120);
        var minute = ConversationGenerator.MinuteOf(start);

        var extra = Extra(WithIncidents(incident).Minute(minute), Generator().Minute(minute));

        Assert.Equal(30, WithIncidents(incident).IncidentMean(minute, Gtbank), 9);
        Assert.NotEmpty(extra);
        Assert.All(extra, p => Assert.True(p.AppearedAt >= start));
    }

    [Fact]
    public void Incidents_keep_the_same_posts_for_the_same_seed_and_ids_unique_and_ascending()
    {
        var incidents = new[]
        {
            IncidentKinds.Incident(IncidentKinds.AppOutage, Gtbank, Origin.AddMinutes(-90), TimeSpan.FromHours(2), 15),
            IncidentKinds.Incident(IncidentKinds.Promotion, new CompanyId("opay"), Origin.AddMinutes(-60), TimeSpan.FromHours(1), 8, TimeSpan.FromMinutes(10)),
        };
        object Identity(SimulatedPost p) => (p.TimelineId, p.StatusId, p.AuthorHandle, p.Text, p.Kind, p.Theme);

        var first = WithIncidents(incidents).Between(Origin.AddHours(-2), Origin.AddHours(1)).ToList();
        var again = WithIncidents(incidents).Between(Origin.AddHours(-2), Origin.AddHours(1)).Select(Identity);
        var minute = ConversationGenerator.MinuteOf(Origin.AddMinutes(-30));
        var alone = WithIncidents(incidents).Minute(minute).Select(Identity);

        Assert.Equal(first.Select(Identity), again);
        Assert.Equal(first.Where(p => ConversationGenerator.MinuteOf(p.AppearedAt) == minute).Select(Identity), alone);
        var ids = first.Select(p => p.TimelineId).ToList();
        Assert.Equal(ids.Order(), ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(first, p => Assert.Equal(p.AppearedAt, ConversationGenerator.TimeOf(p.TimelineId)));
    }

    [Fact]
    public void The_live_rate_follows_the_hour_of_day_curve_from_the_lead_before_the_origin()
    {
        var settings = Settings(perDay: 1440, perMinute: 30) with { LiveLead = TimeSpan.FromDays(2), LiveFollowsHourOfDay = true };
        var generator = new ConversationGenerator(All, settings);
        var liveStart = ConversationGenerator.MinuteOf(Origin.AddDays(-2));

        // The live rate's mean over a day is the configured one; before the lead it is the backlog's.
        Assert.Equal(30, Enumerable.Range(0, 1440).Average(m => generator.BackgroundMean(liveStart + m)), 9);
        Assert.Equal(30 * ConversationGenerator.HourOfDay(liveStart), generator.BackgroundMean(liveStart), 9);
        Assert.Equal(1.0 * ConversationGenerator.HourOfDay(liveStart - 1), generator.BackgroundMean(liveStart - 1), 9);
        Assert.Equal(1, Enumerable.Range(0, 24).Average(h => ConversationGenerator.HourOfDay(h * 60)), 9);

        // 03:00 in Lagos is 02:00 UTC: quiet; 09:00 in Lagos is 08:00 UTC: busy (both hours on the two days after the live start).
        int Count(int utcHour) => Enumerable.Range(0, 2).Sum(day =>
        {
            var hour = Origin.AddDays(-1 + day).Date.AddHours(utcHour);
            return generator.Between(new DateTimeOffset(hour, TimeSpan.Zero), new DateTimeOffset(hour.AddHours(1), TimeSpan.Zero)).Count();
        });
        var night = Count(2);
        var morning = Count(8);
        Assert.InRange(night, 2 * 60 * 30 * ConversationGenerator.HourOfDay(2 * 60) * 0.8, 2 * 60 * 30 * ConversationGenerator.HourOfDay(2 * 60) * 1.2);
        Assert.InRange(morning, 2 * 60 * 30 * ConversationGenerator.HourOfDay(8 * 60) * 0.9, 2 * 60 * 30 * ConversationGenerator.HourOfDay(8 * 60) * 1.1);
        Assert.True(morning > 10 * night, $"{morning} posts at 09:00 against {night} at 03:00");

        // The day before the lead is still the backlog's level.
        var backlogDay = generator.Between(Origin.AddDays(-3), Origin.AddDays(-2)).Count();
        Assert.InRange(backlogDay, 1440 * 0.85, 1440 * 1.15);
    }

    [Fact]
    public void Without_the_hour_of_day_the_live_rate_is_flat_from_the_lead_on()
    {
        var generator = new ConversationGenerator(All, Settings(perDay: 1440, perMinute: 30) with { LiveLead = TimeSpan.FromHours(6) });
        var liveStart = ConversationGenerator.MinuteOf(Origin.AddHours(-6));

        Assert.All(Enumerable.Range(0, 600), m => Assert.Equal(30, generator.BackgroundMean(liveStart + m)));
        Assert.NotEqual(30, generator.BackgroundMean(liveStart - 1));
    }

    [Fact]
    public void Backlog_incidents_are_placed_from_the_seed_in_daytime_and_end_before_the_day_before_the_origin()
    {
        SimulationSettings Backlog(int seed) => Settings(seed: seed, backlogDays: 28) with
        {
            LiveLead = TimeSpan.FromDays(1), LiveFollowsHourOfDay = true, BacklogIncidents = 6,
        };

        var placed = new ConversationGenerator(All, Backlog(2023)).Incidents;
        var again = new ConversationGenerator(All, Backlog(2023)).Incidents;
        var other = new ConversationGenerator(All, Backlog(7)).Incidents;

        Assert.Equal(6, placed.Count);
        Assert.Equal(placed, again);
        Assert.NotEqual(placed, other);
        Assert.All(placed, i =>
        {
            Assert.InRange(i.Start, Origin.AddDays(-27), Origin.AddDays(-1));
            Assert.True(i.End <= Origin.AddDays(-1), $"{i.Kind} about {i.Company} ends at {i.End:u}");
            Assert.InRange(i.Start.ToOffset(TimeSpan.FromHours(1)).Hour, 8, 18);
            Assert.Contains(i.Company, All.Select(c => c.Id));
            Assert.Equal(IncidentKinds.Themes[i.Kind], i.Theme);
            Assert.True(i.PostsPerMinute >= 0.25);
        });
    }

    [Fact]
    public void A_backlog_too_short_for_incidents_gets_none()
    {
        var generator = new ConversationGenerator(All, Settings(backlogDays: 1) with { BacklogIncidents = 4 });

        Assert.Empty(generator.Incidents);
    }

    [Fact]
    public void An_incident_about_a_company_the_simulator_does_not_write_about_is_refused()
    {
        var incident = IncidentKinds.Incident(IncidentKinds.AppOutage, new CompanyId("kuda"), Origin, TimeSpan.FromHours(1), 5);

        var error = Assert.Throws<ArgumentException>(() => WithIncidents(incident));

        Assert.Contains("'kuda'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_incident_kind_is_refused()
    {
        Assert.Throws<ArgumentException>(() => IncidentKinds.Incident("meteor", Gtbank, Origin, TimeSpan.FromHours(1), 5));
    }
}
