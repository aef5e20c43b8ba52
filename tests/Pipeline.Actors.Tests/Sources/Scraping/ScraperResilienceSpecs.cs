using Akka;
using Akka.Actor;
using Akka.Pattern;
using Akka.Streams.Dsl;
using Akka.TestKit.Xunit;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Sources;
using Pipeline.Actors.Sources.Scraping;
using Pipeline.Actors.Sources.XApi;
using Pipeline.Models.Domain;
using static Pipeline.Tests.Shared.FakeHttpServer;

namespace Pipeline.Actors.Tests.Sources.Scraping;

/// <summary>
/// A scraper and the shared graph when something breaks inside them: the scraper itself throws, the graph fails,
/// the diagnostics folder cannot be written, the X API reports errors beside its data.
/// </summary>
public sealed class ScraperResilienceSpecs(PostgresFixture postgres) : TestKit(Config)
{
    private const string Config = """
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        akka.loglevel = WARNING
        """;

    private const string Json = "application/json";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Scraper_that_throws_is_restarted_by_its_backoff_supervisor_and_resumes_from_its_checkpoint()
    {
        await using var harness = await ScraperHarness.StartAsync(postgres);
        var server = harness.Servers[0];
        server.Then(ScraperHarness.SearchPath, Respond(200, ScraperHarness.Page([901, 902], "P2"), Json))
            .Then(ScraperHarness.SearchPath, Respond(200, ScraperHarness.Page([903, 904], "P3"), Json))
            .Then(ScraperHarness.SearchPath, Respond(200, ScraperHarness.Page([905, 906]), Json));
        // The second fetch throws inside the actor's own message handling, before any request leaves.
        var faulty = new ThrowsOnce(call: 2);

        // The restart count starts over once an incarnation has run for the maximum backoff: a long maximum keeps the
        // count readable however slowly a loaded machine stores the rest.
        var supervisor = harness.Scraper(Sys, supervised: true, wrap: source => faulty.Wrap(source),
            backoff: new RetryBackoff(TimeSpan.FromMilliseconds(300), TimeSpan.FromMinutes(5)));

        await AwaitAssertAsync(async () => Assert.Equal([901L, 902, 903, 904, 905, 906], await harness.StoredIdsAsync()), Patience);
        await AwaitAssertAsync(() => Assert.StartsWith("live", harness.StatusNow.Mode), Patience);
        Assert.NotNull(faulty.ThrewAt);
        // The supervisor restarted the scraper once, after its backoff (300 ms on the first restart; jitter only adds to it).
        Assert.Equal(1, (await supervisor.Ask<BackoffSupervisor.RestartCount>(BackoffSupervisor.GetRestartCount.Instance, Patience)).Count);
        Assert.Equal(3, server.Requests.Count);
        Assert.True(server.Requests[1].At - faulty.ThrewAt!.Value >= TimeSpan.FromMilliseconds(200),
            $"restarted {(server.Requests[1].At - faulty.ThrewAt.Value).TotalMilliseconds} ms after the crash");
        // The new incarnation read the checkpoint: it asked for page 2, not for the first page again.
        Assert.Contains("next_token=P2", server.Requests[1].Query);
        Assert.Contains("next_token=P3", server.Requests[2].Query);
    }

