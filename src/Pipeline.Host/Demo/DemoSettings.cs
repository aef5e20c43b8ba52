using Pipeline.Actors.Sources.Simulator;
using Pipeline.Host.Settings;
using Pipeline.Models.Domain;

namespace Pipeline.Host.Demo;

/// <summary><c>pipeline.demo</c>: the simulated conversation and how the demo collects it.</summary>
/// <param name="LiveLead">How long before the demo's start the live rate takes over from the backlog's (see <see cref="SimulationSettings.LiveLead"/>).</param>
/// <param name="LiveFollowsHourOfDay">The live rate rises and falls over the day like the backlog's; off, it is flat.</param>
/// <param name="Incidents">Scheduled incidents, their times relative to the demo's start.</param>
/// <param name="BacklogIncidents">How many incidents the simulator places in the backlog from the seed.</param>
/// <param name="PollInterval">Live poll interval of the demo's scrapers (the simulator is local: no politeness needed).</param>
/// <param name="Folder">Where the demo keeps its own embedded PostgreSQL, inbox and diagnostics, apart from <c>run</c>'s.</param>
/// <param name="SimulatorPort">0: a free loopback port.</param>
public sealed record DemoSettings(
    int Seed,
    int BacklogDays,
    double BacklogPostsPerDay,
    double LivePostsPerMinute,
    TimeSpan LiveLead,
    bool LiveFollowsHourOfDay,
    IReadOnlyList<DemoIncident> Incidents,
    int BacklogIncidents,
    TimeSpan PollInterval,
    TimeSpan RequestInterval,
    SimulatedFaults Faults,
    string Folder,
    int SimulatorPort)
{
    /// <summary>
    /// Once the backlog is collected, retrain the topic model on it (the demo's own models root, <see cref="Folder"/>/models),
    /// print the topic table before and after, and re-score the backlog; the dashboard's note tells the outcome.
    /// </summary>
    public bool RetrainAfterBacklog { get; init; }

    /// <summary>When the output is no terminal (a file, a pipe, CI), how often the status is written as a line.</summary>
    public TimeSpan StatusInterval { get; init; } = TimeSpan.FromSeconds(10);

    public SimulationSettings Simulation(DateTimeOffset origin) =>
        new(Seed, origin, TimeSpan.FromDays(BacklogDays), BacklogPostsPerDay, LivePostsPerMinute)
        {
            LiveLead = LiveLead,
            LiveFollowsHourOfDay = LiveFollowsHourOfDay,
            Incidents = Incidents.Select(i => IncidentKinds.Incident(i.Kind, i.Company, origin + i.Start, i.Duration, i.PostsPerMinute, i.Ramp)).ToList(),
            BacklogIncidents = BacklogIncidents,
        };

    /// <summary>
    /// The simulator as load tests want it: a flat live rate from the origin on and no incidents, so what
    /// they measure does not depend on the hour they run at (set their own rates after this).
    /// </summary>
    public DemoSettings Steady() => this with { LiveLead = TimeSpan.Zero, LiveFollowsHourOfDay = false, Incidents = [], BacklogIncidents = 0 };

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
            Diagnostics = DiagnosticsFolder,
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

    /// <summary>
    /// With <see cref="RetrainAfterBacklog"/>: retraining on, its models written under the demo's folder (never into the
    /// shipped models), and the schedule's first look a whole interval away, so the run after the backlog is the demo's.
    /// </summary>
    public PipelineSettings Retraining(PipelineSettings settings) => !RetrainAfterBacklog || !settings.Topics.Enabled ? settings : settings with
    {
        Http = settings.Http with { ModelsRoot = Path.GetFullPath(Path.Combine(Folder, "models")) },
        TopicRetrain = settings.TopicRetrain with { Enabled = true, FirstCheckAfter = settings.TopicRetrain.Interval },
    };

    /// <summary>
    /// The demo's own stores: its embedded PostgreSQL (never a configured server's data, owner login included) and its
    /// diagnostics folder. The admin verbs' <c>--demo</c> uses the same, so a forget reaches what the demo saved.
    /// </summary>
    public PipelineSettings Embedded(PipelineSettings settings) => settings with
    {
        Database = settings.Database with
        {
            ConnectionString = null,
            OwnerConnectionString = null,
            Embedded = settings.Database.Embedded with { DataDirectory = Path.Combine(Folder, "postgres") },
        },
        Scraping = settings.Scraping with { Diagnostics = DiagnosticsFolder },
    };

    /// <summary>Where the demo's scrapers save pages they could not read.</summary>
    private string DiagnosticsFolder => Path.Combine(Folder, "diagnostics");
}

/// <summary>One entry of <c>pipeline.demo.incidents</c>.</summary>
/// <param name="Kind">One of <see cref="IncidentKinds.Themes"/>' keys.</param>
/// <param name="Start">After the demo's start.</param>
/// <param name="PostsPerMinute">Mean extra posts a minute about <paramref name="Company"/> at full strength.</param>
/// <param name="Ramp">How long the rate takes to climb to full strength (0: at once).</param>
public sealed record DemoIncident(string Kind, CompanyId Company, TimeSpan Start, TimeSpan Duration, double PostsPerMinute, TimeSpan Ramp);
