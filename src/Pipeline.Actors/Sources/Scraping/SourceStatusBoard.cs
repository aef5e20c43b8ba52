using System.Collections.Concurrent;

namespace Pipeline.Actors.Sources.Scraping;

/// <summary>What one scraper last did, for the status endpoint and readiness.</summary>
public sealed record ScraperStatus(
    string Scraper,
    string Company,
    string Source,
    string Mode,
    long PagesCommitted,
    long? NewestId,
    DateTimeOffset? LastSuccess,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    IReadOnlyList<InstanceStatus> Instances)
{
    /// <summary>The latest errors the source reported beside its answers (the X API's <c>errors</c>), newest last.</summary>
    public IReadOnlyList<SourceWarning> Warnings { get; init; } = [];
}

public sealed record InstanceStatus(string Url, DateTimeOffset? PausedUntil, int Failures, bool Suspect, string? LastError);

/// <summary>One error a source reported, as the status shows it.</summary>
/// <param name="Type">The problem type (<c>usage-capped</c>, <c>resource-not-found</c>).</param>
public sealed record SourceWarning(string Type, string Message, string Url, DateTimeOffset At);

/// <summary>Scrapers publish their status here; HTTP reads it from other threads.</summary>
public sealed class SourceStatusBoard
{
    private readonly ConcurrentDictionary<string, ScraperStatus> _statuses = new();
    private readonly ConcurrentDictionary<(string Source, string Type), long> _errors = new();
    private long _rateLimitPauses;

    public void Publish(ScraperStatus status) => _statuses[status.Scraper] = status;

    public IReadOnlyList<ScraperStatus> All => _statuses.Values.OrderBy(s => s.Scraper, StringComparer.Ordinal).ToList();

    /// <summary>Counts one error a source reported, by source and problem type.</summary>
    public void CountError(string source, string type) => _errors.AddOrUpdate((source, type), 1, (_, n) => n + 1);

    /// <summary>
    /// Errors sources reported since start, by source (<c>x_api</c>) and problem type (<c>usage-capped</c>): what
    /// <c>pipeline_source_errors_total{source, type}</c> exposes.
    /// </summary>
    public IReadOnlyDictionary<(string Source, string Type), long> ErrorCounts => _errors.ToDictionary(e => e.Key, e => e.Value);

    /// <summary>Counts one pause of an instance that answered "too many requests".</summary>
    public void CountRateLimitPause() => Interlocked.Increment(ref _rateLimitPauses);

    /// <summary>Instances paused because they rate-limited a scraper, since start: the demo shows it instead of a warning each.</summary>
    public long RateLimitPauses => Interlocked.Read(ref _rateLimitPauses);
}
