using Akka.TestKit.Xunit;
using static Pipeline.Actors.Tests.Sources.Nitter.NitterFixtures;
using static Pipeline.Tests.Shared.FakeHttpServer;

namespace Pipeline.Actors.Tests.Sources.Scraping;

/// <summary>A scraper reading self-hosted Nitter instances played by loopback servers serving the fixture pages.</summary>
public sealed class NitterScraperSpecs(PostgresFixture postgres) : TestKit(Config)
{
    private const string Config = """
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        akka.loglevel = WARNING
        """;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private static readonly long[] Page1Ids = [1861432187654321001, 1861439001122334455, 1861450077788990011];

    [Fact]
    public async Task Backfill_follows_the_cursor_to_the_end_page_and_stores_every_post()
    {
        await using var harness = await ScraperHarness.StartAsync(postgres);
        var server = harness.Servers[0];
        server.Then("/search", Respond(200, Read(Page1)))
            .Then("/search", Respond(200, Read(NoMoreItems)));

        harness.Scraper(Sys, nitter: true);

        await AwaitAssertAsync(() => Assert.StartsWith("live", harness.StatusNow.Mode), Patience);
        Assert.Equal(Page1Ids, await harness.StoredIdsAsync());
        Assert.Equal(2, server.Requests.Count);
        Assert.Contains("cursor=" + Page1Cursor, Uri.UnescapeDataString(server.Requests[1].Query));
        Assert.Contains("since=", server.Requests[0].Query);
    }

    [Fact]
    public async Task Rate_limited_instance_pauses_and_the_page_is_fetched_from_the_next_instance()
    {
        await using var harness = await ScraperHarness.StartAsync(postgres, servers: 2);
        harness.Servers[0].Otherwise(Respond(429, Read(RateLimited)));
        harness.Servers[1].Then("/search", Respond(200, Read(Page1))).Then("/search", Respond(200, Read(NoMoreItems)));

        harness.Scraper(Sys, nitter: true);

        await AwaitAssertAsync(async () => Assert.Equal(Page1Ids, await harness.StoredIdsAsync()), Patience);
        var limited = harness.StatusNow.Instances[0];
        Assert.True(limited.Failures >= 1);
        Assert.Contains("rate limited", limited.LastError);
        // Without a reset time the instance rests for the backoff (300 ms ± 25 % at first) before it is tried again.
        var requests = harness.Servers[0].Requests;
        for (var i = 1; i < requests.Count; i++)
        {
            Assert.True(requests[i].At - requests[i - 1].At >= TimeSpan.FromMilliseconds(200));
        }
    }

    [Fact]
    public async Task Truncated_page_is_not_taken_for_the_end_of_the_results()
    {
        await using var harness = await ScraperHarness.StartAsync(postgres, servers: 2);
        var page = Read(Page1);
        var cut = page[..page.IndexOf("1861439001122334455", StringComparison.Ordinal)];
        harness.Servers[0].Otherwise(Respond(200, cut));
        harness.Servers[1].Then("/search", Respond(200, page)).Then("/search", Respond(200, Read(NoMoreItems)));

        harness.Scraper(Sys, nitter: true);

        await AwaitAssertAsync(async () => Assert.Equal(Page1Ids, await harness.StoredIdsAsync()), Patience);
        Assert.True(harness.StatusNow.Instances[0].Suspect);
        Assert.Single(Directory.GetFiles(harness.Folder.Combine("diagnostics")));
    }

    [Fact]
    public async Task Page_in_an_unknown_layout_is_saved_quarantined_and_the_instance_marked_suspect()
    {
        await using var harness = await ScraperHarness.StartAsync(postgres, servers: 2);
        harness.Servers[0].Otherwise(Respond(200, "<html><body><div class=\"feed\">a redesigned page</div></body></html>"));
        harness.Servers[1].Then("/search", Respond(200, Read(NoItemsFound)));

        harness.Scraper(Sys, nitter: true);

        await AwaitAssertAsync(() => Assert.StartsWith("live", harness.StatusNow.Mode), Patience);
        await AwaitAssertAsync(async () =>
            Assert.Contains("raw page saved to", Assert.Single(await harness.Database.QuarantineAsync()).Error), Patience);
        Assert.True(harness.StatusNow.Instances[0].Suspect);
        Assert.Empty(await harness.StoredIdsAsync());
    }
}
