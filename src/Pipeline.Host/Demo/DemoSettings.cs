using Pipeline.Actors.Sources.Simulator;
using Pipeline.Host.Settings;

namespace Pipeline.Host.Demo;

/// <summary><c>pipeline.demo</c>: the simulated conversation and how the demo collects it.</summary>
/// <param name="PollInterval">Live poll interval of the demo's scrapers (the simulator is local: no politeness needed).</param>
/// <param name="Folder">Where the demo keeps its own embedded PostgreSQL, inbox and diagnostics, apart from <c>run</c>'s.</param>
/// <param name="SimulatorPort">0: a free loopback port.</param>
public sealed record DemoSettings(
    int Seed,
    int BacklogDays,
    double BacklogPostsPerDay,
    double LivePostsPerMinute,
    TimeSpan PollInterval,
    TimeSpan RequestInterval,
    SimulatedFaults Faults,
    string Folder,
    int SimulatorPort)
{
    public SimulationSettings Simulation(DateTimeOffset origin) =>
        new(Seed, origin, TimeSpan.FromDays(BacklogDays), BacklogPostsPerDay, LivePostsPerMinute);

    /// <summary>
    /// The user's settings with collection pointed at the simulator: Nitter on with the simulator as
    /// its only instance, the X API and file imports off, backfill as long as the backlog.
    /// </summary>
    public PipelineSettings Apply(PipelineSettings settings, Uri simulator) => settings with
    {
        Import = settings.Import with { Files = [], Inbox = Path.Combine(Folder, "inbox") },
        Scraping = settings.Scraping with
        {
            BackfillDays = BacklogDays,
            PollInterval = PollInterval,
            RequestInterval = RequestInterval,
            Diagnostics = Path.Combine(Folder, "diagnostics"),
            // Every company's scraper shares the one simulated instance; a slow page must not hold up the others.
            Nitter = settings.Scraping.Nitter with
            {
                Enabled = true,
                Instances = [simulator],
                ConcurrencyPerInstance = Math.Max(settings.Scraping.Nitter.ConcurrencyPerInstance, 8),
            },
            XApi = settings.Scraping.XApi with { Enabled = false },
        },
    };

    /// <summary>The demo always runs on its own embedded PostgreSQL, never on a configured server's data.</summary>
    public PipelineSettings Embedded(PipelineSettings settings) => settings with
    {
        Database = settings.Database with
        {
            ConnectionString = null,
            Embedded = settings.Database.Embedded with { DataDirectory = Path.Combine(Folder, "postgres") },
        },
    };
}
