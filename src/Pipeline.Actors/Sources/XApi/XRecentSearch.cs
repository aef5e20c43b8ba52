using System.Globalization;
using System.Text;
using System.Text.Json;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Json;
using Pipeline.Models.Domain;

namespace Pipeline.Actors.Sources.XApi;

/// <summary>How the X API source searches.</summary>
/// <param name="MaxResults">Posts per page; the API accepts 10 to 100, so other values are brought into that range.</param>
/// <param name="Language">The <c>lang:</c> operator's value; null searches every language.</param>
/// <param name="Timeout">Per request; zero (the default) means 10 seconds.</param>
public sealed record XSearchOptions(
    int MaxResults = 100,
    string? Language = "en",
    bool ExcludeRetweets = true,
    TimeSpan Timeout = default,
    string UserAgent = "pipeline")
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    // A TimeSpan cannot be a default parameter value, so zero stands for "not given".
    public TimeSpan Timeout { get; init; } = Timeout == TimeSpan.Zero ? DefaultTimeout : Timeout;

    /// <summary>The largest body read and the deepest JSON parsed (<c>pipeline.limits</c>).</summary>
    public InputLimits Limits { get; init; } = InputLimits.Default;
}

/// <summary>One parsed page of <c>GET /2/tweets/search/recent</c>.</summary>
/// <param name="Items">Posts in the API's order, and the data items that could not be read.</param>
/// <param name="NextToken">The next page of the same search; null on the last page.</param>
/// <param name="NewestId">The newest post on the page: the <c>since_id</c> of the next live poll.</param>
/// <param name="ResultCount">What the API says the page holds (<c>meta.result_count</c>).</param>
public sealed record XSearchPage(IReadOnlyList<SourceItem> Items, string? NextToken, PostId? NewestId, int ResultCount)
{
    /// <summary>The response's <c>errors</c> array: a 200 carries one beside partial data, or instead of it.</summary>
    public IReadOnlyList<SourceError> Errors { get; init; } = [];

    /// <summary>Whether the response had a <c>data</c> list (possibly empty), as opposed to none at all.</summary>
    public bool HasData { get; init; }
}

/// <summary>The response as a whole is not a search result (not JSON, not an object, <c>data</c> not a list).</summary>
public sealed class XApiResponseException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Pure functions for the X API v2 recent search: the query, the request URI, the response.</summary>
public static class XRecentSearch
{
    /// <summary>The API rejects longer queries (400) on the Basic and Pro tiers' recent search.</summary>
    public const int MaxQueryLength = 512;

    public const string QuarantineSource = "x_api";

    public const string SearchPath = "2/tweets/search/recent";

    /// <summary>
    /// Problem types that concern the app's access to the endpoint itself (its enrolment, its authentication, its
    /// monthly cap): asking again will get the same answer until someone acts.
    /// </summary>
    private static readonly HashSet<string> AccessProblems = new(StringComparer.OrdinalIgnoreCase)
    {
        "client-forbidden", "unsupported-authentication", "usage-capped", "disallowed-resource",
    };

    /// <summary>Problem types that stop the search when they concern the request, not one resource it mentions.</summary>
    private static readonly HashSet<string> RequestProblems = new(StringComparer.OrdinalIgnoreCase)
    {
        "not-authorized-for-resource", "not-authorized-for-field", "resource-unavailable",
    };

    private const string TweetFields = "created_at,public_metrics,lang,author_id,referenced_tweets,conversation_id";

    /// <summary>
    /// <c>(@gtbank OR "GT Bank" OR gtbank) -is:retweet lang:en</c>: any handle mentioned or term used,
    /// with the retweet and language policy applied by the API so they cost no quota.
    /// </summary>
    /// <exception cref="ArgumentException">Nothing to search for, or the query is longer than the API accepts.</exception>
    public static string BuildQuery(Company company, string? language, bool excludeRetweets)
    {
        ArgumentNullException.ThrowIfNull(company);
        var alternatives = company.Handles
            .Where(h => !string.IsNullOrWhiteSpace(h))
            .Select(h => "@" + h.Trim().TrimStart('@'))
            .Concat(company.SearchTerms.Where(t => !string.IsNullOrWhiteSpace(t)).Select(Term))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
        if (alternatives.Count == 0)
        {
            throw new ArgumentException(
                $"Company '{company.Id}' has no handle or search term to search the X API for.", nameof(company));
        }

        var query = new StringBuilder("(").AppendJoin(" OR ", alternatives).Append(')');
        if (excludeRetweets)
        {
            query.Append(" -is:retweet");
        }

        if (!string.IsNullOrWhiteSpace(language))
        {
            query.Append(" lang:").Append(language.Trim());
        }

        if (query.Length > MaxQueryLength)
        {
            throw new ArgumentException(
                $"The X API query for company '{company.Id}' is {query.Length} characters long; the API accepts at most " +
                $"{MaxQueryLength}. Drop some of its handles or search terms.", nameof(company));
        }

        return query.ToString();
    }

