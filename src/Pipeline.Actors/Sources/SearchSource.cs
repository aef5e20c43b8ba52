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
    /// <summary>
    /// Errors the source reported alongside its answer (the X API's <c>errors</c> array, which a 200 can carry
    /// with or without <c>data</c>): the scraper logs, shows and counts each of them.
    /// </summary>
    public IReadOnlyList<SourceError> Errors { get; init; } = [];

    /// <param name="Items">Posts, and items that failed to parse (as <see cref="SourceItem.Unreadable"/> with the page URL).</param>
    /// <param name="NextCursor">The next page of the same search; null at the end of the results.</param>
    public sealed record Page(Uri Url, IReadOnlyList<SourceItem> Items, string? NextCursor) : FetchOutcome
    {
        /// <summary>
        /// Set when the source said, beside the items it did return, that asking again will not help
        /// (usage cap reached, access withdrawn): the items are delivered, then the instance is paused for this reason.
        /// </summary>
        public string? StopAsking { get; init; }
    }

    /// <summary>HTTP 429 (or an instance's rate-limit page). <paramref name="ResetAt"/> when the source says when to come back.</summary>
    public sealed record RateLimited(Uri Url, DateTimeOffset? ResetAt, string Detail) : FetchOutcome;

    /// <summary>5xx, a timeout, a refused connection: worth retrying with backoff.</summary>
    public sealed record Unavailable(Uri Url, int? StatusCode, string Detail) : FetchOutcome;

    /// <summary>The page answered but could not be parsed at all (unknown layout, truncated): body kept for diagnosis.</summary>
    public sealed record Unparseable(Uri Url, string Detail, string Body) : FetchOutcome;

    /// <summary>400/401/403/404: a configuration problem (bad token, bad query) that retrying will not fix.</summary>
    public sealed record Rejected(Uri Url, int StatusCode, string Detail) : FetchOutcome;

    /// <summary>
    /// What <paramref name="read"/> makes of an answer's <paramref name="body"/>, or the page as <see cref="Unparseable"/>
    /// with the error when reading it throws: a page the parser was not written for is then saved and quarantined like
    /// any unreadable page. Left to fault the fetch, it would look to the scraper like a source that is down and be
    /// asked for again and again, never quarantined.
    /// </summary>
    internal static FetchOutcome ReadingBody(Uri url, string body, Func<FetchOutcome> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new Unparseable(url, $"the page could not be read ({e.GetType().Name}: {Pipeline.Models.Text.SafeText.Excerpt(e.Message, QuarantineEntry.ErrorExcerpt)})", body);
        }
    }
}

/// <summary>
/// One error a source reported (the X API's problem details: https://docs.x.com/x-api/fundamentals/response-codes-and-errors).
/// </summary>
/// <param name="Type">The problem type's last segment (<c>usage-capped</c>, <c>resource-not-found</c>); <c>unknown</c> when none was given.</param>
/// <param name="ResourceType">What the error is about (<c>user</c>, <c>tweet</c>) when it concerns one resource rather than the request.</param>
/// <param name="Parameter">The request parameter it concerns (<c>query</c>, <c>ids</c>).</param>
/// <param name="Value">The resource id or parameter value it concerns.</param>
public sealed record SourceError(string Type, string? Title, string? Detail, string? ResourceType, string? Parameter, string? Value)
{
    /// <summary>One line for a log, a status or a quarantine entry.</summary>
    public string Describe()
    {
        var text = new System.Text.StringBuilder(Type);
        foreach (var part in new[] { Title, Detail })
        {
            if (!string.IsNullOrWhiteSpace(part))
            {
                text.Append(": ").Append(Pipeline.Models.Text.SafeText.Excerpt(part, 300));
            }
        }

        if (ResourceType is not null || Parameter is not null || Value is not null)
        {
            text.Append(" (");
            text.AppendJoin(", ", new[] { ("resource_type", ResourceType), ("parameter", Parameter), ("value", Value) }
                .Where(p => p.Item2 is not null)
                .Select(p => $"{p.Item1} {Pipeline.Models.Text.SafeText.Excerpt(p.Item2!, 80)}"));
            text.Append(')');
        }

        return text.ToString();
    }
}

/// <summary>A search backend (a Nitter instance, the X API) that fetches one page at a time.</summary>
public interface ISearchSource
{
    /// <summary>Where requests go, for logs and status (an instance URL).</summary>
    Uri BaseUrl { get; }

    Task<FetchOutcome> FetchAsync(SearchRequest request, CancellationToken ct);
}
