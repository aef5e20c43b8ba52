using Pipeline.Actors.Graph;
using Pipeline.Models.Domain;

namespace Pipeline.Actors.Sources.Scraping;

/// <summary>How one scraper walks its source.</summary>
/// <param name="BackfillFrom">Oldest post time to collect; the backfill walks from here to now in windows.</param>
/// <param name="Window">Backfill window length (the original scraped in weekly windows).</param>
/// <param name="PollInterval">Wait between live polls once the backfill has reached now.</param>
/// <param name="RequestInterval">Politeness: the shortest wait between two requests of one scraper.</param>
public sealed record ScrapeSchedule(DateTimeOffset BackfillFrom, TimeSpan Window, TimeSpan PollInterval, TimeSpan RequestInterval);

/// <summary>
/// Where a scraper is, persisted after every committed page: replaying it after a crash
/// resumes at the first page not yet committed.
/// </summary>
/// <param name="WindowStart">Start of the backfill window being read; ignored once <paramref name="Live"/>.</param>
/// <param name="Cursor">Next page of the current window or poll; null for its first page.</param>
/// <param name="NewestId">Newest post id committed so far.</param>
/// <param name="PollFloor">Newest id when the current live poll began: paging stops on reaching it.</param>
public sealed record ScrapeCheckpoint(DateTimeOffset WindowStart, string? Cursor, long? NewestId, bool Live, long? PollFloor, long Pages)
{
    public static ScrapeCheckpoint Start(ScrapeSchedule schedule) => new(schedule.BackfillFrom, null, null, false, null, 0);
}

/// <summary>The checkpoint after a page, and how long to wait before the next request.</summary>
/// <param name="CursorLoop">The source returned the cursor it was asked with: treated as the end of the results.</param>
public sealed record PlanStep(ScrapeCheckpoint Next, TimeSpan Delay, bool CursorLoop);

/// <summary>The scraper's decisions as pure functions of its checkpoint, the page it got and the time.</summary>
public static class ScrapePlan
{
    public static SearchRequest NextRequest(ScrapeCheckpoint checkpoint, Company company, ScrapeSchedule schedule, DateTimeOffset now)
    {
        if (checkpoint.Live)
        {
            return new SearchRequest(company, null, null, checkpoint.Cursor,
                checkpoint.PollFloor is { } floor ? new PostId(floor) : null);
        }

        var until = Min(checkpoint.WindowStart + schedule.Window, now);
        return new SearchRequest(company, checkpoint.WindowStart, until, checkpoint.Cursor, null);
    }

    public static PlanStep AfterPage(
        ScrapeCheckpoint checkpoint, SearchRequest request, IReadOnlyList<SourceItem> items, string? nextCursor,
        ScrapeSchedule schedule, DateTimeOffset now)
    {
        var ids = items.OfType<SourceItem.Post>().Select(p => p.Raw.Id.Value).ToList();
        var newest = ids.Count == 0 ? checkpoint.NewestId : Math.Max(checkpoint.NewestId ?? long.MinValue, ids.Max());
        var loop = nextCursor is not null && nextCursor == request.Cursor;
        var more = nextCursor is not null && !loop;
        var pages = checkpoint.Pages + 1;

        if (!checkpoint.Live)
        {
            if (more)
            {
                return new PlanStep(checkpoint with { Cursor = nextCursor, NewestId = newest, Pages = pages }, schedule.RequestInterval, loop);
            }

            // A window ending within a poll interval of now is the last one: the first live poll,
            // which pages back to the newest committed post, covers whatever came after it.
            var windowEnd = request.Until ?? now;
            var lastWindow = windowEnd + schedule.PollInterval >= now;
            return lastWindow
                ? new PlanStep(new ScrapeCheckpoint(windowEnd, null, newest, true, newest, pages), schedule.PollInterval, loop)
                : new PlanStep(checkpoint with { WindowStart = windowEnd, Cursor = null, NewestId = newest, Pages = pages },
                    schedule.RequestInterval, loop);
        }

        // Live results come newest first; a page that reaches posts already committed ends the poll.
        var reachedKnown = checkpoint.PollFloor is { } floor && ids.Any(id => id <= floor);
        return more && !reachedKnown && ids.Count > 0
            ? new PlanStep(checkpoint with { Cursor = nextCursor, NewestId = newest, Pages = pages }, schedule.RequestInterval, loop)
            : new PlanStep(checkpoint with { Cursor = null, NewestId = newest, PollFloor = newest, Pages = pages }, schedule.PollInterval, loop);
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
