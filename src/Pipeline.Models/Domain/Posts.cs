namespace Pipeline.Models.Domain;

/// <summary>The platform's status id: the identity of a post everywhere in the pipeline.</summary>
public readonly record struct PostId(long Value)
{
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Where a post was collected.</summary>
public enum PostSource
{
    Import,
    Nitter,
    XApi,
    Simulator,
}

/// <summary>A post as a source delivered it, before any cleaning.</summary>
/// <param name="Company">The company whose search found it; null when the source does not say (plain file imports).</param>
/// <param name="Lang">The platform's language tag, when the source gives one.</param>
/// <param name="ReplyingTo">
/// Handles the post replies to, when the source shows them apart from the text (Nitter's "Replying to"
/// block: the leading @mentions are not in the text there, unlike in the X API's).
/// </param>
public sealed record RawPost(
    PostId Id,
    CompanyId? Company,
    PostSource Source,
    string? AuthorId,
    string AuthorHandle,
    string Text,
    DateTimeOffset CreatedAt,
    int Likes,
    int Retweets,
    int Replies,
    int Quotes,
    string? Url,
    string? Lang,
    bool IsRetweet,
    bool IsReply,
    DateTimeOffset FetchedAt,
    IReadOnlyList<string>? ReplyingTo = null);

/// <summary>A post that passed every cleaning rule, with the two text forms later stages need.</summary>
/// <param name="Text">The post's text with HTML entities decoded.</param>
/// <param name="SentimentText">Cardiff NLP's preprocessing: mentions become <c>@user</c>, links become <c>http</c>; emojis kept.</param>
/// <param name="TopicTokens">Lower-cased, stopword-free, lemma-lite tokens for the topic model.</param>
/// <param name="Language">
/// The language cleaning decided the post is in (ISO 639-1 code, or <c>pcm</c> for Nigerian Pidgin); null when
/// undetermined. Stored as <c>raw_posts.language</c>, beside the platform's own tag (<see cref="RawPost.Lang"/>).
/// </param>
public sealed record CleanedPost(
    RawPost Raw,
    CompanyId Company,
    string Text,
    string SentimentText,
    IReadOnlyList<string> TopicTokens,
    string? Language = null);

/// <summary>Why the cleaning stage did not keep a post. Stored as the snake_case name.</summary>
public enum DropReason
{
    NotRelevant,
    DuplicateId,
    DuplicateRetweet,
    OwnPost,
    NonEnglish,
    Spam,
    EmptyAfterCleaning,

    /// <summary>The author or the post was forgotten (<c>pipeline forget</c>): decided by the sink against the tombstones, never by cleaning.</summary>
    Forgotten,
}

public static class DropReasonNames
{
    public static string ToSnakeCase(this DropReason reason) => reason switch
    {
        DropReason.NotRelevant => "not_relevant",
        DropReason.DuplicateId => "duplicate_id",
        DropReason.DuplicateRetweet => "duplicate_retweet",
        DropReason.OwnPost => "own_post",
        DropReason.NonEnglish => "non_english",
        DropReason.Spam => "spam",
        DropReason.EmptyAfterCleaning => "empty_after_cleaning",
        DropReason.Forgotten => "forgotten",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };
}
