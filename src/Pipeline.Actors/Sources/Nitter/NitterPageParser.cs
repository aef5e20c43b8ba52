using System.Globalization;
using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Pipeline.Actors.Graph;
using Pipeline.Models.Domain;

namespace Pipeline.Actors.Sources.Nitter;

/// <summary>
/// Turns a Nitter search page into posts. Works on the markup of Nitter's templates before and
/// after the 2025-11 change (quote stat removed, <c>data-username</c> added): every field is found
/// by class or icon, never by position, so a stat or block that comes or goes does not shift others.
/// </summary>
public static class NitterPageParser
{

    // Nitter's getTime: "Nov 25, 2024 · 5:48 PM UTC" (formatters.nim), always in UTC.
    private const string DateFormat = "MMM d, yyyy · h:mm tt 'UTC'";

    // The parser holds only options and a browsing context; one per thread avoids building the
    // context on every page without relying on thread safety AngleSharp does not document.
    [ThreadStatic]
    private static HtmlParser? t_parser;

    private static HtmlParser Html => t_parser ??= new HtmlParser();

    /// <param name="limits">Bounds the page is held to (its nesting depth); <see cref="InputLimits.Default"/> when not given.</param>
    public static NitterPage Parse(string html, Uri pageUrl, CompanyId company, DateTimeOffset fetchedAt, InputLimits? limits = null)
    {
        var maxDepth = (limits ?? InputLimits.Default).MaxNestingDepth;
        // Refused before AngleSharp builds it: building a pathologically deep tree is itself the harm.
        if (HtmlNesting.Estimate(html, maxDepth) is { } deepAt)
        {
            return TooDeep($"The page nests elements deeper than {HtmlNesting.Setting} = {maxDepth} (at character {deepAt}); it was not parsed.");
        }

        using var document = Html.ParseDocument(html);
        // The estimate follows the tokenizer, not every tree-building rule: the tree itself is checked before anything walks it.
        if (HtmlNesting.Depth(document) is var depth && depth > maxDepth)
        {
            return TooDeep($"The page's document is {depth} elements deep, more than {HtmlNesting.Setting} = {maxDepth}; it was not read.");
        }

        if (document.QuerySelector("div.error-panel") is { } panel)
        {
            var span = panel.QuerySelector("span") ?? panel;
            return new NitterPage(NitterPageKind.ErrorPanel, [], [], null, Collapse(InlineText(span, " ", linkTargets: false)));
        }

        var timelineItems = document.QuerySelectorAll("div.timeline-item").Where(IsTweetSlot).ToList();
        if (timelineItems.Count > 0)
        {
            var items = new List<SourceItem>(timelineItems.Count);
            var posts = new List<NitterPost>(timelineItems.Count);
            for (var index = 0; index < timelineItems.Count; index++)
            {
                var element = timelineItems[index];
                var (post, error) = ReadItem(element, pageUrl, company, fetchedAt);
                if (post is not null)
                {
                    posts.Add(post);
                    items.Add(new SourceItem.Post(post.Post, $"{pageUrl}#{post.Post.Id}"));
                }
                else
                {
                    items.Add(new SourceItem.Unreadable(new QuarantineEntry(
                        "nitter",
                        pageUrl.ToString(),
                        $"Timeline item {index + 1}: {error}",
                        Truncate(element.OuterHtml),
                        null,
                        company)));
                }
            }

            var cursor = NextCursor(document);
            var cutShort = cursor is null && document.QuerySelector("div.top-ref") is null;
            var message = cutShort ? "The page ends before its timeline does (no Load more link, no top-ref footer)." : null;
            return new NitterPage(NitterPageKind.Results, items, posts, cursor, message) { CutShort = cutShort };
        }

        if (document.QuerySelector("h2.timeline-none") is { } none)
        {
            return new NitterPage(NitterPageKind.NoItemsFound, [], [], null, Collapse(none.TextContent));
        }

        if (document.QuerySelector("h2.timeline-end") is { } end)
        {
            return new NitterPage(NitterPageKind.NoMoreItems, [], [], null, Collapse(end.TextContent));
        }

        var title = document.Title is { Length: > 0 } t ? $" (title \"{Collapse(t)}\")" : string.Empty;
        return new NitterPage(NitterPageKind.UnknownLayout, [], [], null,
            $"No timeline item, no end-of-results marker and no error panel{title}.");
    }

    private static NitterPage TooDeep(string message) => new(NitterPageKind.TooDeep, [], [], null, message);

    // "Load newest" (a timeline-item.show-more) and thread gap links are navigation, not posts.
    private static bool IsTweetSlot(IElement item) =>
        !item.ClassList.Contains("show-more") && !item.ClassList.Contains("more-replies-thread");