    [Fact]
    public async Task Failed_shared_graph_is_restarted_and_the_scraper_fetches_its_lost_page_again_from_the_checkpoint()
    {
        await using var harness = await ScraperHarness.StartAsync(postgres);
        var server = harness.Servers[0];
        server.Then(ScraperHarness.SearchPath, Respond(200, ScraperHarness.Page([711], "P2"), Json))
            .Then(ScraperHarness.SearchPath, Respond(200, ScraperHarness.Page([712, 713], "P3"), Json))
            .Then(ScraperHarness.SearchPath, Respond(200, ScraperHarness.Page([712, 713], "P3"), Json))
            .Then(ScraperHarness.SearchPath, Respond(200, ScraperHarness.Page([714]), Json));
        var failure = new FailsOnce(postId: 712);
        var restarted = CreateTestProbe();
        Sys.EventStream.Subscribe(restarted.Ref, typeof(SharedGraphRestarted));
        harness.Graph(Sys, scoring: [failure.Stage]);

        harness.Scraper(Sys);

        await AwaitAssertAsync(async () => Assert.Equal([711L, 712, 713, 714], await harness.StoredIdsAsync()), Patience);
        await AwaitAssertAsync(() => Assert.StartsWith("live", harness.StatusNow.Mode), Patience);
        Assert.True(failure.Failed);
        Assert.Equal(new SharedGraphRestarted(2), restarted.FishForMessage<SharedGraphRestarted>(m => m.Generation == 2, Patience));
        // Page 2 again, from the checkpoint page 1 left; nothing fetched twice but the page that was lost.
        Assert.Equal(4, server.Requests.Count);
        Assert.Contains("next_token=P2", server.Requests[1].Query);
        Assert.Contains("next_token=P2", server.Requests[2].Query);
        Assert.Contains("next_token=P3", server.Requests[3].Query);
        var state = harness.Entrance.State;
        Assert.Equal((SharedGraphPhase.Running, 2L, 1), (state.Phase, state.Generation, state.Restarts));
        Assert.Contains("failed: InvalidOperationException: injected failure at post 712", state.LastFailure);
        var health = ScraperHosting.GraphHealth(state);
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, health.Status);
        Assert.Contains("restarted 1 time(s)", health.Description);
        Assert.Equal(1, health.Data["restarts"]);
    }

    [Fact]
    public void Graph_health_is_unhealthy_while_it_restarts_saying_why_and_how_often()
    {
        var at = new DateTimeOffset(2025, 3, 10, 12, 0, 0, TimeSpan.Zero);
        var state = new SharedGraphState(SharedGraphPhase.Restarting, 3, 2, "failed: InvalidOperationException: boom", at, at);

        var health = ScraperHosting.GraphHealth(state);

        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy, health.Status);
        Assert.Equal("the scrapers' graph failed: InvalidOperationException: boom at 2025-03-10T12:00:00.0000000+00:00; restarting with backoff (restart 2)",
            health.Description);
        Assert.Equal(("Restarting", 3L, 2), ((string)health.Data["phase"], (long)health.Data["generation"], (int)health.Data["restarts"]));
    }

    [Fact]
    public async Task Unwritable_diagnostics_folder_does_not_crash_the_scraper_and_the_status_says_the_page_was_not_saved()
    {
        await using var harness = await ScraperHarness.StartAsync(postgres, servers: 2);
        harness.Servers[0].Otherwise(Respond(200, "<html>not the api</html>", "text/html"));
        harness.Servers[1].Then(ScraperHarness.SearchPath, Respond(200, ScraperHarness.Page([621]), Json))
            .Otherwise(Respond(200, ScraperHarness.Page([]), Json));
        // A window fixed in the past makes the first request's URL known, so the file it would be saved to is known:
        // a directory stands there, and writing it fails with UnauthorizedAccessException (not an IOException), as
        // a folder without write permission does (this also holds for root, whom permissions do not stop).
        var schedule = new ScrapeSchedule(DateTimeOffset.UtcNow.AddHours(-1), TimeSpan.FromMinutes(30), TimeSpan.FromHours(1), TimeSpan.Zero);
        var spec = harness.Spec(schedule);
        var firstUrl = XRecentSearch.BuildUri(harness.Servers[0].BaseUrl,
            ScrapePlan.NextRequest(ScrapeCheckpoint.Start(schedule), ScraperHarness.Northwind, schedule, DateTimeOffset.UtcNow),
            new XSearchOptions(Timeout: TimeSpan.FromSeconds(5)));
        var blocked = PageDiagnostics.PathFor(spec.Diagnostics, spec.Name, firstUrl);
        Directory.CreateDirectory(blocked);

        var supervisor = harness.Scraper(Sys, schedule, supervised: true);

        await AwaitAssertAsync(async () => Assert.Equal([621L], await harness.StoredIdsAsync()), Patience);
        await AwaitAssertAsync(async () =>
        {
            var quarantined = Assert.Single(await harness.Database.QuarantineAsync());
            Assert.Equal(firstUrl.ToString(), quarantined.Location);
            Assert.Contains("raw page not saved", quarantined.Error);
            Assert.Contains("UnauthorizedAccessException", quarantined.Error);
            Assert.Contains("not the api", quarantined.Payload);
        }, Patience);
        await AwaitAssertAsync(() => Assert.StartsWith("live", harness.StatusNow.Mode), Patience);
        var instance = harness.StatusNow.Instances[0];
        Assert.True(instance.Suspect);
        Assert.Contains($"raw page not saved ({blocked}: UnauthorizedAccessException", instance.LastError);
        // No crash, so no restart and no second request to the instance that served the page.
        Assert.Equal(0, (await supervisor.Ask<BackoffSupervisor.RestartCount>(BackoffSupervisor.GetRestartCount.Instance, Patience)).Count);
        Assert.Single(harness.Servers[0].Requests);
    }

    [Fact]
    public async Task X_api_errors_beside_data_are_logged_counted_and_shown_and_the_data_is_stored()
    {
        await using var harness = await ScraperHarness.StartAsync(postgres);
        var page = ScraperHarness.Page([631, 632]);
        var withErrors = page[..^1] + """
            ,"errors": [
              {"value": "42", "detail": "Could not find user with id: [42].", "title": "Not Found Error", "resource_type": "user",
               "parameter": "author_id", "resource_id": "42", "type": "https://api.x.com/2/problems/resource-not-found"},
              {"value": "1", "detail": "Sorry, you are not authorized to see the Tweet with id: [1].", "title": "Authorization Error",
               "resource_type": "tweet", "parameter": "referenced_tweets.id", "resource_id": "1",
               "type": "https://api.x.com/2/problems/not-authorized-for-resource"}]}
            """;
        harness.Servers[0].Then(ScraperHarness.SearchPath, Respond(200, withErrors, Json));

        // Each error is logged once, with the page it came with.
        await EventFilter.Warning(contains: "the source reported an error at " + harness.Servers[0].BaseUrl).ExpectAsync(2, async () =>
        {
            harness.Scraper(Sys);
            await AwaitAssertAsync(async () => Assert.Equal([631L, 632], await harness.StoredIdsAsync()), Patience);
        }, Patience);
        await AwaitAssertAsync(() => Assert.StartsWith("live", harness.StatusNow.Mode), Patience);
        Assert.Equal(["resource-not-found", "not-authorized-for-resource"], harness.StatusNow.Warnings.Select(w => w.Type));
        Assert.All(harness.StatusNow.Warnings, w => Assert.StartsWith(harness.Servers[0].BaseUrl + "2/tweets/search/recent", w.Url));
        Assert.Equal(1, harness.Status.ErrorCounts[("x_api", "resource-not-found")]);
        Assert.Equal(1, harness.Status.ErrorCounts[("x_api", "not-authorized-for-resource")]);
        // Warnings about resources the page mentions do not pause the source.
        Assert.Null(harness.StatusNow.Instances[0].PausedUntil);
    }

    [Fact]
    public async Task X_api_usage_cap_beside_data_stores_the_data_then_pauses_the_source_with_the_reason()
    {
        await using var harness = await ScraperHarness.StartAsync(postgres);
        var capped = ScraperHarness.Page([641, 642], "N2")[..^1] + """
            ,"errors": [{"title": "UsageCapExceeded", "detail": "Usage cap exceeded: Monthly product cap",
                         "type": "https://api.x.com/2/problems/usage-capped"}]}
            """;
        harness.Servers[0].Then(ScraperHarness.SearchPath, Respond(200, capped, Json))
            .Otherwise(Respond(200, ScraperHarness.Page([643]), Json));

        harness.Scraper(Sys);

        await AwaitAssertAsync(async () => Assert.Equal([641L, 642], await harness.StoredIdsAsync()), Patience);
        await AwaitAssertAsync(() => Assert.Equal(1, harness.StatusNow.PagesCommitted), Patience);
        var status = harness.StatusNow;
        Assert.Contains("the X API says to stop asking: usage-capped: UsageCapExceeded", status.LastError);
        // Paused for ten times the longest backoff (2 s in the harness) from when the answer came, however long the
        // commit took on a busy machine: not asked again meanwhile.
        Assert.InRange(status.Instances[0].PausedUntil!.Value - harness.Servers[0].Requests[0].At, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(20) + Patience);
        Assert.Single(harness.Servers[0].Requests);
        Assert.Equal(1, harness.Status.ErrorCounts[("x_api", "usage-capped")]);
    }

    /// <summary>Wraps sources so that the n-th fetch, across all of them, throws before it returns a task.</summary>
    private sealed class ThrowsOnce(int call)
    {
        private int _calls;

        public DateTimeOffset? ThrewAt { get; private set; }

        public ISearchSource Wrap(ISearchSource inner) => new Throwing(inner, this);

        private sealed class Throwing(ISearchSource inner, ThrowsOnce owner) : ISearchSource
        {
            public Uri BaseUrl => inner.BaseUrl;

            // Not async: the exception is thrown in the scraper's own receive, not returned as a failed task.
            public Task<FetchOutcome> FetchAsync(SearchRequest request, CancellationToken ct)
            {
                if (Interlocked.Increment(ref owner._calls) == owner.Call)
                {
                    owner.ThrewAt = DateTimeOffset.UtcNow;
                    throw new InvalidOperationException("injected: a source implementation that throws");
                }

                return inner.FetchAsync(request, ct);
            }
        }

        private int Call => call;
    }

    /// <summary>A stage after cleaning that throws (failing the stream) the first time it sees one post, kept or dropped.</summary>
    private sealed class FailsOnce(long postId)
    {
        private int _failed;

        public bool Failed => Volatile.Read(ref _failed) == 1;

        public Flow<PipelineItem, PipelineItem, NotUsed> Stage => Flow.Create<PipelineItem>().Select(item =>
            Id(item) == postId && Interlocked.Exchange(ref _failed, 1) == 0
                ? throw new InvalidOperationException($"injected failure at post {postId}")
                : item);

        private static long? Id(PipelineItem item) => item switch
        {
            PipelineItem.Scored scored => scored.Post.Post.Raw.Id.Value,
            PipelineItem.Dropped dropped => dropped.Post.Id.Value,
            _ => null,
        };
    }
}
