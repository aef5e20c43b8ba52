using Pipeline.Actors.Graph;
using Pipeline.Actors.Sources.Nitter;
using Pipeline.Models.Domain;
using Xunit;
using static Pipeline.Actors.Tests.Sources.Nitter.NitterFixtures;

namespace Pipeline.Actors.Tests.Sources.Nitter;

public sealed class NitterPageParserTests
{
    private static NitterPage Parse(string html) => NitterPageParser.Parse(html, PageUrl, NorthwindId, FetchedAt);

    [Fact]
    public void Search_page_gives_every_post_in_page_order_with_the_cursor_of_the_next_page()
    {
        var page = Parse(Read(Page1));

        Assert.Equal(NitterPageKind.Results, page.Kind);
        Assert.Equal([1861432187654321001L, 1861439001122334455L, 1861450077788990011L], page.Posts.Select(p => p.Post.Id.Value));
        Assert.Equal(
            page.Posts.Select(p => (SourceItem)new SourceItem.Post(p.Post, $"{PageUrl}#{p.Post.Id}")),
            page.Items);
        Assert.Equal(Page1Cursor, page.NextCursor);
        Assert.False(page.CutShort);
        Assert.Null(page.Message);
    }

    [Fact]
    public void Plain_post_fills_every_raw_field_with_links_in_full_and_a_link_card()
    {
        var post = Parse(Read(Page1)).Posts[0];

        Assert.Equal(
            new RawPost(
                new PostId(1861432187654321001),
                NorthwindId,
                PostSource.Nitter,
                AuthorId: null,
                "NorthwindBank",
                "Version 5.2 of the Northwind Bank app is rolling out today: instant card freeze, passkey login and a new budgeting view. "
                + "#NorthwindApp Questions? Ask @NorthwindHelp https://northwindbank.example/app/whats-new",
                new DateTimeOffset(2024, 11, 25, 17, 48, 0, TimeSpan.Zero),
                Likes: 1210,
                Retweets: 34,
                Replies: 12,
                Quotes: 5,
                "https://x.com/NorthwindBank/status/1861432187654321001",
                Lang: null,
                IsRetweet: false,
                IsReply: false,
                FetchedAt),
            post.Post);
        Assert.Equal("Northwind Bank", post.AuthorName);
        Assert.Equal("https://northwindbank.example/app/whats-new", post.CardUrl);
        Assert.Empty(post.MediaLinks);
        Assert.Null(post.QuotedId);
        Assert.False(post.Pinned);
    }

    [Fact]
    public void Reply_with_photos_has_empty_stats_as_zero_decoded_text_and_full_size_photo_links()
    {
        var post = Parse(Read(Page1)).Posts[1];

        Assert.True(post.Post.IsReply);
        Assert.Equal(["NorthwindBank"], post.Post.ReplyingTo);
        Assert.False(post.Post.IsRetweet);
        Assert.Equal(("dana_w", "Dana Whitfield"), (post.Post.AuthorHandle, post.AuthorName));
        Assert.Equal(new DateTimeOffset(2024, 11, 25, 18, 15, 0, TimeSpan.Zero), post.Post.CreatedAt);
        Assert.Equal("since the app update it logs me out every time I switch apps & the balance widget is blank. Screenshots below 👇", post.Post.Text);
        Assert.Equal((3, 0, 0, 41), (post.Post.Replies, post.Post.Retweets, post.Post.Quotes, post.Post.Likes));
        Assert.Equal(
            ["https://nitter.example/pic/orig/media%2FGdSyNtH01aAAAAA.jpg", "https://nitter.example/pic/orig/media%2FGdSyNtH02bBBBBB.jpg"],
            post.MediaLinks);
        Assert.Null(post.CardUrl);
    }

    [Fact]
    public void Retweet_is_the_original_post_with_its_video_and_the_id_it_quotes()
    {
        var post = Parse(Read(Page1)).Posts[2];

        Assert.True(post.Post.IsRetweet);
        Assert.False(post.Post.IsReply);
        Assert.Equal("techmoneywk", post.Post.AuthorHandle);
        Assert.Equal("Tech Money Weekly", post.AuthorName);
        Assert.Equal("https://x.com/techmoneywk/status/1861450077788990011", post.Post.Url);
        Assert.Equal("We tried the new budgeting view in the Northwind Bank app for a week. Short review in the clip.", post.Post.Text);
        Assert.Equal(new PostId(1861432187654321001), post.QuotedId);
        Assert.Equal(
            ["https://nitter.example/video/5C1A9E3B7D20F/https%3A%2F%2Fvideo.twimg.com%2Famplify_video%2F1861449900000000000%2Fpl%2FsYnThEtIcPl.m3u8%3Ftag%3D16"],
            post.MediaLinks);
        // The fifth stat (video plays, 4,521) is not one of RawPost's counts.
        Assert.Equal((1, 18, 2, 97), (post.Post.Replies, post.Post.Retweets, post.Post.Quotes, post.Post.Likes));
        Assert.Null(post.CardUrl);
    }

