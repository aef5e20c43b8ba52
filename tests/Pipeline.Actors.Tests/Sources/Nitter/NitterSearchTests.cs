using Pipeline.Actors.Sources;
using Pipeline.Actors.Sources.Nitter;
using Pipeline.Models.Domain;
using Xunit;

namespace Pipeline.Actors.Tests.Sources.Nitter;

public sealed class NitterSearchTests
{
    private static readonly Company GtBank = new(
        new CompanyId("gtbank"), "GTBank", ["@gtbank", "@gtbank_help"], ["gtbank", "guaranty trust bank"], "NG", "Banking");

    private static readonly Uri Instance = new("https://nitter.example/");

    [Fact]
    public void Query_ors_handles_and_terms_and_quotes_multi_word_terms()
    {
        Assert.Equal("(@gtbank OR @gtbank_help OR gtbank OR \"guaranty trust bank\")", NitterSearch.BuildQuery(GtBank));
    }

    [Fact]
    public void Query_accepts_handles_without_at_and_drops_blank_and_repeated_terms()
    {
        var company = GtBank with { Handles = ["gtbank", " "], SearchTerms = ["GTBank", "  guaranty  trust ", ""] };

        Assert.Equal("(@gtbank OR GTBank OR \"guaranty  trust\")", NitterSearch.BuildQuery(company));
    }

    [Fact]
    public void Query_of_a_company_with_nothing_to_search_for_is_refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => NitterSearch.BuildQuery(GtBank with { Handles = [], SearchTerms = [] }));
        Assert.Contains("gtbank", ex.Message);
    }

    [Fact]
    public void First_page_url_has_the_escaped_query_and_no_window_or_cursor()
    {
        var url = NitterSearch.BuildUrl(Instance, new SearchRequest(GtBank, null, null, null, null));

        Assert.Equal(
            "https://nitter.example/search?f=tweets&q=%28%40gtbank%20OR%20%40gtbank_help%20OR%20gtbank%20OR%20%22guaranty%20trust%20bank%22%29",
            url.AbsoluteUri);
    }

    [Fact]
    public void Window_becomes_utc_days_with_an_exclusive_until_rounded_up_and_the_cursor_is_escaped()
    {
        var request = new SearchRequest(
            GtBank,
            new DateTimeOffset(2024, 11, 1, 0, 30, 0, TimeSpan.FromHours(1)),
            new DateTimeOffset(2024, 11, 8, 12, 0, 0, TimeSpan.Zero),
            "DAAD+x/y=",
            null);

        var query = NitterSearch.BuildUrl(Instance, request).Query;

        Assert.EndsWith("&since=2024-10-31&until=2024-11-09&cursor=DAAD%2Bx%2Fy%3D", query);
    }

    [Fact]
    public void Until_at_midnight_is_that_day()
    {
        var request = new SearchRequest(GtBank, null, new DateTimeOffset(2024, 11, 8, 0, 0, 0, TimeSpan.Zero), null, null);

        Assert.EndsWith("&until=2024-11-08", NitterSearch.BuildUrl(Instance, request).Query);
        Assert.DoesNotContain("since=", NitterSearch.BuildUrl(Instance, request).Query);
    }

    [Fact]
    public void Instance_served_under_a_path_keeps_it_with_or_without_trailing_slash()
    {
        var request = new SearchRequest(GtBank, null, null, null, null);

        Assert.Equal("/nitter/search", NitterSearch.BuildUrl(new Uri("http://127.0.0.1:8080/nitter"), request).AbsolutePath);
        Assert.Equal("/nitter/search", NitterSearch.BuildUrl(new Uri("http://127.0.0.1:8080/nitter/"), request).AbsolutePath);
    }

    [Fact]
    public void Cursor_read_from_a_page_goes_back_to_the_instance_as_it_was_sent()
    {
        var sent = "?f=tweets&amp;q=x&amp;cursor=abc%2Bdef%2F%3D";
        var html = $"""<div class="timeline"><div class="timeline-item "></div><div class="show-more"><a href="{sent}">Load more</a></div></div>""";
        var cursor = NitterPageParser.Parse(html, Instance, GtBank.Id, DateTimeOffset.UnixEpoch).NextCursor;

        var url = NitterSearch.BuildUrl(Instance, new SearchRequest(GtBank, null, null, cursor, null));

        Assert.EndsWith("&cursor=abc%2Bdef%2F%3D", url.AbsoluteUri);
    }
}
