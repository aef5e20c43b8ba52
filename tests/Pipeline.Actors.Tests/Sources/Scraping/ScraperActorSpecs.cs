using System.Globalization;
using Akka.Actor;
using Akka.TestKit.Xunit;
using Pipeline.Actors.Tests.Support;
using Pipeline.Actors.Sources.Scraping;
using static Pipeline.Tests.Shared.FakeHttpServer;

namespace Pipeline.Actors.Tests.Sources.Scraping;

/// <summary>A scraper against fake X API servers on loopback that misbehave on purpose.</summary>
public sealed class ScraperActorSpecs(PostgresFixture postgres) : TestKit(Config)
{
    private const string Config = """
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        akka.loglevel = WARNING
        """;

    private const string Json = "application/json";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private static TimeSpan Gap(FakeHttpServer server, int first, int second) =>
        server.Requests[second].At - server.Requests[first].At;

    [Fact]
    public async Task Rate_limit_with_reset_header_pauses_the_instance_until_then_and_nothing_is_lost()
    {
        await using var harness = await ScraperHarness.StartAsync(postgres);
        var server = harness.Servers[0];
        var reset = DateTimeOffset.UtcNow.AddSeconds(3);
        server.Then(ScraperHarness.SearchPath, Respond(429, "{\"title\":\"Too Many Requests\"}", Json,
                new Dictionary<string, string> { ["x-rate-limit-reset"] = reset.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) }))
            .Then(ScraperHarness.SearchPath, Respond(200, ScraperHarness.Page([101, 102]), Json));

        harness.Scraper(Sys);

