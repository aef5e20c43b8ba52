using System.Diagnostics;
using System.Web;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Sources;
using Pipeline.Actors.Sources.XApi;
using Pipeline.Actors.Tests.Support;
using Pipeline.Models.Domain;
using Xunit;
using static Pipeline.Tests.Shared.FakeHttpServer;

namespace Pipeline.Actors.Tests.Sources.XApi;

public sealed class XApiSourceTests : IAsyncLifetime
{
    private const string Path = "/2/tweets/search/recent";
    private const string Token = "AAAAsynthetic-bearer-token-0123456789";
    private const string Json = "application/json; charset=utf-8";

    private readonly HttpClient _http = new();
    private FakeHttpServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await StartAsync();

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private XApiSource Source(XSearchOptions? options = null) =>
        new(_http, _server.BaseUrl, Token, options ?? new XSearchOptions(Timeout: TimeSpan.FromSeconds(5)));

    private static SearchRequest Request(string? cursor = null, PostId? sinceId = null) =>
        new(XRecentSearchTests.GtBank, null, null, cursor, sinceId);

    private Task<FetchOutcome> FetchAsync(XSearchOptions? options = null) =>
        Source(options).FetchAsync(Request(), TestContext.Current.CancellationToken);

    [Fact]
    public async Task Sample_page_arrives_as_a_page_of_posts_with_the_next_token()
    {
        _server.Then(Path, Respond(200, XRecentSearchTests.Fixture("recent_search_sample.json"), Json));

        var outcome = await Source().FetchAsync(Request(sinceId: new PostId(1861432187654321000)), TestContext.Current.CancellationToken);

        var page = Assert.IsType<FetchOutcome.Page>(outcome);
        Assert.Equal(["techmoneywk", "NorthwindBank"], page.Items.Cast<SourceItem.Post>().Select(p => p.Raw.AuthorHandle));
        Assert.All(page.Items.Cast<SourceItem.Post>(), p => Assert.Equal((CompanyId?)XRecentSearchTests.GtBank.Id, p.Raw.Company));
        Assert.Equal("b26v89c19zqg8o3fsyntheticn0rthw1ndt0ken00000", page.NextCursor);
        Assert.Equal(Path, page.Url.AbsolutePath);
    }

    [Fact]
    public async Task Request_carries_the_bearer_token_user_agent_and_the_company_query()
    {
        _server.Then(Path, Respond(200, """{"meta": {"result_count": 0}}""", Json));

        await Source(new XSearchOptions(UserAgent: "pipeline-test/1.0")).FetchAsync(
            Request(cursor: "next-page-token", sinceId: new PostId(42)), TestContext.Current.CancellationToken);

        var sent = Assert.Single(_server.Requests);
        Assert.Equal($"Bearer {Token}", sent.Headers["Authorization"]);
        Assert.Equal("pipeline-test/1.0", sent.Headers["User-Agent"]);
        var query = HttpUtility.ParseQueryString(sent.Query);
        Assert.Equal(XRecentSearch.BuildQuery(XRecentSearchTests.GtBank, "en", true), query["query"]);
        Assert.Equal(("42", "next-page-token", "100"), (query["since_id"], query["next_token"], query["max_results"]));
    }

    [Fact]
    public async Task Search_without_matches_is_an_empty_last_page()
    {
        _server.Then(Path, Respond(200, """{"meta": {"result_count": 0}}""", Json));

        var page = Assert.IsType<FetchOutcome.Page>(await FetchAsync());

        Assert.Empty(page.Items);
        Assert.Null(page.NextCursor);
    }

    [Fact]
    public async Task Rate_limit_reset_header_sets_when_to_come_back()
    {
        var reset = new DateTimeOffset(2024, 11, 26, 9, 15, 0, TimeSpan.Zero);
        _server.Then(Path, Respond(429, """{"title": "Too Many Requests", "status": 429}""", Json, new Dictionary<string, string>
        {
            ["x-rate-limit-reset"] = reset.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["x-rate-limit-remaining"] = "0",
        }));

        var limited = Assert.IsType<FetchOutcome.RateLimited>(await FetchAsync());

        Assert.Equal(reset, limited.ResetAt);
        Assert.Contains("x-rate-limit-remaining: 0", limited.Detail);
    }

    [Fact]
    public async Task Rate_limit_without_reset_header_leaves_the_pause_to_the_caller()
    {
        _server.Then(Path, Respond(429, "", Json));

        var limited = Assert.IsType<FetchOutcome.RateLimited>(await FetchAsync());

        Assert.Null(limited.ResetAt);
    }

