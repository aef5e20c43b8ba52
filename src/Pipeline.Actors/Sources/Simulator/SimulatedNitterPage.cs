using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Pipeline.Actors.Sources.Simulator;

/// <summary>
/// Writes the simulator's items as a Nitter search page in the markup of Nitter's templates since
/// the 2025-11 change (<c>data-username</c>, comment / retweet / heart / views stats): what a
/// self-hosted instance serves today, and what <see cref="Nitter.NitterPageParser"/> reads.
/// </summary>
public static partial class SimulatedNitterPage
{
    // Nitter's getTime: "Nov 25, 2024 · 5:48 PM UTC".
    private const string TitleDate = "MMM d, yyyy · h:mm tt 'UTC'";
    private const string CursorPrefix = "DAAB";

    public static string Results(string query, IReadOnlyList<SimulatedPost> posts, string nextCursor, bool cursorPage)
    {
        var html = Head(query);
        html.Append("  <div class=\"timeline\">\n");
        if (cursorPage)
        {
            html.Append("    <div class=\"timeline-item show-more\"><a href=\"/search?f=tweets&amp;q=").Append(Escape(Uri.EscapeDataString(query)))
                .Append("\">Load newest</a></div>\n");
        }

        foreach (var post in posts)
        {
            Item(html, post);
        }

        html.Append("    <div class=\"show-more\"><a href=\"?f=tweets&amp;q=").Append(Escape(Uri.EscapeDataString(query)))
            .Append("&amp;cursor=").Append(Escape(Uri.EscapeDataString(nextCursor))).Append("\">Load more</a></div>\n");
        html.Append("    <div class=\"top-ref\"><div class=\"icon-container\"><a class=\"icon-down\" title=\"\" href=\"#\"></a></div></div>\n");
        return Tail(html);
    }

    /// <summary>A first page with no result.</summary>
    public static string NoItemsFound(string query)
    {
        var html = Head(query);
        html.Append("  <div class=\"timeline\">\n    <div class=\"timeline-header\"><h2 class=\"timeline-none\">No items found</h2></div>\n");
        return Tail(html);
    }

    /// <summary>A cursor page past the last result.</summary>
    public static string NoMoreItems(string query)
    {
        var html = Head(query);
        html.Append("  <div class=\"timeline\">\n    <div class=\"timeline-item show-more\"><a href=\"/search?f=tweets&amp;q=")
            .Append(Escape(Uri.EscapeDataString(query))).Append("\">Load newest</a></div>\n")
            .Append("    <div class=\"timeline-footer\"><h2 class=\"timeline-end\">No more items</h2></div>\n");
        return Tail(html);
    }

    /// <summary>Nitter's error page (served with 429 for a rate limit, 400/404 for a bad search).</summary>
    public static string Error(string message) =>
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><title>Error | nitter</title></head>\n<body>\n" + Nav() +
        "<div class=\"container\">\n<div class=\"panel-container\"><div class=\"error-panel\"><span>" + message +
        "</span></div></div>\n</div>\n</body>\n</html>\n";

    public const string RateLimitedMessage =
        "Instance has been rate limited.<br>Use <a href=\"https://github.com/zedeus/nitter/wiki/Instances\">another instance</a> or try again later.";

