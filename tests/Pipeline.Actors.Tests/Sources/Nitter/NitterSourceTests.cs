using System.Diagnostics;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Sources;
using Pipeline.Actors.Sources.Nitter;
using Pipeline.Actors.Tests.Support;
using Xunit;
using static Pipeline.Actors.Tests.Sources.Nitter.NitterFixtures;

namespace Pipeline.Actors.Tests.Sources.Nitter;

public sealed class NitterSourceTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2024, 11, 26, 9, 0, 0, TimeSpan.Zero);
    // Short enough for the timeout test, long enough that a busy CI machine answers every other test in time.
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(10);
    private static readonly SearchRequest FirstPage = new(Northwind, null, null, null, null);

    private readonly HttpClient _http = new();
    private FakeHttpServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await FakeHttpServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private NitterSource Source(TimeSpan? timeout = null) => new(_http, _server.BaseUrl,
        new NitterSourceOptions("PipelineTests/1.0 (+https://example.invalid)", timeout ?? Generous) { Clock = new FixedClock(Now) });

    private Task<FetchOutcome> FetchAsync(SearchRequest? request = null, TimeSpan? timeout = null) =>
        Source(timeout).FetchAsync(request ?? FirstPage, TestContext.Current.CancellationToken);

    [Fact]
    public async Task Result_page_gives_its_posts_and_next_cursor_and_sends_the_search_with_the_user_agent()
    {
        _server.Then("/search", FakeHttpServer.Respond(200, Read(Page1)));

        var page = Assert.IsType<FetchOutcome.Page>(await FetchAsync(FirstPage with { Cursor = "c1" }));

        Assert.Equal(3, page.Items.Count);
        Assert.All(page.Items, item => Assert.Equal(Now, Assert.IsType<SourceItem.Post>(item).Raw.FetchedAt));
        Assert.Equal(Page1Cursor, page.NextCursor);
        var request = Assert.Single(_server.Requests);
        Assert.Equal("PipelineTests/1.0 (+https://example.invalid)", request.Headers["User-Agent"]);
        Assert.StartsWith("?f=tweets&q=%28%40NorthwindBank%20OR", request.Query);
        Assert.EndsWith("&cursor=c1", request.Query);
        Assert.Equal(NitterSearch.BuildUrl(_server.BaseUrl, FirstPage with { Cursor = "c1" }), page.Url);
    }

    [Fact]
    public async Task Page_past_the_end_is_an_empty_page_without_a_next_cursor()
    {
        _server.Then("/search", FakeHttpServer.Respond(200, Read(NoMoreItems)));

        Assert.Equal(new FetchOutcome.Page(NitterSearch.BuildUrl(_server.BaseUrl, FirstPage), [], null) with { Items = [] },
            Assert.IsType<FetchOutcome.Page>(await FetchAsync()) with { Items = [] });
    }

    [Fact]
    public async Task Scraper_is_told_when_to_come_back_when_a_429_has_retry_after()
    {
        _server.Then("/search", FakeHttpServer.Respond(429, Read(RateLimited), headers: new Dictionary<string, string> { ["Retry-After"] = "120" }));

        var limited = Assert.IsType<FetchOutcome.RateLimited>(await FetchAsync());

        Assert.Equal(Now.AddSeconds(120), limited.ResetAt);
        Assert.Equal("Instance has been rate limited. Use another instance or try again later.", limited.Detail);
    }

    [Fact]
    public async Task Rate_limit_without_retry_after_has_no_reset_time()
    {
        _server.Then("/search", FakeHttpServer.Respond(429, Read(RateLimited)));

        var limited = Assert.IsType<FetchOutcome.RateLimited>(await FetchAsync());

        Assert.Null(limited.ResetAt);
        Assert.Contains("rate limited", limited.Detail);
    }

    [Fact]
    public async Task Rate_limit_page_served_with_200_by_a_proxy_is_still_a_rate_limit()
    {
        var newerWording = Read(RateLimited).Replace("Instance has been rate limited.",
            "Instance has no auth tokens, or is fully rate limited.", StringComparison.Ordinal);
        _server.Then("/search", FakeHttpServer.Respond(200, newerWording));

        var limited = Assert.IsType<FetchOutcome.RateLimited>(await FetchAsync());

        Assert.StartsWith("Instance has no auth tokens, or is fully rate limited.", limited.Detail);
    }

    [Fact]
    public async Task Server_error_is_unavailable_with_its_status()
    {
        _server.Then("/search", FakeHttpServer.Respond(500, "boom", "text/plain"));

        var unavailable = Assert.IsType<FetchOutcome.Unavailable>(await FetchAsync());

        Assert.Equal(500, unavailable.StatusCode);
    }

    [Fact]
    public async Task Instance_slower_than_the_timeout_is_unavailable_as_soon_as_the_timeout_passes()
    {
        _server.Then("/search", FakeHttpServer.Respond(200, Read(Page1), delay: TimeSpan.FromSeconds(30)));

        var clock = Stopwatch.StartNew();
        var unavailable = Assert.IsType<FetchOutcome.Unavailable>(await FetchAsync(timeout: Timeout));
        clock.Stop();

        Assert.Null(unavailable.StatusCode);
        Assert.Contains("0.5 s", unavailable.Detail);
        // Far below the server's delay, with room for connection set-up on a busy machine.
        Assert.True(clock.Elapsed < Timeout + TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Refused_connection_is_unavailable()
    {
        var gone = _server.BaseUrl;
        await _server.DisposeAsync();
        var source = new NitterSource(_http, gone, new NitterSourceOptions("PipelineTests/1.0", Timeout));

        var unavailable = Assert.IsType<FetchOutcome.Unavailable>(await source.FetchAsync(FirstPage, TestContext.Current.CancellationToken));

        Assert.Null(unavailable.StatusCode);
        _server = await FakeHttpServer.StartAsync();
    }

    [Fact]
    public async Task Callers_cancellation_is_not_mistaken_for_an_unavailable_instance()
    {
        _server.Then("/search", FakeHttpServer.Respond(200, Read(Page1), delay: TimeSpan.FromSeconds(30)));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var source = new NitterSource(_http, _server.BaseUrl, new NitterSourceOptions("PipelineTests/1.0", TimeSpan.FromSeconds(30)));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => source.FetchAsync(FirstPage, cancel.Token));
    }

    [Fact]
    public async Task Unknown_layout_is_unparseable_with_the_body_kept()
    {
        const string body = "<html><head><title>Just a moment...</title></head><body><div id=\"challenge\"></div></body></html>";
        _server.Then("/search", FakeHttpServer.Respond(200, body));

        var unparseable = Assert.IsType<FetchOutcome.Unparseable>(await FetchAsync());

        Assert.Equal(body, unparseable.Body);
        Assert.Contains("Just a moment...", unparseable.Detail);
    }

    [Fact]
    public async Task Results_page_cut_short_is_unparseable_rather_than_the_last_page()
    {
        var full = Read(Page1);
        var cut = full[..full.IndexOf("<!-- Tweet 3", StringComparison.Ordinal)];
        _server.Then("/search", FakeHttpServer.Respond(200, cut));

        var unparseable = Assert.IsType<FetchOutcome.Unparseable>(await FetchAsync());

        Assert.Contains("2 item(s)", unparseable.Detail);
        Assert.Equal(cut, unparseable.Body);
    }

    [Theory]
    [InlineData(404, "Invalid search")]
    [InlineData(404, "Page not found")]
    [InlineData(400, "Search input too long.")]
    public async Task Bad_search_is_rejected_with_nitters_words(int status, string message)
    {
        var html = Read(RateLimited).Replace(
            """<span>Instance has been rate limited.<br>Use <a href="https://github.com/zedeus/nitter/wiki/Instances">another instance</a> or try again later.</span>""",
            $"<span>{message}</span>", StringComparison.Ordinal);
        _server.Then("/search", FakeHttpServer.Respond(status, html));

        Assert.Equal(new FetchOutcome.Rejected(NitterSearch.BuildUrl(_server.BaseUrl, FirstPage), status, message), await FetchAsync());
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
