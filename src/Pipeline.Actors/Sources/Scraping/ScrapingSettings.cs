namespace Pipeline.Actors.Sources.Scraping;

/// <summary>A self-hosted or public Nitter deployment: several instances, rotated on failure.</summary>
public sealed record NitterSettings(bool Enabled, IReadOnlyList<Uri> Instances, TimeSpan Timeout, string UserAgent, int ConcurrencyPerInstance);

/// <summary>The official X API v2 (bearer token from PIPELINE_X_BEARER_TOKEN only).</summary>
public sealed record XApiSettings(bool Enabled, Uri BaseUrl, int PageSize, string? Language, bool ExcludeRetweets, TimeSpan Timeout, string UserAgent);

/// <summary>Collection settings shared by every scraper (<c>pipeline.scraping</c>).</summary>
/// <param name="BackfillDays">How far back the first start collects.</param>
/// <param name="SuspectPause">How long an instance that served an unparseable page rests.</param>
/// <param name="Diagnostics">Folder for pages that could not be parsed.</param>
public sealed record ScrapingSettings(
    int BackfillDays,
    TimeSpan Window,
    TimeSpan PollInterval,
    TimeSpan RequestInterval,
    RetryBackoff Backoff,
    TimeSpan SuspectPause,
    string Diagnostics,
    NitterSettings Nitter,
    XApiSettings XApi)
{
    public bool AnyEnabled => Nitter.Enabled || XApi.Enabled;

    public ScrapeSchedule Schedule(DateTimeOffset now) =>
        new(new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero).AddDays(-BackfillDays), Window, PollInterval, RequestInterval);
}
