using System.Text;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Sources;
using Pipeline.Actors.Sources.XApi;
using Pipeline.Models.Domain;
using static Pipeline.Tests.Shared.FakeHttpServer;

namespace Pipeline.Actors.Tests.Sources.XApi;

/// <summary>
/// A 200 that carries an <c>errors</c> array (https://docs.x.com/x-api/fundamentals/response-codes-and-errors), and
/// answers that are too large, too deep or hold text .NET refuses.
/// </summary>
public sealed class XApiErrorsAndBoundsTests : IAsyncLifetime
{
    private const string Path = "/2/tweets/search/recent";
    private const string Json = "application/json; charset=utf-8";
    private static readonly Uri PageUrl = new("https://api.x.com/2/tweets/search/recent?query=x");
    private static readonly DateTimeOffset FetchedAt = new(2024, 11, 26, 8, 0, 0, TimeSpan.Zero);

    private const string Post = """{"id": "41", "text": "GTBank app down again", "created_at": "2024-11-25T10:00:00.000Z", "author_id": "7"}""";

    // A partial error as the API writes it: an author the app may not see.
    private const string AuthorError = """
        {"value": "7", "detail": "Could not find user with id: [7].", "title": "Not Found Error", "resource_type": "user",
         "parameter": "author_id", "resource_id": "7", "type": "https://api.x.com/2/problems/resource-not-found"}
        """;

    private const string UsageCapped = """
        {"title": "UsageCapExceeded", "detail": "Usage cap exceeded: Monthly product cap", "type": "https://api.x.com/2/problems/usage-capped"}
        """;

    private readonly HttpClient _http = new();
    private FakeHttpServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await StartAsync();

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private Task<FetchOutcome> FetchAsync(string body, InputLimits? limits = null)
    {
        _server.Then(Path, Respond(200, body, Json));
        return new XApiSource(_http, _server.BaseUrl, "token", new XSearchOptions(Timeout: TimeSpan.FromSeconds(10)) { Limits = limits ?? InputLimits.Default })
            .FetchAsync(new SearchRequest(XRecentSearchTests.GtBank, null, null, null, null), TestContext.Current.CancellationToken);
    }

    [Fact]
    public void Errors_array_is_read_with_every_field_the_api_documents()
    {
        var page = XRecentSearch.ParsePage($$"""{"data": [{{Post}}], "errors": [{{AuthorError}}], "meta": {"result_count": 1} }""",
            PageUrl, XRecentSearchTests.GtBank.Id, FetchedAt);

        var error = Assert.Single(page.Errors);
        Assert.Equal(new SourceError("resource-not-found", "Not Found Error", "Could not find user with id: [7].", "user", "author_id", "7"), error);
        Assert.Equal(
            "resource-not-found: Not Found Error: Could not find user with id: [7]. (resource_type user, parameter author_id, value 7)",
            error.Describe());
        Assert.True(page.HasData);
        Assert.Single(page.Items.OfType<SourceItem.Post>());
    }

    [Theory]
    [InlineData("usage-capped", null, null, true)]
    [InlineData("client-forbidden", null, null, true)]
    [InlineData("unsupported-authentication", null, null, true)]
    [InlineData("disallowed-resource", null, null, true)]
    // Not authorised for the request as a whole: stop; for one author or post it mentions: a warning.
    [InlineData("not-authorized-for-resource", null, null, true)]
    [InlineData("not-authorized-for-resource", "user", "7", false)]
    [InlineData("resource-unavailable", null, null, true)]
    [InlineData("resource-unavailable", "user", "7", false)]
    [InlineData("resource-not-found", "user", "7", false)]
    [InlineData("invalid-request", null, null, false)]
    [InlineData("about:blank", null, null, false)]
    public void Errors_that_mean_stop_asking_are_told_apart_from_warnings(string type, string? resourceType, string? value, bool stop)
    {
        var reason = XRecentSearch.StopAsking([new SourceError(type, "Title", "Detail", resourceType, null, value)]);

        Assert.Equal(stop, reason is not null);
    }

    [Fact]
    public void Suspended_account_stops_the_source_whatever_the_type()
    {
        var reason = XRecentSearch.StopAsking([new SourceError("unknown", "Forbidden", "This account has been suspended.", null, null, null)]);

        Assert.Contains("suspended", reason);
    }

    [Fact]
    public async Task Ok_with_data_and_errors_delivers_the_data_and_reports_the_errors()
    {
        var outcome = await FetchAsync($$"""{"data": [{{Post}}], "errors": [{{AuthorError}}], "meta": {"result_count": 1, "next_token": "N2"} }""");

        var page = Assert.IsType<FetchOutcome.Page>(outcome);
        Assert.Equal(41L, Assert.IsType<SourceItem.Post>(Assert.Single(page.Items)).Raw.Id.Value);
        Assert.Equal("N2", page.NextCursor);
        Assert.Equal("resource-not-found", Assert.Single(page.Errors).Type);
        Assert.Null(page.StopAsking);
    }