    // A bare word is a keyword; anything else (spaces, hyphens, dots) is quoted so the API takes it as one
    // exact phrase instead of splitting it or reading a leading '-' as negation. X has no escape for '"'.
    private static string Term(string term)
    {
        var trimmed = term.Trim().Replace("\"", string.Empty, StringComparison.Ordinal);
        return trimmed.All(c => char.IsLetterOrDigit(c) || c == '_') ? trimmed : $"\"{trimmed}\"";
    }

    /// <summary>The request for one page: the company's query, the fields we map, and the request's window and cursor.</summary>
    public static Uri BuildUri(Uri baseUrl, SearchRequest request, XSearchOptions options)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(options);
        var parameters = new List<(string Name, string Value)>
        {
            ("query", BuildQuery(request.Company, options.Language, options.ExcludeRetweets)),
            ("max_results", Math.Clamp(options.MaxResults, 10, 100).ToString(CultureInfo.InvariantCulture)),
            ("tweet.fields", TweetFields),
            ("expansions", "author_id"),
            ("user.fields", "username,name"),
        };
        if (request.SinceId is { } sinceId)
        {
            parameters.Add(("since_id", sinceId.ToString()));
        }

        if (request.Cursor is { Length: > 0 } cursor)
        {
            parameters.Add(("next_token", cursor));
        }

        // The API takes whole seconds, start_time inclusive and end_time exclusive. Widening the window to whole
        // seconds (start down, end up) never loses a post; the overlap with the next window is upserted away.
        if (request.Since is { } since)
        {
            parameters.Add(("start_time", Rfc3339(WholeSecondAtOrBefore(since))));
        }

        if (request.Until is { } until)
        {
            var end = WholeSecondAtOrBefore(until);
            parameters.Add(("end_time", Rfc3339(end < until ? end.AddSeconds(1) : end)));
        }

