using System.Web;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Sources;
using Pipeline.Actors.Sources.XApi;
using Pipeline.Models.Domain;
using Xunit;

namespace Pipeline.Actors.Tests.Sources.XApi;

public sealed class XRecentSearchTests
{
    internal static readonly Company GtBank = new(
        new CompanyId("gtbank"), "GTBank", ["@gtbank", "@gtbank_help"], ["GTBank", "GT Bank", "Guaranty Trust"], "NG", "Banking");

    private static readonly Uri PageUrl = new("https://api.x.com/2/tweets/search/recent?query=x");
    private static readonly DateTimeOffset FetchedAt = new(2024, 11, 26, 8, 0, 0, TimeSpan.Zero);

    internal static string Fixture(string name) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "XApi", name));

    private static SearchRequest Request(DateTimeOffset? since = null, DateTimeOffset? until = null, string? cursor = null,
        PostId? sinceId = null) => new(GtBank, since, until, cursor, sinceId);

    private static IReadOnlyDictionary<string, string?> Parameters(Uri uri)
    {
        var query = HttpUtility.ParseQueryString(uri.Query);
        return query.AllKeys.OfType<string>().ToDictionary(k => k, k => query[k]);
    }

    [Fact]
    public void Query_ors_handles_and_terms_in_parentheses_and_quotes_multi_word_terms()
    {
        var query = XRecentSearch.BuildQuery(GtBank, language: null, excludeRetweets: false);

        Assert.Equal("""(@gtbank OR @gtbank_help OR GTBank OR "GT Bank" OR "Guaranty Trust")""", query);
    }

    [Fact]
    public void Query_adds_the_retweet_and_language_policy_as_operators()
    {
        var query = XRecentSearch.BuildQuery(GtBank, "en", excludeRetweets: true);

        Assert.EndsWith(""" OR "Guaranty Trust") -is:retweet lang:en""", query);
    }

    [Fact]
    public void Query_gives_handles_one_at_sign_drops_duplicates_and_quotes_punctuated_terms()
    {
        var company = GtBank with { Handles = ["gtbank", "@GTBank"], SearchTerms = ["gtbank", "GT-Bank", "say \"hi\""] };

        var query = XRecentSearch.BuildQuery(company, null, false);

        // A bare "-Bank" would be a negation; the API has no escape for a quote inside a phrase.
        Assert.Equal("""(@gtbank OR gtbank OR "GT-Bank" OR "say hi")""", query);
    }

    [Fact]
    public void Query_longer_than_the_api_accepts_is_refused_naming_the_company()
    {
        var company = GtBank with { SearchTerms = Enumerable.Range(0, 60).Select(i => $"term number {i}").ToList() };

        var error = Assert.Throws<ArgumentException>(() => XRecentSearch.BuildQuery(company, "en", true));

        Assert.Contains("'gtbank'", error.Message);
        Assert.Contains("512", error.Message);
    }

    [Fact]
    public void Query_of_exactly_the_limit_is_accepted()
    {
        // "(" + term + ")" is 512 characters.
        var company = GtBank with { Handles = [], SearchTerms = [new string('a', XRecentSearch.MaxQueryLength - 2)] };

        Assert.Equal(XRecentSearch.MaxQueryLength, XRecentSearch.BuildQuery(company, null, false).Length);
        Assert.Throws<ArgumentException>(() => XRecentSearch.BuildQuery(
            company with { SearchTerms = [new string('a', XRecentSearch.MaxQueryLength - 1)] }, null, false));
    }

    [Fact]
    public void Company_with_nothing_to_search_for_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            XRecentSearch.BuildQuery(GtBank with { Handles = [], SearchTerms = [" "] }, "en", true));

        Assert.Contains("'gtbank'", error.Message);
    }

    [Fact]
    public void First_page_uri_asks_for_the_query_page_size_and_the_fields_we_map()
    {
        var uri = XRecentSearch.BuildUri(new Uri("https://api.x.com"), Request(), new XSearchOptions(MaxResults: 50));

        Assert.Equal("https://api.x.com/2/tweets/search/recent", uri.GetLeftPart(UriPartial.Path));
        var parameters = Parameters(uri);
        Assert.Equal(XRecentSearch.BuildQuery(GtBank, "en", true), parameters["query"]);
        Assert.Equal("50", parameters["max_results"]);
        Assert.Equal("created_at,public_metrics,lang,author_id,referenced_tweets,conversation_id", parameters["tweet.fields"]);
        Assert.Equal("author_id", parameters["expansions"]);
        Assert.Equal("username,name", parameters["user.fields"]);
        Assert.DoesNotContain("since_id", parameters.Keys);
        Assert.DoesNotContain("next_token", parameters.Keys);
        Assert.DoesNotContain("start_time", parameters.Keys);
        Assert.DoesNotContain("end_time", parameters.Keys);
    }

    [Fact]
    public void Live_poll_uri_carries_since_id_and_the_next_page_its_token()
    {
        var uri = XRecentSearch.BuildUri(new Uri("https://api.x.com/"),
            Request(cursor: "b26v89c19zqg8o3f", sinceId: new PostId(1861450077788990011)), new XSearchOptions());

        var parameters = Parameters(uri);
        Assert.Equal("1861450077788990011", parameters["since_id"]);
        Assert.Equal("b26v89c19zqg8o3f", parameters["next_token"]);
    }

    [Fact]
    public void Backfill_window_is_sent_as_utc_whole_seconds_widened_so_no_post_falls_between_windows()
    {
        var lagos = TimeSpan.FromHours(1);
        var since = new DateTimeOffset(2024, 11, 25, 18, 0, 0, lagos).AddMilliseconds(700);
        var until = new DateTimeOffset(2024, 11, 25, 20, 30, 15, lagos).AddMilliseconds(200);

        var parameters = Parameters(XRecentSearch.BuildUri(new Uri("https://api.x.com/"), Request(since, until), new XSearchOptions()));

        Assert.Equal("2024-11-25T17:00:00Z", parameters["start_time"]);
        Assert.Equal("2024-11-25T19:30:16Z", parameters["end_time"]);
    }

    [Fact]
    public void Whole_second_window_is_sent_unchanged()
    {
        var since = new DateTimeOffset(2024, 11, 25, 17, 0, 0, TimeSpan.Zero);

        var parameters = Parameters(XRecentSearch.BuildUri(new Uri("https://api.x.com/"),
            Request(since, since.AddHours(1)), new XSearchOptions()));

        Assert.Equal(("2024-11-25T17:00:00Z", "2024-11-25T18:00:00Z"), (parameters["start_time"], parameters["end_time"]));
    }

    [Theory]
    [InlineData(5, "10")]
    [InlineData(100, "100")]
    [InlineData(500, "100")]
    public void Page_size_is_kept_within_what_the_api_accepts(int asked, string sent)
    {
        var uri = XRecentSearch.BuildUri(new Uri("https://api.x.com/"), Request(), new XSearchOptions(MaxResults: asked));

        Assert.Equal(sent, Parameters(uri)["max_results"]);
    }

    [Fact]
    public void Base_url_with_a_path_keeps_it()
    {
        var uri = XRecentSearch.BuildUri(new Uri("http://127.0.0.1:5000/proxy"), Request(), new XSearchOptions());

        Assert.Equal("/proxy/2/tweets/search/recent", uri.AbsolutePath);
    }

    [Fact]
    public void Sample_page_yields_both_posts_with_authors_from_includes_and_their_metrics()
    {
        var page = XRecentSearch.ParsePage(Fixture("recent_search_sample.json"), PageUrl, GtBank.Id, FetchedAt);

        var posts = page.Items.Cast<SourceItem.Post>().ToList();
        Assert.Equal([$"{PageUrl}#1861450077788990011", $"{PageUrl}#1861432187654321001"], posts.Select(p => p.Location));
        var first = posts[0].Raw;
        Assert.Equal(
            (1861450077788990011L, "1500000000000000003", "techmoneywk", 97, 18, 1, 2, "en"),
            (first.Id.Value, first.AuthorId, first.AuthorHandle, first.Likes, first.Retweets, first.Replies, first.Quotes, first.Lang));
        Assert.StartsWith("We tried the new budgeting view", first.Text);
        Assert.Equal(new DateTimeOffset(2024, 11, 25, 19, 2, 0, TimeSpan.Zero), first.CreatedAt);
        Assert.Equal("https://x.com/techmoneywk/status/1861450077788990011", first.Url);
        Assert.Equal((PostSource.XApi, (CompanyId?)GtBank.Id, FetchedAt), (first.Source, first.Company, first.FetchedAt));
        Assert.False(first.IsRetweet);
        Assert.False(first.IsReply);
        var second = posts[1].Raw;
        Assert.Equal(("NorthwindBank", 1210, 34, 12, 5), (second.AuthorHandle, second.Likes, second.Retweets, second.Replies, second.Quotes));
    }

    [Fact]
    public void Sample_page_gives_the_next_token_newest_id_and_count()
    {
        var page = XRecentSearch.ParsePage(Fixture("recent_search_sample.json"), PageUrl, GtBank.Id, FetchedAt);

        Assert.Equal("b26v89c19zqg8o3fsyntheticn0rthw1ndt0ken00000", page.NextToken);
        Assert.Equal(new PostId(1861450077788990011), page.NewestId);
        Assert.Equal(2, page.ResultCount);
    }

    [Fact]
    public void Referenced_tweets_and_rt_prefix_mark_retweets_and_replies()
    {
        const string json = """
            {"data": [
              {"id": "11", "text": "a quote", "created_at": "2024-11-25T10:00:00Z", "referenced_tweets": [{"type": "quoted", "id": "1"}]},
              {"id": "12", "text": "shared", "created_at": "2024-11-25T10:00:00Z", "referenced_tweets": [{"type": "retweeted", "id": "2"}]},
              {"id": "13", "text": "RT @gtbank: old style", "created_at": "2024-11-25T10:00:00Z"},
              {"id": "14", "text": "@gtbank help", "created_at": "2024-11-25T10:00:00.123+01:00", "referenced_tweets": [{"type": "replied_to", "id": "3"}]}
            ], "meta": {"result_count": 4}}
            """;

        var posts = XRecentSearch.ParsePage(json, PageUrl, GtBank.Id, FetchedAt).Items.Cast<SourceItem.Post>().Select(p => p.Raw).ToList();

        Assert.Equal([false, true, true, false], posts.Select(p => p.IsRetweet));
        Assert.Equal([false, false, false, true], posts.Select(p => p.IsReply));
        Assert.Equal(new DateTimeOffset(2024, 11, 25, 9, 0, 0, 123, TimeSpan.Zero), posts[3].CreatedAt);
    }

    [Fact]
    public void Post_whose_author_is_not_in_includes_has_an_empty_handle_and_a_url_that_still_opens()
    {
        const string json = """{"data": [{"id": "21", "text": "hi", "created_at": "2024-11-25T10:00:00.000Z", "author_id": "99"}]}""";

        var post = Assert.IsType<SourceItem.Post>(Assert.Single(XRecentSearch.ParsePage(json, PageUrl, GtBank.Id, FetchedAt).Items)).Raw;

        Assert.Equal(("99", "", "https://x.com/i/web/status/21"), (post.AuthorId, post.AuthorHandle, post.Url));
        Assert.Equal((0, 0, 0, 0), (post.Likes, post.Retweets, post.Replies, post.Quotes));
    }

    [Fact]
    public void Malformed_items_are_quarantined_with_what_failed_and_the_others_kept()
    {
        const string json = """
            {"data": [
              {"id": "31", "text": "fine", "created_at": "2024-11-25T10:00:00.000Z"},
              {"text": "no id", "created_at": "2024-11-25T10:00:00.000Z"},
              {"id": "32", "created_at": "2024-11-25T10:00:00.000Z"},
              {"id": "33", "text": "bad date", "created_at": "yesterday"},
              {"id": "34", "text": "also fine", "created_at": "2024-11-25T11:00:00.000Z"}
            ], "meta": {"newest_id": "34", "result_count": 5}}
            """;

        var page = XRecentSearch.ParsePage(json, PageUrl, GtBank.Id, FetchedAt);

        Assert.Equal([31L, 34L], page.Items.OfType<SourceItem.Post>().Select(p => p.Raw.Id.Value));
        var quarantined = page.Items.OfType<SourceItem.Unreadable>().Select(u => u.Entry).ToList();
        Assert.Equal(3, quarantined.Count);
        Assert.All(quarantined, e => Assert.Equal(("x_api", PageUrl.ToString(), (CompanyId?)GtBank.Id), (e.Source, e.Location, e.Company)));
        Assert.Contains("'id'", quarantined[0].Error);
        Assert.Contains("'text'", quarantined[1].Error);
        Assert.Contains("yesterday", quarantined[2].Error);
        Assert.Contains("\"bad date\"", quarantined[2].Payload);
        Assert.Equal(new PostId(34), page.NewestId);
    }

    [Fact]
    public void Search_without_matches_is_an_empty_page_without_next_token()
    {
        var page = XRecentSearch.ParsePage("""{"meta": {"result_count": 0}}""", PageUrl, GtBank.Id, FetchedAt);

        Assert.Equal((0, (string?)null, (PostId?)null, 0), (page.Items.Count, page.NextToken, page.NewestId, page.ResultCount));
    }

    [Theory]
    [InlineData("<html>Service Unavailable</html>")]
    [InlineData("[1, 2]")]
    [InlineData("""{"data": {"id": "1"}}""")]
    [InlineData("")]
    public void Body_that_is_not_a_search_result_is_refused_as_a_whole(string body)
    {
        Assert.Throws<XApiResponseException>(() => XRecentSearch.ParsePage(body, PageUrl, GtBank.Id, FetchedAt));
    }

    [Fact]
    public void Api_error_body_is_described_by_its_title_detail_and_messages()
    {
        const string body = """
            {"errors": [{"parameters": {"since_id": ["1"]}, "message": "Invalid 'since_id'"}],
             "title": "Invalid Request", "detail": "One or more parameters to your request was invalid.", "type": "about:blank"}
            """;

        Assert.Equal("Invalid Request: One or more parameters to your request was invalid.: Invalid 'since_id'",
            XRecentSearch.DescribeError(body));
        Assert.Null(XRecentSearch.DescribeError("<html/>"));
    }

    [Fact]
    public void Options_default_to_a_ten_second_timeout()
    {
        Assert.Equal(TimeSpan.FromSeconds(10), new XSearchOptions().Timeout);
        Assert.Equal(TimeSpan.FromSeconds(2), new XSearchOptions(Timeout: TimeSpan.FromSeconds(2)).Timeout);
    }
}