    [Fact]
    public void Layout_of_2025_11_without_the_quote_stat_maps_likes_to_the_heart_not_to_the_third_place()
    {
        var page = Parse(Read(Layout2025));

        Assert.Equal(NitterPageKind.Results, page.Kind);
        var post = Assert.Single(page.Posts);
        Assert.Equal(
            new RawPost(
                new PostId(1861439001122334455),
                NorthwindId,
                PostSource.Nitter,
                AuthorId: null,
                "dana_w",
                "since the app update it logs me out every time I switch apps & the balance widget is blank. Screenshots below 👇",
                new DateTimeOffset(2024, 11, 25, 18, 15, 0, TimeSpan.Zero),
                Likes: 41,
                Retweets: 0,
                Replies: 3,
                Quotes: 0,
                "https://x.com/dana_w/status/1861439001122334455",
                Lang: null,
                IsRetweet: false,
                IsReply: true,
                FetchedAt),
            post.Post with { ReplyingTo = null });
        Assert.Equal(["NorthwindBank"], post.Post.ReplyingTo);
        // The verified badge beside the name in this layout is not part of the name.
        Assert.Equal("Dana Whitfield", post.AuthorName);
        Assert.Equal(2, post.MediaLinks.Count);
        Assert.Equal(Page1Cursor, page.NextCursor);
    }

    [Fact]
    public void Stats_are_read_by_icon_class_not_position()
    {
        const string replies = """<span class="tweet-stat"><div class="icon-container"><span class="icon-comment" title=""></span> 3</div></span>""";
        const string views = """<span class="tweet-stat"><div class="icon-container"><span class="icon-views" title=""></span> 2,980</div></span>""";
        var shuffled = Read(Layout2025).Replace(replies, "@@", StringComparison.Ordinal).Replace(views, replies, StringComparison.Ordinal)
            .Replace("@@", views, StringComparison.Ordinal);

        var post = Assert.Single(Parse(shuffled).Posts).Post;

        Assert.Equal((3, 0, 0, 41), (post.Replies, post.Retweets, post.Quotes, post.Likes));
    }

    [Fact]
    public void Counts_with_thousands_separators_are_whole_numbers()
    {
        var html = Read(Layout2025).Replace("></span> 41</div>", "></span> 1,234,567</div>", StringComparison.Ordinal);

        Assert.Equal(1_234_567, Assert.Single(Parse(html).Posts).Post.Likes);
    }

    [Fact]
    public void Pinned_block_marks_the_post_pinned()
    {
        var html = Read(Layout2025).ReplaceFirst("""<div class="tweet-header">""",
            """<div class="pinned"><span><div class="icon-container"><span class="icon-pin" title=""></span> Pinned Tweet</div></span></div><div class="tweet-header">""");

        Assert.True(Assert.Single(Parse(html).Posts).Pinned);
        Assert.False(Assert.Single(Parse(Read(Layout2025)).Posts).Pinned);
    }

    [Fact]
    public void Next_cursor_is_the_last_show_more_link_with_a_cursor_and_is_url_decoded()
    {
        const string loadNewest = """<div class="timeline-item show-more"><a href="/search?f=tweets&amp;q=northwind+bank+app">Load newest</a></div>""";
        var html = Read(Page1)
            .ReplaceFirst("""<div class="timeline">""", """<div class="timeline">""" + loadNewest)
            .Replace(Page1Cursor, "abc%2Bdef%2F%3D", StringComparison.Ordinal);

        var page = Parse(html);

        Assert.Equal("abc+def/=", page.NextCursor);
        // "Load newest" is navigation, not a post.
        Assert.Equal(3, page.Posts.Count);
        Assert.Equal(3, page.Items.Count);
    }

    [Fact]
    public void First_page_without_results_is_no_items_found()
    {
        var page = Parse(Read(NoItemsFound));

        Assert.Equal(new NitterPage(NitterPageKind.NoItemsFound, [], [], null, "No items found"), page with { Items = [], Posts = [] });
        Assert.Empty(page.Items);
    }

    [Fact]
    public void Cursor_page_past_the_end_is_no_more_items_without_a_next_cursor()
    {
        var page = Parse(Read(NoMoreItems));

        Assert.Equal(NitterPageKind.NoMoreItems, page.Kind);
        Assert.Empty(page.Items);
        Assert.Null(page.NextCursor);
        Assert.Equal("No more items", page.Message);
    }