    [Fact]
    public async Task Ok_with_data_and_a_stop_asking_error_delivers_the_data_and_says_why_to_stop()
    {
        var outcome = await FetchAsync($$"""{"data": [{{Post}}], "errors": [{{UsageCapped}}], "meta": {"result_count": 1} }""");

        var page = Assert.IsType<FetchOutcome.Page>(outcome);
        Assert.Single(page.Items);
        Assert.Equal("the X API says to stop asking: usage-capped: UsageCapExceeded: Usage cap exceeded: Monthly product cap", page.StopAsking);
    }

    [Fact]
    public async Task Ok_with_errors_and_no_data_is_not_an_empty_page_but_retried()
    {
        var outcome = await FetchAsync($$"""{"errors": [{{AuthorError}}]}""");

        var unavailable = Assert.IsType<FetchOutcome.Unavailable>(outcome);
        Assert.Equal(200, unavailable.StatusCode);
        Assert.Contains("errors and no data: resource-not-found", unavailable.Detail);
        Assert.Single(unavailable.Errors);
    }

    [Fact]
    public async Task Ok_with_a_stop_asking_error_and_no_data_is_rejected_with_the_reason()
    {
        var outcome = await FetchAsync($$"""{"errors": [{{UsageCapped}}], "meta": {"result_count": 0} }""");

        var rejected = Assert.IsType<FetchOutcome.Rejected>(outcome);
        Assert.Contains("says to stop asking: usage-capped", rejected.Detail);
        Assert.Equal("usage-capped", Assert.Single(rejected.Errors).Type);
    }

    [Fact]
    public async Task Error_status_carries_the_problem_it_reports_for_counting()
    {
        _server.Then(Path, Respond(429, UsageCapped, Json));

        var outcome = await new XApiSource(_http, _server.BaseUrl, "token", new XSearchOptions(Timeout: TimeSpan.FromSeconds(10)))
            .FetchAsync(new SearchRequest(XRecentSearchTests.GtBank, null, null, null, null), TestContext.Current.CancellationToken);

        Assert.Equal("usage-capped", Assert.Single(Assert.IsType<FetchOutcome.RateLimited>(outcome).Errors).Type);
    }

    [Fact]
    public void Lone_surrogate_escape_in_a_text_keeps_the_post_for_the_sink_to_repair()
    {
        // Built in code: xunit would turn a lone surrogate in attribute data into U+FFFD before the test saw it.
        const string json = """{"data": [{"id": "51", "text": "GTBank \ud800 app", "created_at": "2024-11-25T10:00:00.000Z"} ]}""";

        var post = Assert.IsType<SourceItem.Post>(Assert.Single(XRecentSearch.ParsePage(json, PageUrl, XRecentSearchTests.GtBank.Id, FetchedAt).Items));

        Assert.Equal("GTBank " + (char)0xD800 + " app", post.Raw.Text);
        Assert.Equal("GTBank \uFFFD app", Pipeline.Models.Text.SafeText.Repair(post.Raw.Text));
    }

    [Fact]
    public void Lone_surrogate_escape_in_an_id_or_date_quarantines_that_item_only()
    {
        const string json = """
            {"data": [{"id": "6\udc001", "text": "GTBank", "created_at": "2024-11-25T10:00:00.000Z"},
                      {"id": "62", "text": "GTBank", "created_at": "2024-11-25T10:00:00.000Z"}]}
            """;

        var items = XRecentSearch.ParsePage(json, PageUrl, XRecentSearchTests.GtBank.Id, FetchedAt).Items;

        Assert.IsType<SourceItem.Unreadable>(items[0]);
        Assert.Equal(62L, Assert.IsType<SourceItem.Post>(items[1]).Raw.Id.Value);
    }

    [Fact]
    public void Json_nested_ten_thousand_deep_is_refused_naming_the_setting()
    {
        var deep = "{\"data\": [" + new StringBuilder().Insert(0, "[", 10_000) + new StringBuilder().Insert(0, "]", 10_000) + "]}";

        var error = Assert.Throws<XApiResponseException>(() => XRecentSearch.ParsePage(deep, PageUrl, XRecentSearchTests.GtBank.Id, FetchedAt));

        Assert.Contains("pipeline.limits.max-nesting-depth", error.Message);
        Assert.Contains("128", error.Message);
    }

    [Fact]
    public async Task Answer_larger_than_the_body_bound_is_unparseable_naming_the_setting()
    {
        var items = string.Join(",", Enumerable.Range(1, 200).Select(i => Post.Replace("\"41\"", $"\"{i}\"", StringComparison.Ordinal)));

        var outcome = await FetchAsync($$"""{"data": [{{items}}]}""", InputLimits.Default with { MaxBodyBytes = 4096 });

        Assert.Contains("pipeline.limits.max-body-size = 4,096 bytes", Assert.IsType<FetchOutcome.Unparseable>(outcome).Detail);
    }

    [Fact]
    public void Oversized_unreadable_item_is_quarantined_with_a_cut_payload()
    {
        var json = $$"""{"data": [{"id": "nope", "text": "{{new string('a', 10_000)}}😀", "created_at": "2024-11-25T10:00:00.000Z"} ]}""";

        var entry = Assert.IsType<SourceItem.Unreadable>(Assert.Single(XRecentSearch.ParsePage(json, PageUrl, XRecentSearchTests.GtBank.Id, FetchedAt).Items)).Entry;

        Assert.Equal(QuarantineEntry.PayloadExcerpt, entry.Payload!.Length);
    }
}
