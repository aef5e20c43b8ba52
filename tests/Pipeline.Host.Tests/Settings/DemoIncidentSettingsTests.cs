using Akka.Configuration;
using Pipeline.Actors.Sources.Simulator;
using Pipeline.Host.Settings;
using Pipeline.Models.Domain;

namespace Pipeline.Host.Tests.Settings;

public sealed class DemoIncidentSettingsTests
{
    private static readonly string ShippedConf = Path.Combine(AppContext.BaseDirectory, "pipeline.conf");

    private static Config Shipped(string overrides = "") =>
        ConfigurationFactory.ParseString(overrides).WithFallback(SettingsLoader.Parse(File.ReadAllText(ShippedConf), _ => null));

    private static string OneIncident(string fields) => $"pipeline.demo.incidents = [ {{ {fields} }} ]";

    [Fact]
    public void Shipped_demo_schedules_an_app_outage_a_fraud_scare_and_a_promotion_after_a_day_of_live_rate()
    {
        var demo = SettingsLoader.LoadDemo(Shipped());
        var origin = new DateTimeOffset(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);
        var simulation = demo.Simulation(origin);

        Assert.Equal(TimeSpan.FromDays(1), simulation.LiveLead);
        Assert.True(simulation.LiveFollowsHourOfDay);
        Assert.Equal(4, simulation.BacklogIncidents);
        Assert.Equal(
            [("app-outage", "gtbank", "app_outage"), ("fraud-scare", "opay", "fraud"), ("promotion", "kuda", "promotion")],
            simulation.Incidents.Select(i => (i.Kind, i.Company.Value, i.Theme)));
        var outage = simulation.Incidents[0];
        Assert.Equal(origin.AddSeconds(90), outage.Start);
        Assert.Equal(TimeSpan.FromHours(2), outage.Duration);
        Assert.Equal(TimeSpan.Zero, outage.Ramp);
        var companies = SettingsLoader.Load(Shipped()).Companies.Select(c => c.Id).ToHashSet();
        Assert.All(simulation.Incidents, i => Assert.Contains(i.Company, companies));
    }

    [Fact]
    public void Shipped_demo_incidents_are_written_about_companies_the_generator_knows()
    {
        var settings = SettingsLoader.Load(Shipped());
        var demo = SettingsLoader.LoadDemo(Shipped());

        var generator = new ConversationGenerator(settings.Companies, demo.Simulation(DateTimeOffset.UtcNow));

        Assert.Equal(3 + 4, generator.Incidents.Count);
    }

    [Fact]
    public void An_empty_incident_list_schedules_none()
    {
        var demo = SettingsLoader.LoadDemo(Shipped("pipeline.demo.incidents = []"));

        Assert.Empty(demo.Incidents);
    }

    [Fact]
    public void Steady_demo_has_a_flat_live_rate_from_the_origin_and_no_incidents()
    {
        var steady = SettingsLoader.LoadDemo(Shipped()).Steady().Simulation(DateTimeOffset.UtcNow);

        Assert.Equal(TimeSpan.Zero, steady.LiveLead);
        Assert.False(steady.LiveFollowsHourOfDay);
        Assert.Empty(steady.Incidents);
        Assert.Equal(0, steady.BacklogIncidents);
    }

