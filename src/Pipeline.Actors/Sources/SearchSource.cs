using Pipeline.Actors.Graph;
using Pipeline.Models.Domain;

namespace Pipeline.Actors.Sources;

/// <summary>
/// One page request to a search source. Nitter uses the window and the cursor; the X API uses
/// the window (start/end time), the cursor (next_token) and <see cref="SinceId"/>.
/// </summary>
/// <param name="Since">Inclusive start of the time window, when backfilling.</param>
/// <param name="Until">Exclusive end of the time window, when backfilling.</param>
/// <param name="Cursor">The page after the previous one (Nitter cursor, X next_token); null for a first page.</param>
/// <param name="SinceId">Only posts newer than this id (live polling).</param>
public sealed record SearchRequest(
    Company Company,
    DateTimeOffset? Since,
    DateTimeOffset? Until,
    string? Cursor,
    PostId? SinceId);

/// <summary>What fetching one page gave. Failures are values: the scraper decides what to do with them.</summary>
public abstract record FetchOutcome
{
    /// <param name="Items">Posts, and items that failed to parse (as <see cref="SourceItem.Unreadable"/> with the page URL).</param>
    /// <param name="NextCursor">The next page of the same search; null at the end of the results.</param>
    public sealed record Page(Uri Url, IReadOnlyList<SourceItem> Items, string? NextCursor) : FetchOutcome;

    /// <summary>HTTP 429 (or an instance's rate-limit page). <paramref name="ResetAt"/> when the source says when to come back.</summary>
    public sealed record RateLimited(Uri Url, DateTimeOffset? ResetAt, string Detail) : FetchOutcome;

    /// <summary>5xx, a timeout, a refused connection: worth retrying with backoff.</summary>
    public sealed record Unavailable(Uri Url, int? StatusCode, string Detail) : FetchOutcome;

    /// <summary>The page answered but could not be parsed at all (unknown layout, truncated): body kept for diagnosis.</summary>
    public sealed record Unparseable(Uri Url, string Detail, string Body) : FetchOutcome;

    /// <summary>400/401/403/404: a configuration problem (bad token, bad query) that retrying will not fix.</summary>
    public sealed record Rejected(Uri Url, int StatusCode, string Detail) : FetchOutcome;
}

/// <summary>A search backend (a Nitter instance, the X API) that fetches one page at a time.</summary>
public interface ISearchSource
{
    /// <summary>Where requests go, for logs and status (an instance URL).</summary>
    Uri BaseUrl { get; }

    Task<FetchOutcome> FetchAsync(SearchRequest request, CancellationToken ct);
}