        await AwaitAssertAsync(async () => Assert.Equal([101L, 102L], await harness.StoredIdsAsync()), Patience);
        var resetSecond = DateTimeOffset.FromUnixTimeSeconds(reset.ToUnixTimeSeconds());
        Assert.True(server.Requests[1].At >= resetSecond.AddMilliseconds(-50),
            $"second request at {server.Requests[1].At:O}, before the reset {resetSecond:O}");
        Assert.Contains("rate limited", harness.StatusNow.Instances[0].LastError ?? harness.StatusNow.LastError);
    }

    [Fact]
    public async Task Rate_limit_without_reset_header_backs_off_with_jitter()
    {
        await using var harness = await ScraperHarness.StartAsync(postgres);
        var server = harness.Servers[0];
        server.Then(ScraperHarness.SearchPath, Respond(429, "{}", Json))
            .Then(ScraperHarness.SearchPath, Respond(429, "{}", Json))
            .Then(ScraperHarness.SearchPath, Respond(200, ScraperHarness.Page([201]), Json));

        harness.Scraper(Sys);

        await AwaitAssertAsync(async () => Assert.Equal([201L], await harness.StoredIdsAsync()), Patience);
        // Backoff 300 ms then 600 ms, each ±25 %. The lower bounds are the backoff's; the upper ones only
        // say it was not the hour-long live interval, with room for a busy machine.
        Assert.InRange(Gap(server, 0, 1).TotalMilliseconds, 200, 10_000);
        Assert.InRange(Gap(server, 1, 2).TotalMilliseconds, 420, 10_000);
    }

    [Fact]
    public async Task Server_errors_are_retried_with_backoff_until_the_page_is_stored()
    {
        await using var harness = await ScraperHarness.StartAsync(postgres);
        var server = harness.Servers[0];
        server.Then(ScraperHarness.SearchPath, Respond(500, "oops", "text/plain"))
            .Then(ScraperHarness.SearchPath, Respond(503, "busy", "text/plain"))
            .Then(ScraperHarness.SearchPath, Respond(200, ScraperHarness.Page([301, 302, 303]), Json));

        harness.Scraper(Sys);

        await AwaitAssertAsync(async () => Assert.Equal([301L, 302L, 303L], await harness.StoredIdsAsync()), Patience);
        Assert.Equal(3, server.Requests.Count);
        Assert.True(Gap(server, 0, 1) >= TimeSpan.FromMilliseconds(200));
        Assert.Contains("503", harness.StatusNow.LastError);
    }

    [Fact]
    public async Task Slow_response_past_the_timeout_is_abandoned_and_retried()
    {
        await using var harness = await ScraperHarness.StartAsync(postgres);
        var server = harness.Servers[0];
        server.Then(ScraperHarness.SearchPath, Respond(200, ScraperHarness.Page([401]), Json, delay: TimeSpan.FromSeconds(30)))
            .Then(ScraperHarness.SearchPath, Respond(200, ScraperHarness.Page([402]), Json));

        harness.Scraper(Sys, timeout: TimeSpan.FromMilliseconds(500));

        await AwaitAssertAsync(async () => Assert.Equal([402L], await harness.StoredIdsAsync()), Patience);
        Assert.InRange(Gap(server, 0, 1).TotalSeconds, 0.5, 5);
        Assert.Contains("unavailable", harness.StatusNow.LastError);
    }

    [Fact]
    public async Task Empty_results_end_the_backfill_without_storing_anything()
    {
        await using var harness = await ScraperHarness.StartAsync(postgres);
        harness.Servers[0].Then(ScraperHarness.SearchPath, Respond(200, ScraperHarness.Page([]), Json));

        harness.Scraper(Sys);

        await AwaitAssertAsync(() => Assert.StartsWith("live", harness.StatusNow.Mode), Patience);
        Assert.Empty(await harness.StoredIdsAsync());
        Assert.Equal(1, harness.StatusNow.PagesCommitted);
    }

    [Fact]
    public async Task Cursor_that_comes_back_unchanged_ends_the_paging_instead_of_looping()
    {
        await using var harness = await ScraperHarness.StartAsync(postgres);
        var server = harness.Servers[0];
        server.Then(ScraperHarness.SearchPath, Respond(200, ScraperHarness.Page([501], "T1"), Json))
            .Otherwise(Respond(200, ScraperHarness.Page([502], "T1"), Json));

        harness.Scraper(Sys);

        await AwaitAssertAsync(() => Assert.StartsWith("live", harness.StatusNow.Mode), Patience);
        Assert.Equal([501L, 502L], await harness.StoredIdsAsync());
        Assert.Equal(2, server.Requests.Count);
        Assert.Contains("next_token=T1", server.Requests[1].Query);
        Assert.Contains("cursor loop", harness.StatusNow.LastError);
    }

    [Fact]
    public async Task Unparseable_page_is_quarantined_with_its_url_saved_for_diagnosis_and_the_instance_marked_suspect()
    {
        await using var harness = await ScraperHarness.StartAsync(postgres, servers: 2);
        harness.Servers[0].Otherwise(Respond(200, "<html>not the api</html>", "text/html"));
        harness.Servers[1].Otherwise(Respond(200, ScraperHarness.Page([601]), Json));

        harness.Scraper(Sys);

        await AwaitAssertAsync(async () => Assert.Equal([601L], await harness.StoredIdsAsync()), Patience);
        await AwaitAssertAsync(async () =>
        {
            var quarantined = Assert.Single(await harness.Database.QuarantineAsync());
            Assert.StartsWith(harness.Servers[0].BaseUrl.ToString(), quarantined.Location);
            Assert.Contains("raw page saved to", quarantined.Error);
        }, Patience);
        var saved = Assert.Single(Directory.GetFiles(harness.Folder.Combine("diagnostics")));
        Assert.Contains("not the api", await File.ReadAllTextAsync(saved));
        Assert.True(harness.StatusNow.Instances[0].Suspect);
        Assert.Single(harness.Servers[0].Requests);
    }

    [Fact]
    public async Task Item_that_fails_to_parse_is_quarantined_with_the_page_url_and_the_rest_of_the_page_is_stored()
    {
        await using var harness = await ScraperHarness.StartAsync(postgres);
        var page = ScraperHarness.Page([651, 652, 653]).Replace("\"id\":\"652\"", "\"id\":\"not-a-number\"", StringComparison.Ordinal);
        harness.Servers[0].Then(ScraperHarness.SearchPath, Respond(200, page, Json));

        harness.Scraper(Sys);

        await AwaitAssertAsync(async () => Assert.Equal([651L, 653L], await harness.StoredIdsAsync()), Patience);
        await AwaitAssertAsync(async () =>
        {
            var quarantined = Assert.Single(await harness.Database.QuarantineAsync());
            Assert.StartsWith(harness.Servers[0].BaseUrl + "2/tweets/search/recent", quarantined.Location);
            Assert.Contains("not-a-number", quarantined.Payload);
        }, Patience);
        // The status follows the rows: it is published after the page's checkpoint is persisted.
        await AwaitAssertAsync(() => Assert.Equal(1, harness.StatusNow.PagesCommitted), Patience);
    }

    [Fact]
    public async Task Rate_limited_instance_is_skipped_and_another_one_serves_the_page()
    {
        await using var harness = await ScraperHarness.StartAsync(postgres, servers: 2);
        harness.Servers[0].Otherwise(Respond(429, "{}", Json,
            new Dictionary<string, string> { ["x-rate-limit-reset"] = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) }));
        harness.Servers[1].Then(ScraperHarness.SearchPath, Respond(200, ScraperHarness.Page([701, 702], "N2"), Json))
            .Then(ScraperHarness.SearchPath, Respond(200, ScraperHarness.Page([703]), Json));

        harness.Scraper(Sys);

        await AwaitAssertAsync(async () => Assert.Equal([701L, 702L, 703L], await harness.StoredIdsAsync()), Patience);
        Assert.Single(harness.Servers[0].Requests);
        Assert.NotNull(harness.StatusNow.Instances[0].PausedUntil);
    }

    [Fact]
    public async Task Scraper_killed_mid_backfill_resumes_from_its_checkpoint_with_no_gap_and_no_duplicate()
    {
        await using var harness = await ScraperHarness.StartAsync(postgres);
        var server = harness.Servers[0];
        // Five pages chained by cursor; the fourth is slow so the scraper can be killed while fetching it.
        server.Then(ScraperHarness.SearchPath, Respond(200, ScraperHarness.Page([801, 802], "P2"), Json))
            .Then(ScraperHarness.SearchPath, Respond(200, ScraperHarness.Page([803, 804], "P3"), Json))
            .Then(ScraperHarness.SearchPath, Respond(200, ScraperHarness.Page([805, 806], "P4"), Json))
            .Then(ScraperHarness.SearchPath, Respond(200, ScraperHarness.Page([807, 808], "P5"), Json, delay: TimeSpan.FromSeconds(30)))
            .Then(ScraperHarness.SearchPath, Respond(200, ScraperHarness.Page([807, 808], "P5"), Json))
            .Then(ScraperHarness.SearchPath, Respond(200, ScraperHarness.Page([809, 810]), Json));

        var first = harness.Scraper(Sys, name: "crashing-scraper");
        await AwaitAssertAsync(() => Assert.Equal(4, server.Requests.Count), Patience);
        Watch(first);
        Sys.Stop(first);
        ExpectTerminated(first, Patience);

        harness.Scraper(Sys, name: "crashing-scraper");

        await AwaitAssertAsync(async () =>
            Assert.Equal([801L, 802, 803, 804, 805, 806, 807, 808, 809, 810], await harness.StoredIdsAsync()), Patience);
        Assert.Contains("next_token=P4", server.Requests[4].Query);
        Assert.Equal(6, server.Requests.Count);
    }
}