    private static (NitterPost? Post, string? Error) ReadItem(IElement item, Uri pageUrl, CompanyId company, DateTimeOffset fetchedAt)
    {
        if (item.ClassList.Contains("unavailable"))
        {
            return (null, $"tweet unavailable: {Collapse(item.QuerySelector(".unavailable-box")?.TextContent ?? item.TextContent)}");
        }

        var dateLink = Own(item, "span.tweet-date > a").FirstOrDefault();
        if (dateLink?.GetAttribute("href") is not { } href)
        {
            return (null, "no status link (span.tweet-date > a[href])");
        }

        if (StatusId(href) is not { } id)
        {
            return (null, $"no status id at the end of the status link '{href}'");
        }

        if (dateLink.GetAttribute("title") is not { } title)
        {
            return (null, "no date (span.tweet-date > a[title])");
        }

        if (!DateTimeOffset.TryParseExact(title.Trim(), DateFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var createdAt))
        {
            return (null, $"date '{title}' is not in Nitter's format '{DateFormat}'");
        }

        var handle = Handle(item, href);
        if (handle is null)
        {
            return (null, "no author handle (a.username, data-username or the status link)");
        }

        // Nitter always renders the content block, empty for media-only posts; without it the item was cut.
        if (Own(item, "div.tweet-content").FirstOrDefault() is not { } content)
        {
            return (null, "no text block (div.tweet-content)");
        }

        var stats = Stats(item);
        var raw = new RawPost(
            new PostId(id),
            company,
            PostSource.Nitter,
            // Nitter's markup carries no numeric user id; data-username is a handle, kept below.
            AuthorId: null,
            handle,
            InlineText(content, "\n", linkTargets: true).Trim(),
            createdAt,
            stats.Likes,
            stats.Retweets,
            stats.Replies,
            stats.Quotes,
            $"https://x.com/{handle}/status/{id.ToString(CultureInfo.InvariantCulture)}",
            Lang: null,
            IsRetweet: Own(item, "div.retweet-header").Any(),
            IsReply: Own(item, "div.replying-to").Any(),
            fetchedAt,
            ReplyingTo: RepliedHandles(item));

        var fullname = Own(item, "a.fullname").FirstOrDefault();
        var name = fullname?.GetAttribute("title") is { Length: > 0 } t ? t : Collapse(fullname?.TextContent ?? handle);

        return (new NitterPost(
            raw,
            name,
            MediaLinks(item, pageUrl),
            CardUrl(item, pageUrl),
            QuotedId(item),
            Own(item, "div.pinned").Any()), null);
    }

    // Null rather than empty for a post that replies to no one, as for every other optional field.
    private static IReadOnlyList<string>? RepliedHandles(IElement item)
    {
        var handles = Own(item, "div.replying-to").SelectMany(r => r.QuerySelectorAll("a"))
            .Select(a => Collapse(a.TextContent).TrimStart('@'))
            .Where(h => h.Length > 0)
            .ToArray();
        return handles.Length == 0 ? null : handles;
    }

    /// <summary>Elements of the item itself: a quote repeats the header, date, reply block and media of another post.</summary>
    private static IEnumerable<IElement> Own(IElement item, string selector) =>
        item.QuerySelectorAll(selector).Where(e => !InQuote(e, item));