    [Fact]
    public void Error_panel_gives_its_message_with_line_breaks_as_spaces()
    {
        var page = Parse(Read(RateLimited));

        Assert.Equal(NitterPageKind.ErrorPanel, page.Kind);
        Assert.Equal("Instance has been rate limited. Use another instance or try again later.", page.Message);
        Assert.Empty(page.Items);
    }

    [Fact]
    public void Document_cut_in_the_second_item_keeps_the_first_quarantines_the_second_and_says_it_is_cut_short()
    {
        var full = Read(Page1);
        var second = full.IndexOf("<!-- Tweet 2", StringComparison.Ordinal);
        var cut = full[..full.IndexOf("""<div class="tweet-name-row">""", second, StringComparison.Ordinal)];

        var page = Parse(cut);

        Assert.Equal(NitterPageKind.Results, page.Kind);
        Assert.True(page.CutShort);
        Assert.Null(page.NextCursor);
        Assert.NotNull(page.Message);
        Assert.Equal(1861432187654321001, Assert.Single(page.Posts).Post.Id.Value);
        Assert.Equal(2, page.Items.Count);
        var broken = Assert.IsType<SourceItem.Unreadable>(page.Items[1]).Entry;
        Assert.Equal(("nitter", PageUrl.ToString(), (CompanyId?)NorthwindId), (broken.Source, broken.Location, broken.Company));
        Assert.Contains("Timeline item 2", broken.Error);
        Assert.Contains("span.tweet-date", broken.Error);
        Assert.StartsWith("""<div class="timeline-item ">""", broken.Payload);
        Assert.Contains("/dana_w/status/1861439001122334455", broken.Payload);
    }

    [Fact]
    public void Item_without_its_own_date_is_quarantined_and_never_takes_the_date_of_the_post_it_quotes()
    {
        const string ownDate = """<span class="tweet-date"><a href="/techmoneywk/status/1861450077788990011#m" title="Nov 25, 2024 · 7:02 PM UTC">25 Nov 2024</a></span>""";
        var page = Parse(Read(Page1).ReplaceFirst(ownDate, string.Empty));

        Assert.Equal([1861432187654321001L, 1861439001122334455L], page.Posts.Select(p => p.Post.Id.Value));
        Assert.IsType<SourceItem.Unreadable>(page.Items[2]);
        Assert.Equal(Page1Cursor, page.NextCursor);
        Assert.False(page.CutShort);
    }

    [Fact]
    public void Item_with_an_unreadable_date_is_quarantined_with_what_failed_and_the_rest_of_the_page_is_kept()
    {
        var page = Parse(Read(Page1).ReplaceFirst("Nov 25, 2024 · 6:15 PM UTC", "yesterday"));

        Assert.Equal(2, page.Posts.Count);
        var entry = Assert.IsType<SourceItem.Unreadable>(page.Items[1]).Entry;
        Assert.Contains("'yesterday'", entry.Error);
        Assert.IsType<SourceItem.Post>(page.Items[0]);
        Assert.IsType<SourceItem.Post>(page.Items[2]);
    }

    [Fact]
    public void Quarantined_item_html_is_cut_to_the_quarantine_payload_bound()
    {
        var html = Read(Layout2025)
            .ReplaceFirst("Nov 25, 2024 · 6:15 PM UTC", "soon")
            .ReplaceFirst("Screenshots below", new string('x', 10_000));

        var entry = Assert.IsType<SourceItem.Unreadable>(Assert.Single(Parse(html).Items)).Entry;

        Assert.Equal(QuarantineEntry.PayloadExcerpt, entry.Payload!.Length);
    }

    [Theory]
    [InlineData("<html><head><title>Welcome to nginx!</title></head><body><h1>Welcome to nginx!</h1></body></html>")]
    [InlineData("")]
    public void Page_without_timeline_end_marker_or_error_panel_is_an_unknown_layout(string html)
    {
        var page = Parse(html);

        Assert.Equal(NitterPageKind.UnknownLayout, page.Kind);
        Assert.Empty(page.Items);
        Assert.NotNull(page.Message);
    }

    [Fact]
    public void Document_cut_before_its_timeline_is_an_unknown_layout()
    {
        var full = Read(Page1);

        var page = Parse(full[..full.IndexOf("""<div class="timeline">""", StringComparison.Ordinal)]);

        Assert.Equal(NitterPageKind.UnknownLayout, page.Kind);
        Assert.Contains("Search (northwind bank app) | nitter", page.Message);
    }
}