    [Theory]
    [InlineData("kind = app-outage, company = nobank, start = 1m, duration = 1h, posts-per-minute = 5",
        "pipeline.demo.incidents[0].company = \"nobank\": must be the id of one of pipeline.companies (access, zenith,")]
    [InlineData("kind = meteor, company = gtbank, start = 1m, duration = 1h, posts-per-minute = 5",
        "pipeline.demo.incidents[0].kind = \"meteor\": must be one of app-outage, fraud-scare, promotion")]
    [InlineData("company = gtbank, start = 1m, duration = 1h, posts-per-minute = 5",
        "pipeline.demo.incidents[0].kind = \"\": must be one of")]
    [InlineData("kind = app-outage, start = 1m, duration = 1h, posts-per-minute = 5",
        "pipeline.demo.incidents[0].company: must not be empty")]
    [InlineData("kind = app-outage, company = gtbank, start = 1m, duration = 0s, posts-per-minute = 5",
        "pipeline.demo.incidents[0].duration = 0s: must be between 60s and")]
    [InlineData("kind = app-outage, company = gtbank, start = 1m, duration = forever, posts-per-minute = 5",
        "pipeline.demo.incidents[0].duration = \"forever\": must be a duration")]
    [InlineData("kind = app-outage, company = gtbank, start = 10d, duration = 1h, posts-per-minute = 5",
        "pipeline.demo.incidents[0].start = 10d: must be between")]
    [InlineData("kind = app-outage, company = gtbank, start = 1m, duration = 1h, posts-per-minute = 0",
        "pipeline.demo.incidents[0].posts-per-minute = 0: must be between 0.01 and 1000")]
    [InlineData("kind = app-outage, company = gtbank, start = 1m, duration = 1h, posts-per-minute = lots",
        "pipeline.demo.incidents[0].posts-per-minute = \"lots\": must be a number")]
    [InlineData("kind = promotion, company = kuda, start = 1m, duration = 10m, posts-per-minute = 5, ramp = 20m",
        "pipeline.demo.incidents[0].ramp = 20m: must not be longer than the duration (10m)")]
    public void A_bad_incident_is_refused_with_the_name_of_its_setting(string fields, string expected)
    {
        var error = Assert.Throws<SettingsException>(() => SettingsLoader.LoadDemo(Shipped(OneIncident(fields))));

        Assert.Contains(error.Problems, p => p.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void A_bad_second_incident_is_named_by_its_place_in_the_list()
    {
        var error = Assert.Throws<SettingsException>(() => SettingsLoader.LoadDemo(Shipped("""
            pipeline.demo.incidents = [
              { kind = app-outage, company = gtbank, start = 1m, duration = 1h, posts-per-minute = 5 }
              { kind = fraud-scare, company = moniepoint, start = 1m, duration = 1h, posts-per-minute = 5 }
            ]
            """)));

        var problem = Assert.Single(error.Problems);
        Assert.StartsWith("pipeline.demo.incidents[1].company = \"moniepoint\"", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pipeline.demo.live-lead = 40d", "pipeline.demo.live-lead = 40d: must be between")]
    [InlineData("pipeline.demo.live-follows-hour-of-day = sometimes", "pipeline.demo.live-follows-hour-of-day = \"sometimes\": must be on or off")]
    [InlineData("pipeline.demo.backlog-incidents = -1", "pipeline.demo.backlog-incidents = -1: must be between 0 and 100")]
    [InlineData("pipeline.demo.incidents = \"gtbank down\"", "pipeline.demo.incidents: must be a list of")]
    [InlineData("pipeline.demo.incidents = [ gtbank ]", "pipeline.demo.incidents[0]: must be an object")]
    public void A_bad_live_or_incident_setting_is_refused_with_its_name(string hocon, string expected)
    {
        var error = Assert.Throws<SettingsException>(() => SettingsLoader.LoadDemo(Shipped(hocon)));

        Assert.Contains(error.Problems, p => p.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void A_lead_longer_than_the_backlog_is_refused()
    {
        var error = Assert.Throws<SettingsException>(() => SettingsLoader.LoadDemo(Shipped("""
            pipeline.demo.backlog-days = 1
            pipeline.demo.live-lead = 2d
            """)));

        Assert.Contains(error.Problems, p => p.StartsWith("pipeline.demo.live-lead = 2d: must be between", StringComparison.Ordinal));
    }

    [Fact]
    public void Incident_times_are_relative_to_the_demo_start()
    {
        var demo = SettingsLoader.LoadDemo(Shipped(OneIncident("kind = fraud-scare, company = opay, start = 20m, duration = 90m, posts-per-minute = 4, ramp = 5m")));
        var origin = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        var incident = Assert.Single(demo.Simulation(origin).Incidents);

        Assert.Equal(new SimulatedIncident("fraud-scare", new CompanyId("opay"), "fraud", origin.AddMinutes(20), TimeSpan.FromMinutes(90), 4,
            TimeSpan.FromMinutes(5)), incident);
    }
}
