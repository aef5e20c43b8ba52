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
    IReadOnlyList<InstanceStatus> Instances);

public sealed record InstanceStatus(string Url, DateTimeOffset? PausedUntil, int Failures, bool Suspect, string? LastError);

/// <summary>Scrapers publish their status here; HTTP reads it from other threads.</summary>
public sealed class SourceStatusBoard
{
    private readonly ConcurrentDictionary<string, ScraperStatus> _statuses = new();

    public void Publish(ScraperStatus status) => _statuses[status.Scraper] = status;

    public IReadOnlyList<ScraperStatus> All => _statuses.Values.OrderBy(s => s.Scraper, StringComparer.Ordinal).ToList();
}
