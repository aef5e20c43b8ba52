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
        var reader = new Reader(config);
        var backlogDays = reader.Int("pipeline.demo.backlog-days", 0, 365);
        var settings = new DemoSettings(
            reader.Int("pipeline.demo.seed", int.MinValue, int.MaxValue),
            backlogDays,
            reader.Double("pipeline.demo.backlog-posts-per-day", 0, 1_000_000),
            reader.Double("pipeline.demo.live-posts-per-minute", 0, 10_000),
            // The lead is taken out of the backlog: longer than it, the live rate would start before the conversation does.
            reader.Duration("pipeline.demo.live-lead", TimeSpan.Zero, TimeSpan.FromDays(Math.Max(0, backlogDays))),
            reader.Bool("pipeline.demo.live-follows-hour-of-day"),
            Incidents(reader, config, "pipeline.demo.incidents"),
            reader.Int("pipeline.demo.backlog-incidents", 0, 100),
            reader.Duration("pipeline.demo.poll-interval", TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1)),
            reader.Duration("pipeline.demo.request-interval", TimeSpan.Zero, TimeSpan.FromMinutes(1)),
            new SimulatedFaults(
                reader.Double("pipeline.demo.rate-limit-probability", 0, 1),
                reader.Duration("pipeline.demo.rate-limit-reset", TimeSpan.Zero, TimeSpan.FromMinutes(10)),
                reader.Double("pipeline.demo.slow-page-probability", 0, 1),
                reader.Duration("pipeline.demo.slow-page-delay", TimeSpan.Zero, TimeSpan.FromMinutes(1))),
            reader.String("pipeline.demo.folder"),
            reader.Int("pipeline.demo.simulator-port", 0, 65535))
        {
            RetrainAfterBacklog = config.HasPath("pipeline.demo.retrain-after-backlog") && reader.Bool("pipeline.demo.retrain-after-backlog"),
            StatusInterval = config.HasPath("pipeline.demo.status-interval")
                ? reader.Duration("pipeline.demo.status-interval", TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1))
                : TimeSpan.FromSeconds(10),
        };
        reader.ThrowIfInvalid();
        return settings;
    }

    /// <summary>
    /// <c>pipeline.demo.incidents</c>: a list of <c>{ kind, company, start, duration, posts-per-minute, ramp }</c>,
    /// each about one of <c>pipeline.companies</c>; a problem names the entry, as in <c>pipeline.demo.incidents[1].company</c>.
    /// </summary>
    private static List<DemoIncident> Incidents(Reader reader, Config config, string path)
    {
        var incidents = new List<DemoIncident>();
        if (!config.HasPath(path))
        {
            return incidents;
        }

        // Akka's HOCON says `[]` is no array (IsArray is false), though GetArray reads it as an empty one.
        var value = config.GetValue(path);
        if (value.IsString() || value.IsObject())
        {
            reader.Problem($"{path}: must be a list of {{ kind, company, start, duration, posts-per-minute }} objects");
            return incidents;
        }

        var companies = CompanyIds(config);
        var kinds = IncidentKinds.Themes.Keys.ToDictionary(k => k, k => k);
        var entries = value.GetArray();
        for (var i = 0; i < entries.Count; i++)
        {
            var where = $"{path}[{i}]";
            if (!entries[i].IsObject())
            {
                reader.Problem($"{where}: must be an object {{ kind, company, start, duration, posts-per-minute }}");
                continue;
            }

            var entry = new Reader(new Config(new Akka.Configuration.Hocon.HoconRoot(entries[i])));
            var kind = entry.Choice("kind", kinds);
            var company = entry.String("company");
            if (company.Length > 0 && !companies.Contains(company))
            {
                entry.Problem($"company = \"{company}\": must be the id of one of pipeline.companies ({string.Join(", ", companies)})");
            }

            var duration = entry.Duration("duration", TimeSpan.FromMinutes(1), TimeSpan.FromDays(7));
            var incident = new DemoIncident(
                kind,
                new CompanyId(company),
                entry.Duration("start", TimeSpan.Zero, TimeSpan.FromDays(7)),
                duration,
                entry.Double("posts-per-minute", 0.01, 1_000),
                entry.OptionalString("ramp") is null ? TimeSpan.Zero : entry.Duration("ramp", TimeSpan.Zero, TimeSpan.FromDays(7)));
            if (incident.Ramp > duration)
            {
                entry.Problem($"ramp = {entry.OptionalString("ramp")}: must not be longer than the duration ({entry.OptionalString("duration")})");
            }

            foreach (var problem in entry.Problems)
            {
                reader.Problem($"{where}.{problem}");
            }

            incidents.Add(incident);
        }

        return incidents;
    }

    /// <summary>The ids <c>pipeline.companies</c> declares; <see cref="Load"/> judges the entries themselves.</summary>
    private static List<string> CompanyIds(Config config)
    {
        if (!config.HasPath("pipeline.companies") || !config.GetValue("pipeline.companies").IsArray())
        {
            return [];
        }

        return config.GetValue("pipeline.companies").GetArray()
            .Where(entry => entry.IsObject())
            .Select(entry => new Config(new Akka.Configuration.Hocon.HoconRoot(entry)).GetString("id", string.Empty))
            .Where(id => id.Length > 0)
            .ToList();
    }
}