    [Fact]
    public async Task Server_error_is_unavailable_with_its_status()
    {
        _server.Then(Path, Respond(500, """{"title": "Internal Error"}""", Json));

        var unavailable = Assert.IsType<FetchOutcome.Unavailable>(await FetchAsync());

        Assert.Equal(500, unavailable.StatusCode);
        Assert.Contains("Internal Error", unavailable.Detail);
    }

    [Fact]
    public async Task Slow_api_is_unavailable_as_soon_as_the_timeout_passes()
    {
        var serverDelay = TimeSpan.FromSeconds(30);
        _server.Then(Path, Respond(200, """{"meta": {"result_count": 0}}""", Json, delay: serverDelay));
        var clock = Stopwatch.StartNew();

        var outcome = await FetchAsync(new XSearchOptions(Timeout: TimeSpan.FromMilliseconds(300)));

        clock.Stop();
        var unavailable = Assert.IsType<FetchOutcome.Unavailable>(outcome);
        Assert.Null(unavailable.StatusCode);
        Assert.Contains("0.3 s", unavailable.Detail);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(12), $"Gave up after {clock.Elapsed}, the server waits {serverDelay}.");
    }

    [Fact]
    public async Task Refused_connection_is_unavailable()
    {
        var closed = _server.BaseUrl;
        await _server.DisposeAsync();
        _server = await StartAsync();

        var outcome = await new XApiSource(_http, closed, Token, new XSearchOptions(Timeout: TimeSpan.FromSeconds(5)))
            .FetchAsync(Request(), TestContext.Current.CancellationToken);

        Assert.IsType<FetchOutcome.Unavailable>(outcome);
    }

    [Fact]
    public async Task Caller_cancellation_is_not_mistaken_for_a_timeout()
    {
        _server.Then(Path, Respond(200, "{}", Json, delay: TimeSpan.FromSeconds(30)));
        using var caller = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        caller.CancelAfter(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Source().FetchAsync(Request(), caller.Token));
    }

    [Fact]
    public async Task Unauthorized_is_rejected_with_the_apis_words_and_without_the_token()
    {
        _server.Then(Path, Respond(401, """{"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}""", Json));

        var rejected = Assert.IsType<FetchOutcome.Rejected>(await FetchAsync());

        Assert.Equal(401, rejected.StatusCode);
        Assert.Contains("Unauthorized", rejected.Detail);
        Assert.Contains(XApiSource.BearerTokenVariable, rejected.Detail);
        Assert.DoesNotContain(Token, rejected.Detail);
        Assert.DoesNotContain(Token, rejected.Url.ToString());
    }

    [Fact]
    public async Task Invalid_query_is_rejected_with_the_apis_detail()
    {
        _server.Then(Path, Respond(400, """{"title": "Invalid Request", "detail": "One or more parameters to your request was invalid."}""", Json));

        var rejected = Assert.IsType<FetchOutcome.Rejected>(await FetchAsync());

        Assert.Equal(400, rejected.StatusCode);
        Assert.Contains("Invalid Request: One or more parameters", rejected.Detail);
    }

    [Fact]
    public async Task Success_status_with_a_body_that_is_not_json_is_unparseable_with_the_body_kept()
    {
        const string body = "<html><body>Gateway login</body></html>";
        _server.Then(Path, Respond(200, body));

        var unparseable = Assert.IsType<FetchOutcome.Unparseable>(await FetchAsync());

        Assert.Equal(body, unparseable.Body);
        Assert.Contains("not JSON", unparseable.Detail);
    }

    [Fact]
    public void Token_comes_from_its_environment_variable_and_no_token_means_no_source()
    {
        var set = XApiSource.FromEnvironment(_http, new XSearchOptions(),
            readVariable: name => name == XApiSource.BearerTokenVariable ? Token : null);
        var unset = XApiSource.FromEnvironment(_http, new XSearchOptions(), readVariable: _ => null);
        var blank = XApiSource.FromEnvironment(_http, new XSearchOptions(), readVariable: _ => "  ");

        Assert.Equal(XApiSource.DefaultBaseUrl, set?.BaseUrl);
        Assert.Null(unset);
        Assert.Null(blank);
        Assert.Equal("PIPELINE_X_BEARER_TOKEN", XApiSource.BearerTokenVariable);
    }
}
