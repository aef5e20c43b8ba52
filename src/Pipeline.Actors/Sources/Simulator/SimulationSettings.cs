namespace Pipeline.Actors.Sources.Simulator;

/// <summary>What the simulated conversation looks like over time.</summary>
/// <param name="Seed">Same seed, same origin, same companies: the same posts with the same ids.</param>
/// <param name="Origin">Where the backlog ends and the live trickle begins (the demo's start).</param>
/// <param name="Backlog">How far before <paramref name="Origin"/> the conversation starts.</param>
/// <param name="BacklogPostsPerDay">Mean posts a day over the backlog, all companies together (shaped by hour of day).</param>
/// <param name="LivePostsPerMinute">Mean posts a minute from <paramref name="Origin"/> on, all companies together.</param>
public sealed record SimulationSettings(
    int Seed, DateTimeOffset Origin, TimeSpan Backlog, double BacklogPostsPerDay, double LivePostsPerMinute)
{
    public DateTimeOffset Start => Origin - Backlog;
}

/// <summary>How often the simulated instance misbehaves, decided per request from the seed.</summary>
/// <param name="RateLimitProbability">Share of requests answered 429 with a Retry-After of <paramref name="RateLimitReset"/>.</param>
/// <param name="SlowPageProbability">Share of requests answered only after <paramref name="SlowPageDelay"/>.</param>
public sealed record SimulatedFaults(
    double RateLimitProbability, TimeSpan RateLimitReset, double SlowPageProbability, TimeSpan SlowPageDelay)
{
    public static SimulatedFaults None { get; } = new(0, TimeSpan.Zero, 0, TimeSpan.Zero);
}
