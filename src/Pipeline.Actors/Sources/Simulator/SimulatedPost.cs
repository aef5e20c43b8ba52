using Pipeline.Models.Domain;

namespace Pipeline.Actors.Sources.Simulator;

/// <summary>What a simulated post is, which decides what the cleaning stage should do with it.</summary>
public enum SimulatedKind
{
    /// <summary>A customer's post about a theme (complaint, question, praise).</summary>
    Customer,

    /// <summary>A customer's reply to the company's care handle.</summary>
    Reply,

    /// <summary>Posted by one of the company's own handles.</summary>
    OwnPost,

    /// <summary>A native retweet: shown with the retweet header, carrying the original's id, author and text.</summary>
    Retweet,

    /// <summary>An old-style "RT @author: text" post with an id of its own.</summary>
    ManualRetweet,
    Spam,
    Foreign,

    /// <summary>Found by the search but not about the company (a longer handle, a hashtag).</summary>
    Irrelevant,

    /// <summary>Nothing but mentions, links and punctuation.</summary>
    Empty,
}

/// <summary>One item of the simulated timeline.</summary>
/// <param name="TimelineId">The item's own snowflake id: orders the timeline and pages it; equals <paramref name="StatusId"/> except for native retweets.</param>
/// <param name="StatusId">The status the item shows (the original's, for a native retweet).</param>
/// <param name="AppearedAt">When the item appears on the timeline (the retweet's time, for a native retweet).</param>
/// <param name="CreatedAt">When the shown status was posted.</param>
/// <param name="Text">The text as X holds it, without the leading mention of a reply (Nitter shows that in its "Replying to" block).</param>
/// <param name="Companies">Every company whose search finds the item.</param>
/// <param name="Theme">The template family it was written from (<c>transfer_failed</c>, <c>own</c>, <c>spam</c>…).</param>
/// <param name="Sentiment">negative, neutral or positive: what the template was written to say.</param>
/// <param name="Language">The language the text is in (en, fr, yo, ha, ig).</param>
/// <param name="ReplyingTo">The handle replied to, with its @.</param>
/// <param name="RetweetedBy">Who retweeted, for a native retweet.</param>
public sealed record SimulatedPost(
    long TimelineId,
    long StatusId,
    DateTimeOffset AppearedAt,
    DateTimeOffset CreatedAt,
    string AuthorHandle,
    string AuthorName,
    string Text,
    IReadOnlyList<CompanyId> Companies,
    SimulatedKind Kind,
    string Theme,
    string Sentiment,
    string Language,
    string? ReplyingTo,
    SimulatedAuthor? RetweetedBy,
    int Replies,
    int Retweets,
    int Likes,
    int Views);

public sealed record SimulatedAuthor(string Handle, string Name);
