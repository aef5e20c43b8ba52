using Pipeline.Actors.Sources;
using Pipeline.Actors.Sources.Nitter;
using Pipeline.Actors.Sources.Simulator;
using Pipeline.Models.Domain;
using static Pipeline.Actors.Tests.Sources.Simulator.SimulatorCompanies;

namespace Pipeline.Actors.Tests.Sources.Simulator;

public sealed class SimulatedNitterTests
{
    private static readonly Uri Instance = new("http://127.0.0.1:9999/");
    private static readonly DateTimeOffset Now = Origin.AddMinutes(20);

    private static SimulatedNitter Nitter(SimulatedFaults? faults = null, int backlogDays = 3) =>
        new(new SimulatedTimeline(Generator(perDay: 600, backlogDays: backlogDays)), faults ?? SimulatedFaults.None);

    /// <summary>Asks the simulator for the URL the real Nitter source would request.</summary>
    private static (SimulatedResponse Answer, Uri Url) Fetch(SimulatedNitter nitter, SearchRequest request, DateTimeOffset now)
    {
        var url = NitterSearch.BuildUrl(Instance, request);
        var query = url.Query.TrimStart('?').Split('&')
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]));
        return (nitter.Search(name => query.GetValueOrDefault(name), now), url);
    }

    private static NitterPage Parse((SimulatedResponse Answer, Uri Url) fetched, Company company) =>
        NitterPageParser.Parse(fetched.Answer.Html, fetched.Url, company.Id, Now);

    [Fact]
    public void Paging_a_search_reads_every_post_of_the_company_newest_first_and_the_parser_reads_them_back_exactly()
    {
        var nitter = Nitter();
        var company = All[0];
        var expected = nitter.Timeline.Page(company.Id, null, null, null, Now, int.MaxValue);
        var read = new List<(NitterPost Parsed, SimulatedPost Shown)>();
        string? cursor = null;
        NitterPage page;
        do
        {
            var fetched = Fetch(nitter, new SearchRequest(company, null, null, cursor, null), Now);
            Assert.Equal(200, fetched.Answer.Status);
            page = Parse(fetched, company);
            if (page.Kind == NitterPageKind.Results)
            {
                Assert.False(page.CutShort);
                Assert.Equal(page.Posts.Count, page.Items.Count);
                Assert.NotNull(page.NextCursor);
                Assert.True(page.Posts.Count <= SimulatedNitter.PageSize);
                var offset = read.Count;
                read.AddRange(page.Posts.Select((p, i) => (p, expected[offset + i])).ToList());
                cursor = page.NextCursor;
            }
        }
        while (page.Kind == NitterPageKind.Results);

        Assert.Equal(NitterPageKind.NoMoreItems, page.Kind);
        Assert.Equal(expected.Count, read.Count);
        Assert.True(expected.Count > 100);
        Assert.All(read, r =>
        {
            var (parsed, shown) = r;
            Assert.Equal(shown.StatusId, parsed.Post.Id.Value);
            Assert.Equal(shown.AuthorHandle, parsed.Post.AuthorHandle);
            Assert.Equal(shown.AuthorName, parsed.AuthorName);
            Assert.Equal(shown.Text, parsed.Post.Text);
            Assert.Equal(new DateTimeOffset(shown.CreatedAt.Ticks - shown.CreatedAt.Ticks % TimeSpan.TicksPerMinute, TimeSpan.Zero), parsed.Post.CreatedAt);
            Assert.Equal((shown.Likes, shown.Retweets, shown.Replies), (parsed.Post.Likes, parsed.Post.Retweets, parsed.Post.Replies));
            Assert.Equal(shown.Kind == SimulatedKind.Retweet, parsed.Post.IsRetweet);
            Assert.Equal(shown.ReplyingTo is not null, parsed.Post.IsReply);
            Assert.Equal(company.Id, parsed.Post.Company);
        });
        Assert.Contains(read, r => r.Shown.Kind == SimulatedKind.Retweet);
        Assert.Contains(read, r => r.Shown.Kind == SimulatedKind.Reply);
        Assert.Contains(read, r => r.Shown.Text.Contains("https://t.co/", StringComparison.Ordinal));
    }

    [Fact]
    public void A_backfill_window_returns_only_posts_that_appeared_within_its_days()
    {
        var nitter = Nitter();
        var company = All[3];
        var since = Origin.AddDays(-2);
        var until = Origin.AddDays(-1);
        var page = Parse(Fetch(nitter, new SearchRequest(company, since, until, null, null), Now), company);
        var dayStart = new DateTimeOffset(since.UtcDateTime.Date, TimeSpan.Zero);

        Assert.Equal(NitterPageKind.Results, page.Kind);
        var window = nitter.Timeline.Page(company.Id, dayStart, dayStart.AddDays(2), null, Now, int.MaxValue);
        Assert.Equal(window.Take(SimulatedNitter.PageSize).Select(p => p.StatusId), page.Posts.Select(p => p.Post.Id.Value));
    }

    [Fact]
    public void A_post_is_not_served_before_the_time_it_appears()
    {
        var nitter = Nitter();
        var company = All[0];
        var next = nitter.Timeline.Generator.Between(Now, Now.AddMinutes(30)).First(p => p.Companies.Contains(company.Id));

        var before = Parse(Fetch(nitter, new SearchRequest(company, null, null, null, null), next.AppearedAt.AddMilliseconds(-1)), company);
        var at = Parse(Fetch(nitter, new SearchRequest(company, null, null, null, null), next.AppearedAt), company);

        Assert.DoesNotContain(before.Posts, p => p.Post.Id.Value == next.StatusId);
        Assert.Equal(next.StatusId, at.Posts[0].Post.Id.Value);
    }

    [Fact]
    public void Unknown_searches_find_nothing_and_foreign_cursors_are_an_invalid_search()
    {
        var nitter = Nitter();
        var stranger = new Company(new CompanyId("northwind"), "Northwind", ["@northwind"], ["northwind"], "", "");

        var none = Parse(Fetch(nitter, new SearchRequest(stranger, null, null, null, null), Now), stranger);
        var (bad, _) = Fetch(nitter, new SearchRequest(All[0], null, null, "DAADDAABCgABGdSyNtHEtIcKAAIZ1LI20cR0AAgAAwAAAAIAAA", null), Now);

        Assert.Equal(NitterPageKind.NoItemsFound, none.Kind);
        Assert.Equal(404, bad.Status);
        Assert.Contains("Invalid search", bad.Html);
    }

    [Fact]
    public void Rate_limits_and_slow_pages_come_at_the_configured_rate_in_the_same_order_for_the_same_seed()
    {
        var faults = new SimulatedFaults(0.2, TimeSpan.FromSeconds(3), 0.1, TimeSpan.FromMilliseconds(700));
        var request = new SearchRequest(All[1], null, null, null, null);
        List<(int Status, TimeSpan Delay)> Run()
        {
            var nitter = Nitter(faults, backlogDays: 1);
            return Enumerable.Range(0, 1000).Select(_ => Fetch(nitter, request, Now).Answer).Select(a => (a.Status, a.Delay)).ToList();
        }

        var answers = Run();

        Assert.Equal(answers, Run());
        Assert.InRange(answers.Count(a => a.Status == 429), 150, 250);
        Assert.InRange(answers.Count(a => a.Delay == TimeSpan.FromMilliseconds(700)), 50, 130);
        Assert.All(answers.Where(a => a.Status != 429), a => Assert.Equal(200, a.Status));
    }

    [Fact]
    public void A_rate_limited_answer_is_the_error_page_nitter_serves_with_a_retry_after()
    {
        var nitter = Nitter(new SimulatedFaults(1, TimeSpan.FromSeconds(2), 0, TimeSpan.Zero), backlogDays: 1);
        var fetched = Fetch(nitter, new SearchRequest(All[0], null, null, null, null), Now);

        var outcome = NitterSource.ToOutcome(fetched.Url, fetched.Answer.Status, Now + fetched.Answer.RetryAfter, fetched.Answer.Html, All[0].Id, Now);

        var limited = Assert.IsType<FetchOutcome.RateLimited>(outcome);
        Assert.Equal(Now.AddSeconds(2), limited.ResetAt);
        Assert.Contains("rate limited", limited.Detail);
    }
}
