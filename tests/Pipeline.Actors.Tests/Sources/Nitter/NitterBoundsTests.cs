using System.Text;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Sources;
using Pipeline.Actors.Sources.Nitter;
using Pipeline.Models.Domain;
using static Pipeline.Actors.Tests.Sources.Nitter.NitterFixtures;

namespace Pipeline.Actors.Tests.Sources.Nitter;

/// <summary>What a Nitter page can do to the parser and the source: nest too deep, be too large, carry text .NET or PostgreSQL cannot hold.</summary>
public sealed class NitterBoundsTests : IAsyncLifetime
{
    private static readonly SearchRequest FirstPage = new(Northwind, null, null, null, null);
    private const string FirstText = "Version 5.2 of the Northwind Bank app";

    private readonly HttpClient _http = new();
    private FakeHttpServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await FakeHttpServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private Task<FetchOutcome> FetchAsync(InputLimits? limits = null) =>
        new NitterSource(_http, _server.BaseUrl, new NitterSourceOptions("PipelineTests/1.0", TimeSpan.FromSeconds(20)) { Limits = limits ?? InputLimits.Default })
            .FetchAsync(FirstPage, TestContext.Current.CancellationToken);

    private static string FirstPostText(string html) =>
        NitterPageParser.Parse(html, PageUrl, NorthwindId, FetchedAt).Posts[0].Post.Text;

    [Fact]
    public void Page_nested_deeper_than_the_bound_is_refused_unread_naming_the_setting()
    {
        var deep = Read(Page1).ReplaceFirst(FirstText, new StringBuilder().Insert(0, "<span>", 100_000) + FirstText);

        var page = NitterPageParser.Parse(deep, PageUrl, NorthwindId, FetchedAt);

        Assert.Equal(NitterPageKind.TooDeep, page.Kind);
        Assert.Empty(page.Items);
        Assert.Contains("pipeline.limits.max-nesting-depth = 128", page.Message);
    }

    [Fact]
    public void The_nesting_bound_is_the_setting_given()
    {
        // The fixture is some 20 elements deep: a bound of 10 refuses it, the default reads it.
        Assert.Equal(NitterPageKind.TooDeep,
            NitterPageParser.Parse(Read(Page1), PageUrl, NorthwindId, FetchedAt, InputLimits.Default with { MaxNestingDepth = 10 }).Kind);
        Assert.Equal(NitterPageKind.Results, NitterPageParser.Parse(Read(Page1), PageUrl, NorthwindId, FetchedAt).Kind);
    }

    [Fact]
    public void Post_text_nested_within_the_bound_is_read_whole_in_document_order()
    {
        var nested = string.Concat(Enumerable.Repeat("<span>", 90)) + "deep" + string.Concat(Enumerable.Repeat("</span>", 90));
        var html = Read(Page1).ReplaceFirst(FirstText, "one <b>two <i>three</i></b> " + nested + " four " + FirstText);

        Assert.StartsWith("one two three deep four Version 5.2", FirstPostText(html));
    }

    [Theory]
    // AngleSharp follows HTML: a character reference to a surrogate or to NUL is a parse error that reads as U+FFFD,
    // so no lone surrogate and no NUL reaches a post from a Nitter page.
    [InlineData("&#xD800;")]
    [InlineData("&#55296;")]
    [InlineData("&#xDFFF;")]
    [InlineData("&#0;")]
    public void Character_reference_to_a_lone_surrogate_or_nul_reads_as_the_replacement_character(string reference)
    {
        var text = FirstPostText(Read(Page1).ReplaceFirst(FirstText, "bad " + reference + " text " + FirstText));

        Assert.StartsWith("bad \uFFFD text Version", text);
    }

    [Fact]
    public void Reference_to_a_surrogate_pair_written_as_two_references_is_not_joined_into_an_emoji()
    {
        var text = FirstPostText(Read(Page1).ReplaceFirst(FirstText, "&#xD83D;&#xDE00; " + FirstText));

        Assert.StartsWith("\uFFFD\uFFFD Version", text);
        Assert.False(Pipeline.Models.Text.SafeText.HasLoneSurrogate(text));
    }

    [Fact]
    public async Task Invalid_utf8_bytes_read_as_the_replacement_character_and_the_page_is_kept()
    {
        var html = Encoding.UTF8.GetBytes(Read(Page1));
        var at = Array.IndexOf(html, (byte)'V', IndexOf(html, Encoding.UTF8.GetBytes(FirstText)));
        // A lone continuation byte, a truncated 3-byte sequence and an overlong encoding of '/'.
        byte[] invalid = [0x80, 0xE2, 0x82, 0xC0, 0xAF];
        _server.Then("/search", RawAnswers.Bytes([.. html[..at], .. invalid, .. html[at..]]));

        var page = Assert.IsType<FetchOutcome.Page>(await FetchAsync());

        var text = Assert.IsType<SourceItem.Post>(page.Items[0]).Raw.Text;
        Assert.StartsWith("\uFFFD\uFFFD\uFFFD\uFFFDVersion 5.2", text);
        Assert.Equal(3, page.Items.Count);
    }

    [Fact]
    public async Task Answer_larger_than_the_body_bound_is_not_read_past_it_and_is_unparseable_naming_the_setting()
    {
        _server.Then("/search", RawAnswers.Streamed(64L << 20, Read(Page1)));

        var outcome = await FetchAsync(InputLimits.Default with { MaxBodyBytes = 1 << 20 });

        var unparseable = Assert.IsType<FetchOutcome.Unparseable>(outcome);
        // Reading stopped one byte past the bound: that byte is how it knows, and all it ever held.
        Assert.Contains("larger than pipeline.limits.max-body-size = 1 MiB; reading stopped after 1,048,577 bytes", unparseable.Detail);
        // What is kept for diagnosis is the beginning, not the megabyte.
        Assert.StartsWith("<!DOCTYPE html>", unparseable.Body.TrimStart());
        Assert.Equal(BoundedBody.BeginningBytes, Encoding.UTF8.GetByteCount(unparseable.Body));
    }

    [Fact]
    public async Task Answer_declaring_a_length_over_the_bound_is_refused_without_reading_it()
    {
        _server.Then("/search", RawAnswers.Bytes(Encoding.UTF8.GetBytes(Read(Page1))));

        var outcome = await FetchAsync(InputLimits.Default with { MaxBodyBytes = 1000 });

        Assert.Contains("(Content-Length), more than pipeline.limits.max-body-size = 1,000 bytes",
            Assert.IsType<FetchOutcome.Unparseable>(outcome).Detail);
    }

    private static int IndexOf(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle);
}