    public static string Cursor(long timelineId) =>
        CursorPrefix + Convert.ToBase64String(Encoding.ASCII.GetBytes("scroll:" + timelineId.ToString(CultureInfo.InvariantCulture)))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The timeline id a cursor continues below; null when the cursor is not one this simulator wrote.</summary>
    public static long? ParseCursor(string cursor)
    {
        if (!cursor.StartsWith(CursorPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var body = cursor[CursorPrefix.Length..].Replace('-', '+').Replace('_', '/');
        body = body.PadRight(body.Length + (4 - body.Length % 4) % 4, '=');
        try
        {
            var text = Encoding.ASCII.GetString(Convert.FromBase64String(body));
            return text.StartsWith("scroll:", StringComparison.Ordinal) &&
                long.TryParse(text["scroll:".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                ? id
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static void Item(StringBuilder html, SimulatedPost post)
    {
        var id = post.StatusId.ToString(CultureInfo.InvariantCulture);
        var handle = Escape(post.AuthorHandle);
        var name = Escape(post.AuthorName);
        var status = $"/{handle}/status/{id}#m";
        var when = post.CreatedAt.UtcDateTime;
        html.Append("    <div class=\"timeline-item \" data-username=\"").Append(handle).Append("\">\n")
            .Append("      <a class=\"tweet-link\" href=\"").Append(status).Append("\"></a>\n")
            .Append("      <div class=\"tweet-body\">\n        <div>\n");
        if (post.RetweetedBy is { } by)
        {
            html.Append("          <div class=\"retweet-header\"><span><div class=\"icon-container\"><span class=\"icon-retweet\" title=\"\"></span> ")
                .Append(Escape(by.Name)).Append(" retweeted</div></span></div>\n");
        }

        html.Append("          <div class=\"tweet-header\">\n")
            .Append("            <a class=\"tweet-avatar\" href=\"/").Append(handle).Append("\"><img src=\"/pic/profile_images%2F")
            .Append(id[..Math.Min(8, id.Length)]).Append("%2F").Append(handle).Append("_bigger.jpg\" class=\"avatar round\" alt=\"\" loading=\"lazy\"></a>\n")
            .Append("            <div class=\"tweet-name-row\">\n              <div class=\"fullname-and-username\">\n")
            .Append("                <a href=\"/").Append(handle).Append("\" class=\"fullname\" title=\"").Append(name).Append("\">").Append(name).Append("</a>\n")
            .Append("                <a href=\"/").Append(handle).Append("\" class=\"username\" title=\"@").Append(handle).Append("\">@").Append(handle).Append("</a>\n")
            .Append("              </div>\n")
            .Append("              <span class=\"tweet-date\"><a href=\"").Append(status).Append("\" title=\"")
            .Append(when.ToString(TitleDate, CultureInfo.InvariantCulture)).Append("\">")
            .Append(when.ToString("d MMM yyyy", CultureInfo.InvariantCulture)).Append("</a></span>\n")
            .Append("            </div>\n          </div>\n        </div>\n");
        if (post.ReplyingTo is { } replyingTo)
        {
            var to = Escape(replyingTo.TrimStart('@'));
            html.Append("        <div class=\"replying-to\">Replying to <a href=\"/").Append(to).Append("\">@").Append(to).Append("</a></div>\n");
        }

        html.Append("        <div class=\"tweet-content media-body\" dir=\"auto\">").Append(Content(post.Text)).Append("</div>\n")
            .Append("        <div class=\"tweet-stats\">\n");
        Stat(html, "icon-comment", post.Replies);
        Stat(html, "icon-retweet", post.Retweets);
        Stat(html, "icon-heart", post.Likes);
        Stat(html, "icon-views", post.Views);
        html.Append("        </div>\n      </div>\n    </div>\n");
    }

    private static void Stat(StringBuilder html, string icon, int value)
    {
        html.Append("          <span class=\"tweet-stat\"><div class=\"icon-container\"><span class=\"").Append(icon).Append("\" title=\"\"></span>");
        // Nitter leaves a zero count empty.
        if (value > 0)
        {
            html.Append(' ').Append(value.ToString("#,0", CultureInfo.InvariantCulture));
        }

        html.Append("</div></span>\n");
    }

    /// <summary>Mentions, hashtags and links as Nitter links them; external links shown shortened with their full target.</summary>
    private static string Content(string text) => Entity().Replace(Escape(text), match =>
    {
        var value = match.Value;
        if (value.StartsWith('@'))
        {
            return $"<a href=\"/{value[1..]}\">{value}</a>";
        }

        if (value.StartsWith('#'))
        {
            return $"<a href=\"/search?q=%23{value[1..]}\">{value}</a>";
        }

        var shown = value[(value.IndexOf("//", StringComparison.Ordinal) + 2)..];
        return $"<a href=\"{value}\">{(shown.Length > 26 ? shown[..25] + "…" : shown)}</a>";
    });

    private static StringBuilder Head(string query)
    {
        var q = Escape(query);
        var html = new StringBuilder(16_384);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n")
            .Append("<link rel=\"stylesheet\" type=\"text/css\" href=\"/css/style.css?v=19\">\n")
            .Append("<title>Search (").Append(q).Append(") | nitter</title>\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1.0\">\n</head>\n<body>\n")
            .Append(Nav())
            .Append("<div class=\"container\">\n<div class=\"timeline-container\">\n")
            .Append("  <div class=\"timeline-header\">\n    <form method=\"get\" action=\"/search\" class=\"search-field\" autocomplete=\"off\">\n")
            .Append("      <input name=\"f\" style=\"display: none;\" value=\"tweets\">\n")
            .Append("      <div class=\"pref-group pref-input pref-inline\" title=\"q\"><input name=\"q\" type=\"text\" placeholder=\"Enter search...\" value=\"")
            .Append(q).Append("\"></div>\n    </form>\n  </div>\n")
            .Append("  <ul class=\"tab\">\n    <li class=\"tab-item active\"><a href=\"?f=tweets&amp;q=").Append(Escape(Uri.EscapeDataString(query)))
            .Append("\">Tweets</a></li>\n  </ul>\n");
        return html;
    }

    private static string Tail(StringBuilder html) => html.Append("  </div>\n</div>\n</div>\n</body>\n</html>\n").ToString();

    private static string Nav() =>
        "<nav>\n  <div class=\"inner-nav\">\n    <div class=\"nav-item\"><a class=\"site-name\" href=\"/\">nitter</a></div>\n  </div>\n</nav>\n";

    // Only what HTML needs: emojis, ₦ and Yoruba tone marks stay as they are, as Nitter writes them.
    private static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal)
        .Replace("\"", "&quot;", StringComparison.Ordinal);

    [GeneratedRegex(@"(?<![\w@#/&])(@\w{1,15}|#\w+|https?://[^\s<]+)")]
    private static partial Regex Entity();
}