    private static bool InQuote(IElement element, IElement item)
    {
        for (var current = element; current is not null && current != item; current = current.ParentElement)
        {
            if (current.LocalName == "div" && current.ClassList.Contains("quote"))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The last path segment of <c>/user/status/ID#m</c>.</summary>
    private static long? StatusId(string href)
    {
        var path = href.AsSpan();
        var end = path.IndexOfAny('#', '?');
        if (end >= 0)
        {
            path = path[..end];
        }

        path = path.TrimEnd('/');
        var segment = path[(path.LastIndexOf('/') + 1)..];
        return long.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0 ? id : null;
    }

    private static string? Handle(IElement item, string statusHref)
    {
        if (Own(item, "a.username").FirstOrDefault()?.TextContent.Trim().TrimStart('@') is { Length: > 0 } shown)
        {
            return shown;
        }

        if (item.GetAttribute("data-username") is { Length: > 0 } data)
        {
            return data.Trim().TrimStart('@');
        }

        var first = statusHref.TrimStart('/').Split('/')[0];
        return first.Length > 0 && !first.Contains(':') ? first : null;
    }

    private readonly record struct Counts(int Replies, int Retweets, int Quotes, int Likes);

    private static Counts Stats(IElement item)
    {
        var counts = new Counts();
        foreach (var stat in Own(item, "span.tweet-stat"))
        {
            // The glyph's class names the stat; its wrapper's "icon-container" does not.
            var icon = stat.QuerySelectorAll("[class*='icon-']")
                .SelectMany(e => e.ClassList)
                .FirstOrDefault(c => c.StartsWith("icon-", StringComparison.Ordinal) && c != "icon-container");
            var value = Count(stat.TextContent);
            counts = icon switch
            {
                "icon-comment" => counts with { Replies = value },
                "icon-retweet" => counts with { Retweets = value },
                "icon-quote" => counts with { Quotes = value },
                "icon-heart" => counts with { Likes = value },
                // icon-views, icon-play (video views): RawPost keeps no view count.
                _ => counts,
            };
        }

        return counts;
    }

    /// <summary>"1,234" → 1234; Nitter writes 0 as an empty stat.</summary>
    private static int Count(string text)
    {
        long value = 0;
        foreach (var c in text)
        {
            if (char.IsAsciiDigit(c))
            {
                value = Math.Min(value * 10 + (c - '0'), int.MaxValue);
            }
        }

        return (int)value;
    }

    private static IReadOnlyList<string> MediaLinks(IElement item, Uri pageUrl)
    {
        var links = new List<string>();
        foreach (var element in Own(item, "div.attachments a.still-image[href], div.attachments video"))
        {
            // HLS players carry the playlist in data-url; mp4 players and gifs in a <source>.
            var link = element.LocalName == "video"
                ? element.GetAttribute("data-url") ?? element.QuerySelector("source[src]")?.GetAttribute("src")
                : element.GetAttribute("href");
            if (Absolute(link, pageUrl) is { } absolute)
            {
                links.Add(absolute);
            }
        }

        return links;
    }

    private static string? CardUrl(IElement item, Uri pageUrl) =>
        Absolute(Own(item, "div.card a.card-container[href], div.card a.card-content-container[href]")
            .FirstOrDefault()?.GetAttribute("href"), pageUrl);

    private static PostId? QuotedId(IElement item) =>
        item.QuerySelector("div.quote a.quote-link[href]")?.GetAttribute("href") is { } href && StatusId(href) is { } id
            ? new PostId(id)
            : null;

    private static string? Absolute(string? link, Uri pageUrl) =>
        !string.IsNullOrWhiteSpace(link) && Uri.TryCreate(pageUrl, link.Trim(), out var uri) ? uri.AbsoluteUri : null;

    /// <summary>The cursor of the last <c>div.show-more</c> link that has one: cursor pages start with a "Load newest" link without it.</summary>
    private static string? NextCursor(IDocument document)
    {
        string? cursor = null;
        foreach (var link in document.QuerySelectorAll("div.show-more a[href]"))
        {
            if (CursorOf(link.GetAttribute("href")!) is { } found)
            {
                cursor = found;
            }
        }

        return cursor;
    }

    private static string? CursorOf(string href)
    {
        var start = href.IndexOf('?');
        if (start < 0)
        {
            return null;
        }

        var query = href[(start + 1)..];
        var hash = query.IndexOf('#');
        if (hash >= 0)
        {
            query = query[..hash];
        }

        foreach (var pair in query.Split('&'))
        {
            if (pair.StartsWith("cursor=", StringComparison.Ordinal) && pair.Length > "cursor=".Length)
            {
                // Nitter encodes the cursor with usePlus=false, so '+' is a literal plus, not a space.
                return Uri.UnescapeDataString(pair["cursor=".Length..]);
            }
        }

        return null;
    }

    /// <summary>
    /// The text a reader sees. In a post, external links become their full target (Nitter shows them
    /// shortened with an ellipsis) while mentions and hashtags stay as written. Line breaks are kept:
    /// Nitter renders the content with <c>white-space: pre-line</c>.
    /// </summary>
    private static string InlineText(IElement element, string lineBreak, bool linkTargets)
    {
        var text = new StringBuilder();
        Append(element, text, lineBreak, linkTargets);
        return text.ToString();
    }

    // An explicit stack rather than recursion: however deep a post's markup, the walk cannot overflow the thread's stack.
    private static void Append(INode node, StringBuilder text, string lineBreak, bool linkTargets)
    {
        var pending = new Stack<INode>();
        PushChildren(node, pending);
        while (pending.TryPop(out var child))
        {
            switch (child)
            {
                case IText t:
                    text.Append(t.Data);
                    break;
                case IElement { LocalName: "br" }:
                    text.Append(lineBreak);
                    break;
                case IElement e when e.ClassList.Contains("tweet-geo"):
                    // The " – at <place>" suffix is Nitter's, not the author's words.
                    break;
                case IElement { LocalName: "a" } a when linkTargets && a.GetAttribute("href") is { } href &&
                    (href.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || href.StartsWith("https://", StringComparison.OrdinalIgnoreCase)):
                    text.Append(href);
                    break;
                case IElement e:
                    PushChildren(e, pending);
                    break;
            }
        }
    }

    // In reverse, so that they are popped in document order.
    private static void PushChildren(INode node, Stack<INode> pending)
    {
        var children = node.ChildNodes;
        for (var i = children.Length - 1; i >= 0; i--)
        {
            pending.Push(children[i]);
        }
    }

    private static string Collapse(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    private static string Truncate(string html) => Pipeline.Models.Text.SafeText.Truncate(html, QuarantineEntry.PayloadExcerpt);
}
