using System.Collections.Frozen;

namespace Pipeline.Actors.Import;

/// <summary>The logical fields of an imported post, whatever a given file calls them.</summary>
internal enum PostField
{
    Id,
    Text,
    CreatedAt,
    AuthorHandle,
    AuthorId,
    Company,
    Likes,
    Retweets,
    Replies,
    Quotes,
    Url,
    Lang,
    IsRetweet,
    IsReply,
    RetweetOf,
    InReplyTo,
}

/// <param name="Description">How an error message names the field to a person, without an article ("post id").</param>
/// <param name="Aliases">CSV header names and JSON property names, matched case-insensitively, best first.</param>
internal sealed record PostFieldSpec(PostField Field, string Description, bool Required, IReadOnlyList<string> Aliases);

/// <summary>
/// One alias table for CSV headers and JSON properties, so a pandas export, an snscrape dump and an
/// X archive all land in the same fields. Dotted names are nested JSON objects (and the column names
/// pandas' <c>json_normalize</c> gives them), so the same aliases also cover flattened CSVs.
/// </summary>
internal static class PostFields
{
    public static IReadOnlyList<PostFieldSpec> All { get; } =
    [
        new(PostField.Id, "post id", true, ["id", "status_id", "tweet_id", "id_str", "post_id"]),
        // X API v1 in compatibility mode cuts "text" at 140 characters and keeps the whole post in extended_tweet.
        new(PostField.Text, "post text", true,
            ["extended_tweet.full_text", "text", "full_text", "tweet", "content", "body", "rawcontent"]),
        new(PostField.CreatedAt, "creation time", true, ["created_at", "date", "timestamp", "time"]),
        new(PostField.AuthorHandle, "author handle", false,
            ["author_handle", "username", "user", "screen_name", "user_screen_name", "author",
             "user.screen_name", "user.username", "author.username", "author.screen_name"]),
        new(PostField.AuthorId, "author id", false,
            ["author_id", "user_id", "user_id_str", "user.id_str", "user.id", "author.id"]),
        new(PostField.Company, "company", false, ["company", "company_id", "bank"]),
        new(PostField.Likes, "like count", false,
            ["likes", "like_count", "likecount", "favorite_count", "favourites_count", "public_metrics.like_count"]),
        new(PostField.Retweets, "retweet count", false,
            ["retweets", "retweet_count", "retweetcount", "public_metrics.retweet_count"]),
        new(PostField.Replies, "reply count", false,
            ["replies", "reply_count", "replycount", "public_metrics.reply_count"]),
        new(PostField.Quotes, "quote count", false,
            ["quotes", "quote_count", "quotecount", "public_metrics.quote_count"]),
        new(PostField.Url, "post URL", false, ["url", "link", "tweet_url"]),
        new(PostField.Lang, "language", false, ["lang", "language"]),
        new(PostField.IsRetweet, "retweet flag", false, ["is_retweet", "retweeted", "isretweet"]),
        new(PostField.IsReply, "reply flag", false, ["is_reply", "isreply"]),
        // Evidence of a retweet or reply when no flag column says so (X API v1/v2 and snscrape shapes).
        new(PostField.RetweetOf, "retweeted post", false,
            ["retweeted_status.id_str", "retweeted_status.id", "referenced_tweets.retweeted", "retweetedtweet.id"]),
        new(PostField.InReplyTo, "replied-to post", false,
            ["in_reply_to_status_id", "in_reply_to_status_id_str", "in_reply_to_user_id", "in_reply_to_user_id_str",
             "referenced_tweets.replied_to", "inreplytotweetid"]),
    ];

    public static int Count => All.Count;

    public static PostFieldSpec Spec(PostField field) => All[(int)field];

    public static IEnumerable<PostFieldSpec> Required => All.Where(s => s.Required);

    /// <summary>The field a column or property name feeds, and the alias's rank there (0 is preferred).</summary>
    public static (PostField Field, int Rank)? Match(string name) =>
        ByAlias.TryGetValue(name, out var match) ? match : null;

    /// <summary>Whether a nested JSON object of this name holds fields we read (<c>user</c>, <c>public_metrics</c>…).</summary>
    public static bool IsNestedPrefix(string name) => NestedPrefixes.Contains(name);

    private static readonly FrozenDictionary<string, (PostField Field, int Rank)> ByAlias = All
        .SelectMany(spec => spec.Aliases.Select((alias, rank) => KeyValuePair.Create(alias, (spec.Field, rank))))
        .ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenSet<string> NestedPrefixes = All
        .SelectMany(spec => spec.Aliases)
        .Where(alias => alias.Contains('.'))
        .Select(alias => alias[..alias.IndexOf('.')])
        .ToFrozenSet(StringComparer.OrdinalIgnoreCase);
}
