using System.Text;
using AngleSharp.Html.Parser;
using Akka.TestKit.Xunit;
using Microsoft.AspNetCore.Http;
using Pipeline.Actors.Sources.Nitter;
using Pipeline.Actors.Sources.Simulator;
using Pipeline.Models.Domain;
using static Pipeline.Tests.Shared.FakeHttpServer;

namespace Pipeline.Actors.Tests.Sources.Scraping;

/// <summary>
/// Bad input on the real scraper path: a scraper reading crafted Nitter pages and X API answers from loopback
/// servers into a real PostgreSQL through the supervised shared graph. One line per case below.
/// <para>Each case: the first instance serves the bad answer (with a cursor, so a page that is read leads to a next
/// page); the second instance serves a good page. The scraper must store the good posts of both, quarantine the bad
/// ones with the page URL they came from, fetch on (the good page proves it), and reach live polling.</para>
/// <para>Memory stays bounded by construction, not by luck: an answer is read up to <c>pipeline.limits.max-body-size</c>
/// (8 MiB) plus one byte and no further (the oversized cases say where reading stopped); HTML nesting is refused by a pre-scan that holds at most <c>max-nesting-depth</c> (128) names,
/// before AngleSharp builds a tree; JSON nesting stops System.Text.Json's reader at the same depth; quarantine payloads
/// are cut to <see cref="QuarantineEntry.PayloadExcerpt"/> characters.</para>
/// </summary>
public sealed class ScraperBadInputSpecs(PostgresFixture postgres) : TestKit(Config)
{
    private const string Config = """
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        akka.loglevel = ERROR
        """;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);
    private static readonly long[] GoodIds = [9001, 9002];

    private static readonly IReadOnlyList<BadInput> All =
    [
        BadInput.Nitter("emoji straddling the payload cut of an unreadable timeline item", Nitter.UnreadableItemCutInsideAnEmoji(1001), stored: [1001], quarantined: 1, says: "Timeline item 2", payloadLength: QuarantineEntry.PayloadExcerpt - 1),
        BadInput.Nitter("lone surrogate character reference in HTML", Nitter.Page(Nitter.Post(1002, "Northwind Bank &#xD800; app")), stored: [1002], text: (1002, "Northwind Bank \uFFFD app")),
        BadInput.XApi("lone surrogate escape in X API JSON", XApi.Page(XApi.Post(1003, "Northwind Bank \\ud800 app")), stored: [1003], text: (1003, "Northwind Bank \uFFFD app")),
        BadInput.Nitter("NUL in HTML, raw and as a reference", Nitter.Page(Nitter.Post(1004, "Northwind\0 Bank &#0; app")), stored: [1004], text: (1004, "Northwind Bank \uFFFD app")),
        BadInput.XApi("NUL escape in X API JSON", XApi.Page(XApi.Post(1005, "Northwind\\u0000 Bank app")), stored: [1005], text: (1005, "Northwind Bank app")),
        BadInput.Nitter("invalid UTF-8 bytes in a Nitter page", Nitter.WithInvalidUtf8(Nitter.Post(1006, "Northwind Bank BYTES app")), stored: [1006], text: (1006, "Northwind Bank \uFFFD\uFFFD app")),
        BadInput.XApi("invalid UTF-8 bytes in an X API answer", XApi.WithInvalidUtf8(XApi.Post(1007, "Northwind Bank BYTES app")), stored: [1007], text: (1007, "Northwind Bank \uFFFD\uFFFD app")),
        BadInput.Nitter("HTML nested 100,000 deep", Nitter.Page(Nitter.Post(1008, "Northwind Bank DEEP app")).Replace("DEEP", Nitter.Deep(100_000)), stored: [], quarantined: 1, says: "max-nesting-depth"),
        BadInput.XApi("JSON nested 10,000 deep", XApi.Page(XApi.Post(1009, "Northwind Bank app")).Replace("\"lang\": \"en\"", "\"lang\": \"en\", \"deep\": " + XApi.Deep(10_000)), stored: [], quarantined: 1, says: "max-nesting-depth"),
        BadInput.Nitter("Nitter answer larger than the body bound", RawAnswers.Streamed(64L << 20, Nitter.Page(Nitter.Post(1010))), stored: [], quarantined: 1, says: "max-body-size = 8 MiB; reading stopped after 8,388,609 bytes"),
        BadInput.XApi("X API answer larger than the body bound", RawAnswers.Streamed(64L << 20, XApi.Page(XApi.Post(1011)), "application/json"), stored: [], quarantined: 1, says: "max-body-size = 8 MiB; reading stopped after 8,388,609 bytes"),
        BadInput.Nitter("Nitter post dated 0001-01-01", Nitter.Page(Nitter.Post(1012), Nitter.Post(1013, at: DateTimeOffset.MinValue)), stored: [1012], quarantined: 1),
        BadInput.XApi("X API post dated 0001-01-01", XApi.Page(XApi.Post(1014), XApi.Post(1015, createdAt: "0001-01-01T00:00:00.000Z")), stored: [1014], quarantined: 1),
        // These two need the Clean stage's date guard (pipeline.limits.future-tolerance): the database takes year 9999.
        BadInput.Nitter("Nitter post dated 9999-12-31", Nitter.Page(Nitter.Post(1016), Nitter.Post(1017, at: new DateTimeOffset(9999, 12, 31, 0, 0, 0, TimeSpan.Zero))), stored: [1016], quarantined: 1),
        BadInput.XApi("X API post dated 9999-12-31", XApi.Page(XApi.Post(1018), XApi.Post(1019, createdAt: "9999-12-31T00:00:00.000Z")), stored: [1018], quarantined: 1),
    ];

    public static TheoryData<string> Cases => new(All.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_input_is_quarantined_with_its_page_url_and_the_scraper_keeps_collecting(string name)
    {
        var bad = All.Single(c => c.Name == name);
        await using var harness = await ScraperHarness.StartAsync(postgres, servers: 2);
        var path = bad.FromNitter ? "/search" : ScraperHarness.SearchPath;
        harness.Servers[0].Then(path, bad.Answer).Otherwise(bad.FromNitter ? Respond(200, Nitter.End) : Respond(200, ScraperHarness.Page([]), "application/json"));
        harness.Servers[1].Then(path, bad.FromNitter ? Respond(200, Nitter.Page(GoodIds.Select(id => Nitter.Post(id)).ToArray())) : Respond(200, ScraperHarness.Page(GoodIds), "application/json"))
            .Otherwise(bad.FromNitter ? Respond(200, Nitter.End) : Respond(200, ScraperHarness.Page([]), "application/json"));

        harness.Scraper(Sys, nitter: bad.FromNitter);

        // The scraper went on to the next page and to the end of its backfill.
        await AwaitAssertAsync(() => Assert.StartsWith("live", harness.StatusNow.Mode), Patience);
        Assert.NotEmpty(harness.Servers[1].Requests);
        await AwaitAssertAsync(async () => Assert.Equal(bad.Stored.Concat(GoodIds).Order(), await harness.StoredIdsAsync()), Patience);
        var quarantined = await harness.Database.QuarantineAsync();
        Assert.Equal(bad.Quarantined, quarantined.Count);
        Assert.All(quarantined, q =>
        {
            Assert.StartsWith(harness.Servers[0].BaseUrl.ToString(), q.Location);
            if (bad.Says is { } says)
            {
                Assert.Contains(says, q.Error, StringComparison.OrdinalIgnoreCase);
            }

            if (bad.PayloadLength is { } length)
            {
                Assert.Equal(length, q.Payload!.Length);
            }
        });
        if (bad.Text is var (id, text))
        {
            Assert.Equal(text, await StoredTextAsync(harness, id));
        }
    }

    private static async Task<string> StoredTextAsync(ScraperHarness harness, long id)
    {
        var rows = await harness.Database.RowsAsync($"SELECT text FROM pipeline.raw_posts WHERE post_id = {id}");
        return (string)Assert.Single(rows)[0]!;
    }

    /// <param name="Stored">Posts of the bad answer that must be stored (the good page's are added).</param>
    /// <param name="Says">What each quarantine entry's error must mention.</param>
    /// <param name="Text">A post whose stored text must be exactly this.</param>
    private sealed record BadInput(string Name, bool FromNitter, Func<HttpContext, Task> Answer, long[] Stored, int Quarantined, string? Says,
        (long Id, string Text)? Text, int? PayloadLength)
    {
        public static BadInput Nitter(string name, string page, long[] stored, int quarantined = 0, string? says = null,
            (long, string)? text = null, int? payloadLength = null) =>
            new(name, true, Respond(200, page), stored, quarantined, says, text, payloadLength);

        public static BadInput Nitter(string name, Func<HttpContext, Task> answer, long[] stored, int quarantined = 0, string? says = null,
            (long, string)? text = null) =>
            new(name, true, answer, stored, quarantined, says, text, null);

        public static BadInput XApi(string name, string page, long[] stored, int quarantined = 0, string? says = null, (long, string)? text = null) =>
            new(name, false, Respond(200, page, "application/json"), stored, quarantined, says, text, null);

        public static BadInput XApi(string name, Func<HttpContext, Task> answer, long[] stored, int quarantined = 0, string? says = null,
            (long, string)? text = null) =>
            new(name, false, answer, stored, quarantined, says, text, null);
    }

    /// <summary>Nitter pages in the markup of today's instances (the simulator's), with raw markup where a case needs it.</summary>
    private static class Nitter
    {
        private static readonly string Query = NitterSearch.BuildQuery(ScraperHarness.Northwind);

        public static string End => SimulatedNitterPage.NoMoreItems(Query);

        public static SimulatedPost Post(long id, string text = "Northwind Bank app failed my transfer", DateTimeOffset? at = null) =>
            new(id, id, at ?? DateTimeOffset.UtcNow.AddHours(-2), at ?? DateTimeOffset.UtcNow.AddHours(-2), "ada_obi", "Ada",
                // A placeholder survives the simulator's escaping; the case's raw markup replaces it.
                text.Replace("&", "AMP", StringComparison.Ordinal), [ScraperHarness.Northwind.Id], SimulatedKind.Customer, "test", "negative", "en",
                null, null, 0, 0, 1, 10);

        /// <summary>A results page with a cursor to a next page.</summary>
        public static string Page(params SimulatedPost[] posts) =>
            SimulatedNitterPage.Results(Query, posts, "C2", cursorPage: false).Replace("AMP", "&", StringComparison.Ordinal);

        public static string Deep(int depth) => new StringBuilder().Insert(0, "<span>", depth) + "x" + new StringBuilder().Insert(0, "</span>", depth);

        public static Func<HttpContext, Task> WithInvalidUtf8(SimulatedPost post)
        {
            var parts = Page(post).Split("BYTES");
            return RawAnswers.Bytes([.. Encoding.UTF8.GetBytes(parts[0]), 0xFF, 0xC3, .. Encoding.UTF8.GetBytes(parts[1])]);
        }

        /// <summary>
        /// A good post, then a timeline item that cannot be read (no status link) whose markup puts an emoji's two
        /// halves on either side of <see cref="QuarantineEntry.PayloadExcerpt"/>: exactly where the quarantine payload is cut.
        /// </summary>
        public static string UnreadableItemCutInsideAnEmoji(long goodId)
        {
            const string open = "<div class=\"timeline-item \"><div class=\"tweet-content media-body\">";
            const int cut = QuarantineEntry.PayloadExcerpt - 1;
            var item = open + new string('a', cut - open.Length) + "😀 the rest of the item</div></div>";
            var outer = new HtmlParser().ParseDocument("<html><body>" + item + "</body></html>").Body!.FirstElementChild!.OuterHtml;
            if (outer.IndexOf("😀", StringComparison.Ordinal) != cut)
            {
                throw new InvalidOperationException($"The emoji is at {outer.IndexOf("😀", StringComparison.Ordinal)} of the serialised item, not at the cut: the case would test nothing.");
            }

            var page = Page(Post(goodId));
            var end = page.IndexOf("    <div class=\"show-more\">", StringComparison.Ordinal);
            return page[..end] + item + "\n" + page[end..];
        }
    }

    /// <summary>X API recent-search answers written by hand, so that escapes and bytes are exactly as a case needs them.</summary>
    private static class XApi
    {
        private static string Recent => DateTimeOffset.UtcNow.AddHours(-2).ToString("yyyy-MM-dd'T'HH:mm:ss'.000Z'", System.Globalization.CultureInfo.InvariantCulture);

        /// <param name="text">JSON string content, escapes as written.</param>
        public static string Post(long id, string text = "Northwind Bank app failed my transfer", string? createdAt = null) =>
            $$"""{"id": "{{id}}", "text": "{{text}}", "author_id": "42", "created_at": "{{createdAt ?? Recent}}", "lang": "en"}""";

        /// <summary>A page with a next_token, so the scraper asks for the next page.</summary>
        public static string Page(params string[] posts) =>
            $$"""{"data": [{{string.Join(", ", posts)}}], "includes": {"users": [{"id": "42", "name": "Ada", "username": "ada_obi"}]}, "meta": {"result_count": {{posts.Length}}, "next_token": "C2"} }""";

        public static string Deep(int depth) => new StringBuilder().Insert(0, "[", depth) + new StringBuilder().Insert(0, "]", depth).ToString();

        public static Func<HttpContext, Task> WithInvalidUtf8(string post)
        {
            var parts = Page(post).Split("BYTES");
            return RawAnswers.Bytes([.. Encoding.UTF8.GetBytes(parts[0]), 0xFF, 0xC3, .. Encoding.UTF8.GetBytes(parts[1])], "application/json");
        }
    }
}
