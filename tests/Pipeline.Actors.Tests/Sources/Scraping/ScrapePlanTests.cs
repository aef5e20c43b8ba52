using Pipeline.Actors.Graph;
using Pipeline.Actors.Sources.Scraping;
using Pipeline.Models.Domain;

namespace Pipeline.Actors.Tests.Sources.Scraping;

public sealed class ScrapePlanTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly ScrapeSchedule Schedule = new(Now.AddDays(-14), TimeSpan.FromDays(7), TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(2));
    private static readonly Company Company = ScraperHarness.Northwind;

    private static SourceItem Post(long id) => new SourceItem.Post(
        new RawPost(new PostId(id), Company.Id, PostSource.Nitter, null, "ada", "northwind bank", Now, 0, 0, 0, 0, null, null, false, false, Now),
        $"test:{id}");

    [Fact]
    public void Backfill_walks_weekly_windows_from_the_oldest_to_now_then_polls_live()
    {
        var checkpoint = ScrapeCheckpoint.Start(Schedule);

        var first = ScrapePlan.NextRequest(checkpoint, Company, Schedule, Now);
        Assert.Equal((Now.AddDays(-14), Now.AddDays(-7)), (first.Since!.Value, first.Until!.Value));

        var afterFirst = ScrapePlan.AfterPage(checkpoint, first, [Post(1)], null, Schedule, Now);
        var second = ScrapePlan.NextRequest(afterFirst.Next, Company, Schedule, Now);
        Assert.Equal((Now.AddDays(-7), Now), (second.Since!.Value, second.Until!.Value));
        Assert.Equal(Schedule.RequestInterval, afterFirst.Delay);

        var afterSecond = ScrapePlan.AfterPage(afterFirst.Next, second, [Post(5)], null, Schedule, Now.AddSeconds(3));
        Assert.True(afterSecond.Next.Live);
        Assert.Equal(5, afterSecond.Next.PollFloor);
        Assert.Equal(Schedule.PollInterval, afterSecond.Delay);
    }

    [Fact]
    public void Next_cursor_stays_in_the_same_window()
    {
        var checkpoint = ScrapeCheckpoint.Start(Schedule);
        var request = ScrapePlan.NextRequest(checkpoint, Company, Schedule, Now);

        var step = ScrapePlan.AfterPage(checkpoint, request, [Post(1), Post(2)], "C2", Schedule, Now);

        Assert.Equal("C2", step.Next.Cursor);
        Assert.Equal(checkpoint.WindowStart, step.Next.WindowStart);
        Assert.Equal(2, step.Next.NewestId);
        Assert.Equal("C2", ScrapePlan.NextRequest(step.Next, Company, Schedule, Now).Cursor);
    }

    [Fact]
    public void Same_cursor_twice_is_a_loop_and_closes_the_window()
    {
        var checkpoint = ScrapeCheckpoint.Start(Schedule) with { Cursor = "C7" };
        var request = ScrapePlan.NextRequest(checkpoint, Company, Schedule, Now);

        var step = ScrapePlan.AfterPage(checkpoint, request, [Post(3)], "C7", Schedule, Now);

        Assert.True(step.CursorLoop);
        Assert.Null(step.Next.Cursor);
        Assert.Equal(Now.AddDays(-7), step.Next.WindowStart);
    }

    [Fact]
    public void Live_poll_stops_paging_once_it_reaches_posts_already_committed()
    {
        var live = new ScrapeCheckpoint(Now, null, 100, true, 100, 9);
        var request = ScrapePlan.NextRequest(live, Company, Schedule, Now);
        Assert.Equal(new PostId(100), request.SinceId);

        var fresh = ScrapePlan.AfterPage(live, request, [Post(130), Post(120)], "N1", Schedule, Now);
        Assert.Equal("N1", fresh.Next.Cursor);
        Assert.Equal(100, fresh.Next.PollFloor);

        var reached = ScrapePlan.AfterPage(fresh.Next, request with { Cursor = "N1" }, [Post(110), Post(100)], "N2", Schedule, Now);
        Assert.Null(reached.Next.Cursor);
        Assert.Equal(130, reached.Next.PollFloor);
        Assert.Equal(Schedule.PollInterval, reached.Delay);
    }

    [Fact]
    public void Paused_instances_are_skipped_until_their_time_comes()
    {
        var pool = InstancePool.Of([new Uri("http://a/"), new Uri("http://b/")])
            .Paused(0, Now.AddMinutes(5), "rate limited");

        Assert.Equal(1, pool.Pick(Now).Index);
        var allPaused = pool.Paused(1, Now.AddMinutes(2), "500");
        Assert.Equal((null, Now.AddMinutes(2)), allPaused.Pick(Now));
        Assert.Equal(1, allPaused.Pick(Now.AddMinutes(3)).Index);
    }

    [Fact]
    public void Backoff_doubles_per_failure_within_its_jitter_and_cap()
    {
        var backoff = new RetryBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
        var random = new Random(3);

        Assert.InRange(backoff.For(1, random).TotalSeconds, 0.75, 1.25);
        Assert.InRange(backoff.For(3, random).TotalSeconds, 3, 5);
        Assert.InRange(backoff.For(30, random).TotalSeconds, 7.5, 12.5);
    }
}
