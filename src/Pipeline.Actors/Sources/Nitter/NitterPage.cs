using Pipeline.Actors.Graph;
using Pipeline.Models.Domain;

namespace Pipeline.Actors.Sources.Nitter;

/// <summary>What a Nitter page turned out to be; decides how the source answers the scraper.</summary>
public enum NitterPageKind
{
    /// <summary>A timeline with at least one item (posts or items that failed to parse).</summary>
    Results,

    /// <summary>A first page with no result (<c>h2.timeline-none</c>).</summary>
    NoItemsFound,

    /// <summary>A cursor page past the last result (<c>h2.timeline-end</c>).</summary>
    NoMoreItems,

    /// <summary>Nitter's error page (<c>div.error-panel</c>): rate limits, bad searches, upstream failures.</summary>
    ErrorPanel,

    /// <summary>None of the above: another site, a changed template, or a document cut before its timeline.</summary>
    UnknownLayout,

    /// <summary>Elements nested deeper than <c>pipeline.limits.max-nesting-depth</c>: refused unread.</summary>
    TooDeep,
}

/// <summary>One parsed Nitter page.</summary>
/// <param name="Items">Every timeline item in page order: posts, and items that failed to parse as <see cref="SourceItem.Unreadable"/>.</param>
/// <param name="Posts">The parsed posts with the Nitter-only details <see cref="RawPost"/> has no room for.</param>
/// <param name="NextCursor">The raw (URL-decoded) cursor of the next page; null when there is none.</param>
/// <param name="Message">The error panel's or end marker's text, or why the layout was not recognised.</param>
public sealed record NitterPage(
    NitterPageKind Kind,
    IReadOnlyList<SourceItem> Items,
    IReadOnlyList<NitterPost> Posts,
    string? NextCursor,
    string? Message)
{
    /// <summary>
    /// Results without a next page and without the <c>top-ref</c> footer Nitter writes after every
    /// result list: the document stopped early. Treating it as the last page would end the search
    /// silently, so the source asks for it again instead.
    /// </summary>
    public bool CutShort { get; init; }
}

/// <param name="AuthorName">The display name (of the original author, for a retweet).</param>
/// <param name="MediaLinks">Absolute links to the photos (full size) and videos attached to the post itself, not to its quote.</param>
/// <param name="CardUrl">The link card's target, absolute.</param>
/// <param name="QuotedId">The status the post quotes, when it quotes an available one.</param>
public sealed record NitterPost(
    RawPost Post,
    string AuthorName,
    IReadOnlyList<string> MediaLinks,
    string? CardUrl,
    PostId? QuotedId,
    bool Pinned);
