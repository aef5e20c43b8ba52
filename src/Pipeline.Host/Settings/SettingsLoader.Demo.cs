using Akka.Configuration;
using Pipeline.Actors.Sources.Simulator;
using Pipeline.Host.Demo;
using Pipeline.Models.Domain;

namespace Pipeline.Host.Settings;

public static partial class SettingsLoader
{
    /// <summary>Reads <c>pipeline.demo</c>; like <see cref="Load"/>, every bad value is named before failing.</summary>
    public static DemoSettings LoadDemo(Config config)
    {
        var r = new SettingsReader(config).Section("pipeline.demo");
        var backlogDays = r.Int("backlog-days", 0, 365);
        var settings = new DemoSettings(
            r.Int("seed", int.MinValue, int.MaxValue),
            backlogDays,
            r.Double("backlog-posts-per-day", 0, 1_000_000),
            r.Double("live-posts-per-minute", 0, 10_000),
            // The lead is taken out of the backlog: longer than it, the live rate would start before the conversation does.
            r.Duration("live-lead", TimeSpan.Zero, TimeSpan.FromDays(Math.Max(0, backlogDays))),
            r.Bool("live-follows-hour-of-day"),
            Incidents(r, CompanyIds(config)),
            r.Int("backlog-incidents", 0, 100),
            r.Duration("poll-interval", "100ms", "1h"),
            r.Duration("request-interval", "0s", "1m"),
            new SimulatedFaults(r.Double("rate-limit-probability", 0, 1), r.Duration("rate-limit-reset", "0s", "10m"),
                r.Double("slow-page-probability", 0, 1), r.Duration("slow-page-delay", "0s", "1m")),
            r.String("folder"),
            r.Int("simulator-port", 0, 65535))
        {
            RetrainAfterBacklog = r.Has("retrain-after-backlog") && r.Bool("retrain-after-backlog"),
            StatusInterval = r.Has("status-interval") ? r.Duration("status-interval", "100ms", "1h") : TimeSpan.FromSeconds(10),
        };
        return r.Judged(settings);
    }

    /// <summary>
    /// <c>incidents</c>: a list of <c>{ kind, company, start, duration, posts-per-minute, ramp }</c>, each about one of
    /// <c>pipeline.companies</c>; a problem names the entry, as in <c>pipeline.demo.incidents[1].company</c>.
    /// </summary>
    private static List<DemoIncident> Incidents(SettingsReader r, IReadOnlyList<string> companies)
    {
        var kinds = IncidentKinds.Themes.Keys.ToDictionary(k => k, k => k);
        return r.Entries("incidents", "{ kind, company, start, duration, posts-per-minute }").Select(entry =>
        {
            var kind = entry.Choice("kind", kinds);
            var company = entry.String("company");
            entry.Check(company.Length == 0 || companies.Contains(company),
                $"{entry.Name("company")} = \"{company}\": must be the id of one of pipeline.companies ({string.Join(", ", companies)})");
            var duration = entry.Duration("duration", "1m", "7d");
            var ramp = entry.OptionalString("ramp") is null ? TimeSpan.Zero : entry.Duration("ramp", "0s", "7d");
            entry.Check(ramp <= duration, $"{entry.Name("ramp")} = {entry.Raw("ramp")}: must not be longer than the duration ({entry.Raw("duration")})");
            return new DemoIncident(kind, new CompanyId(company), entry.Duration("start", "0s", "7d"), duration, entry.Double("posts-per-minute", 0.01, 1_000), ramp);
        }).ToList();
    }

    /// <summary>The ids <c>pipeline.companies</c> declares; <see cref="Load"/> judges the entries themselves.</summary>
    private static List<string> CompanyIds(Config config) =>
        new SettingsReader(config).Entries("pipeline.companies", string.Empty).Select(c => c.Raw("id")).OfType<string>().Where(id => id.Length > 0).ToList();
}
