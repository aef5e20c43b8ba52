namespace Pipeline.Actors.Sources.Simulator;

/// <summary>What the simulated conversation looks like over time.</summary>
/// <param name="Seed">Same seed, same origin, same companies, same incidents: the same posts with the same ids.</param>
/// <param name="Origin">The demo's start: the backlog lies before it, the incidents are scheduled around it.</param>
/// <param name="Backlog">How far before <paramref name="Origin"/> the conversation starts.</param>
/// <param name="BacklogPostsPerDay">Mean posts a day over the backlog, all companies together (shaped by hour of day).</param>
/// <param name="LivePostsPerMinute">
/// Mean posts a minute from <see cref="LiveStart"/> on, all companies together: flat, or the mean over a
/// day when <see cref="LiveFollowsHourOfDay"/>.
/// </param>
public sealed record SimulationSettings(
    int Seed, DateTimeOffset Origin, TimeSpan Backlog, double BacklogPostsPerDay, double LivePostsPerMinute)
{
    public DateTimeOffset Start => Origin - Backlog;

    /// <summary>
    /// How long before <see cref="Origin"/> the live rate takes over from the backlog's. A detector that
    /// reads the last day's level at the demo's start then reads the level the demo goes on producing,
    /// instead of a jump from the backlog's rate to the live one at the origin.
    /// </summary>
    public TimeSpan LiveLead { get; init; }

    /// <summary>
    /// The live rate rises and falls over the day like the backlog's (quiet nights in Lagos). Off, it is
    /// flat: what load tests want, a steady stream whatever the hour they run at.
    /// </summary>
    public bool LiveFollowsHourOfDay { get; init; }

    /// <summary>Scheduled incidents (absolute times), on top of the background.</summary>
    public IReadOnlyList<SimulatedIncident> Incidents { get; init; } = [];

    /// <summary>How many more incidents the generator places in the backlog from the seed, so the history has some.</summary>
    public int BacklogIncidents { get; init; }

    public DateTimeOffset LiveStart => Origin - LiveLead;
}

/// <summary>How often the simulated instance misbehaves, decided per request from the seed.</summary>
/// <param name="RateLimitProbability">Share of requests answered 429 with a Retry-After of <paramref name="RateLimitReset"/>.</param>
/// <param name="SlowPageProbability">Share of requests answered only after <paramref name="SlowPageDelay"/>.</param>
public sealed record SimulatedFaults(
    double RateLimitProbability, TimeSpan RateLimitReset, double SlowPageProbability, TimeSpan SlowPageDelay)
{
    public static SimulatedFaults None { get; } = new(0, TimeSpan.Zero, 0, TimeSpan.Zero);
}