        var query = string.Join("&", parameters.Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value)}"));
        // Without a trailing slash a base such as https://proxy/x would lose its last segment when resolved against.
        var root = baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/");
        return new Uri(root, SearchPath + "?" + query);
    }

    private static DateTimeOffset WholeSecondAtOrBefore(DateTimeOffset instant)
    {
        var utc = instant.ToUniversalTime();
        return utc.AddTicks(-(utc.Ticks % TimeSpan.TicksPerSecond));
    }

    private static string Rfc3339(DateTimeOffset utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// The posts of one response body. A data item that cannot be read becomes <see cref="SourceItem.Unreadable"/>
    /// and the others are kept; a page without <c>data</c> is an empty result.
    /// </summary>
    /// <param name="limits">Bounds the response is held to (its nesting depth); <see cref="InputLimits.Default"/> when not given.</param>
    /// <exception cref="XApiResponseException">The body is not a JSON object, nests too deep, or <c>data</c> is not a list.</exception>
    public static XSearchPage ParsePage(string json, Uri url, CompanyId company, DateTimeOffset fetchedAt, InputLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(url);
        var maxDepth = (limits ?? InputLimits.Default).MaxNestingDepth;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, Options(maxDepth));
        }
        catch (JsonException e)
        {
            // System.Text.Json names the depth it stopped at; the setting that chose it is ours to name.
            var setting = e.Message.Contains("depth", StringComparison.OrdinalIgnoreCase)
                ? $" (containers nest at most {maxDepth} deep: {MaxDepthSetting})"
                : string.Empty;
            throw new XApiResponseException($"The response is not JSON the pipeline reads: {e.Message}{setting}", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new XApiResponseException($"The response is a JSON {root.ValueKind}, not an object.");
            }

            var usernames = Usernames(root);
            var items = new List<SourceItem>();
            var hasData = false;
            if (root.TryGetProperty("data", out var data) && data.ValueKind != JsonValueKind.Null)
            {
                hasData = true;
                if (data.ValueKind != JsonValueKind.Array)
                {
                    throw new XApiResponseException($"The response's 'data' is a JSON {data.ValueKind}, not a list.");
                }

                foreach (var element in data.EnumerateArray())
                {
                    items.Add(ReadItem(element, usernames, url, company, fetchedAt));
                }
            }

            var meta = root.TryGetProperty("meta", out var m) && m.ValueKind == JsonValueKind.Object ? m : default;
            var nextToken = StringOf(meta, "next_token") is { Length: > 0 } token ? token : null;
            var resultCount = meta.ValueKind == JsonValueKind.Object && meta.TryGetProperty("result_count", out var count)
                && count.ValueKind == JsonValueKind.Number && count.TryGetInt32(out var n) ? n : items.Count;
            var newestId = ParseId(StringOf(meta, "newest_id"))
                ?? items.OfType<SourceItem.Post>().Select(p => (PostId?)p.Raw.Id).MaxBy(id => id?.Value);
            return new XSearchPage(items, nextToken, newestId, resultCount) { Errors = ErrorsOf(root), HasData = hasData };
        }
    }

    public const string MaxDepthSetting = "pipeline.limits.max-nesting-depth";

    /// <summary>
    /// Every error an answer carries: the problem it is (a 4xx body's <c>type</c>, <c>title</c>, <c>detail</c>) and
    /// the entries of its <c>errors</c> array. Empty when the body is not JSON or carries none.
    /// </summary>
    public static IReadOnlyList<SourceError> ParseErrors(string body, InputLimits? limits = null)
    {
        try
        {
            using var document = JsonDocument.Parse(body, Options((limits ?? InputLimits.Default).MaxNestingDepth));
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return [];
            }

            var problem = StringOf(root, "type") is not null || StringOf(root, "title") is not null ? [ErrorOf(root)] : Array.Empty<SourceError>();
            return [.. problem, .. ErrorsOf(root)];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    /// <summary>
    /// Why the errors mean the source should stop asking for a while, or null when they do not: the app's access
    /// itself is refused (forbidden, not enrolled, the usage cap reached), or the request as a whole is not authorised
    /// or unavailable (a suspended account). An error about one resource the page mentions (an author the app may not
    /// see) is a warning: the rest of the page is good.
    /// </summary>
    public static string? StopAsking(IReadOnlyList<SourceError> errors)
    {
        var stop = errors.FirstOrDefault(e =>
            AccessProblems.Contains(e.Type)
            || (RequestProblems.Contains(e.Type) && e.ResourceType is null && e.Value is null)
            || (e.ResourceType is null && e.Value is null && Mentions(e, "suspended")));
        return stop?.Describe();
    }

    private static bool Mentions(SourceError error, string word) =>
        (error.Title?.Contains(word, StringComparison.OrdinalIgnoreCase) ?? false)
        || (error.Detail?.Contains(word, StringComparison.OrdinalIgnoreCase) ?? false);

    private static IReadOnlyList<SourceError> ErrorsOf(JsonElement root) =>
        root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array
            ? errors.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object).Select(ErrorOf).ToList()
            : [];

    private static SourceError ErrorOf(JsonElement error)
    {
        var type = StringOf(error, "type");
        // https://api.x.com/2/problems/usage-capped → usage-capped; about:blank stays as it is.
        var shortType = string.IsNullOrWhiteSpace(type) ? "unknown" : type.TrimEnd('/')[(type.TrimEnd('/').LastIndexOf('/') + 1)..];
        return new SourceError(
            shortType,
            StringOf(error, "title"),
            StringOf(error, "detail") ?? StringOf(error, "message"),
            StringOf(error, "resource_type"),
            StringOf(error, "parameter"),
            ScalarOf(error, "value") ?? StringOf(error, "resource_id"));
    }

    private static string? ScalarOf(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetStringLenient(),
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
            _ => null,
        } : null;

    private static JsonDocumentOptions Options(int maxDepth) => new() { MaxDepth = maxDepth };

    /// <summary>
    /// What an error body says (<c>title</c>, <c>detail</c>, <c>errors[].message</c>), for a person to act on; null
    /// when it is not the API's JSON error shape.
    /// </summary>
    public static string? DescribeError(string body, InputLimits? limits = null)
    {
        try
        {
            using var document = JsonDocument.Parse(body, Options((limits ?? InputLimits.Default).MaxNestingDepth));
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var parts = new List<string>();
            foreach (var name in new[] { "title", "detail" })
            {
                if (StringOf(root, name) is { Length: > 0 } text && !parts.Contains(text, StringComparer.Ordinal))
                {
                    parts.Add(text);
                }
            }

            if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
            {
                parts.AddRange(errors.EnumerateArray()
                    .Select(e => StringOf(e, "message"))
                    .OfType<string>()
                    .Where(text => text.Length > 0 && !parts.Contains(text, StringComparer.Ordinal)));
            }

            return parts.Count == 0 ? null : string.Join(": ", parts);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static SourceItem ReadItem(JsonElement element, IReadOnlyDictionary<string, string> usernames, Uri url,
        CompanyId company, DateTimeOffset fetchedAt)
    {
        if (MapPost(element, usernames, company, fetchedAt, out var problem) is { } post)
        {
            // The page it came from, as for Nitter: whatever happens to the post later (the database refuses it) names the page.
            return new SourceItem.Post(post, $"{url}#{post.Id}");
        }

        return new SourceItem.Unreadable(new QuarantineEntry(
            QuarantineSource, url.ToString(), problem, Pipeline.Models.Text.SafeText.Truncate(element.GetRawText(), QuarantineEntry.PayloadExcerpt), null, company));
    }

    private static RawPost? MapPost(JsonElement item, IReadOnlyDictionary<string, string> usernames, CompanyId company,
        DateTimeOffset fetchedAt, out string problem)
    {
        problem = string.Empty;
        if (item.ValueKind != JsonValueKind.Object)
        {
            problem = $"A data item is a JSON {item.ValueKind}, not a post object.";
            return null;
        }

        var idText = StringOf(item, "id");
        if (ParseId(idText) is not { } id)
        {
            problem = idText is null ? "The post has no 'id' string." : $"The post id '{idText}' is not a positive whole number.";
            return null;
        }

        if (StringOf(item, "text") is not { } text)
        {
            problem = $"Post {id} has no 'text' string.";
            return null;
        }

        var createdText = StringOf(item, "created_at");
        if (!DateTimeOffset.TryParseExact(createdText, "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var createdAt))
        {
            problem = createdText is null
                ? $"Post {id} has no 'created_at' string."
                : $"Post {id} has created_at '{createdText}', not an ISO 8601 time such as 2024-11-25T19:02:00.000Z.";
            return null;
        }

        var authorId = StringOf(item, "author_id");
        var handle = authorId is not null && usernames.TryGetValue(authorId, out var username) ? username : string.Empty;
        var metrics = item.TryGetProperty("public_metrics", out var m) && m.ValueKind == JsonValueKind.Object ? m : default;
        var references = ReferenceTypes(item);
        return new RawPost(
            id,
            company,
            PostSource.XApi,
            authorId,
            handle,
            text,
            createdAt,
            Count(metrics, "like_count"),
            Count(metrics, "retweet_count"),
            Count(metrics, "reply_count"),
            Count(metrics, "quote_count"),
            // Without the author's username the id alone still opens the post on x.com.
            handle.Length > 0 ? $"https://x.com/{handle}/status/{id}" : $"https://x.com/i/web/status/{id}",
            StringOf(item, "lang"),
            references.Contains("retweeted") || text.StartsWith("RT @", StringComparison.Ordinal),
            references.Contains("replied_to"),
            fetchedAt);
    }

    // The authors come once per page in includes.users, keyed by the author_id the posts carry.
    private static Dictionary<string, string> Usernames(JsonElement root)
    {
        var usernames = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root.TryGetProperty("includes", out var includes) && includes.ValueKind == JsonValueKind.Object
            && includes.TryGetProperty("users", out var users) && users.ValueKind == JsonValueKind.Array)
        {
            foreach (var user in users.EnumerateArray())
            {
                if (StringOf(user, "id") is { } id && StringOf(user, "username") is { } username)
                {
                    usernames.TryAdd(id, username);
                }
            }
        }

        return usernames;
    }

    private static HashSet<string> ReferenceTypes(JsonElement item)
    {
        var types = new HashSet<string>(StringComparer.Ordinal);
        if (item.TryGetProperty("referenced_tweets", out var references) && references.ValueKind == JsonValueKind.Array)
        {
            foreach (var reference in references.EnumerateArray())
            {
                if (StringOf(reference, "type") is { } type)
                {
                    types.Add(type);
                }
            }
        }

        return types;
    }

    private static PostId? ParseId(string? text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? new PostId(value)
            : null;

    // Lenient: a lone surrogate escape (\ud800) is valid JSON that GetString refuses; the text keeps it for the
    // sink to repair and count, instead of one character failing the whole page.
    private static string? StringOf(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value)
            && value.ValueKind == JsonValueKind.String
            ? value.GetStringLenient()
            : null;

    // A missing metric is zero; a count beyond int (impossible today) is capped rather than failing the post.
    private static int Count(JsonElement metrics, string name) =>
        metrics.ValueKind == JsonValueKind.Object && metrics.TryGetProperty(name, out var value)
            && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var count)
            ? (int)Math.Clamp(count, 0, int.MaxValue)
            : 0;
}
