using Pipeline.Actors.Sources.Nitter;
using Pipeline.Models.Domain;

namespace Pipeline.Actors.Sources.Simulator;

/// <summary>What the simulated instance answers to one request.</summary>
/// <param name="RetryAfter">For a 429: the Retry-After the answer carries.</param>
/// <param name="Delay">How long to hold the answer back (a slow page).</param>
public sealed record SimulatedResponse(int Status, string Html, TimeSpan? RetryAfter, TimeSpan Delay);

/// <summary>
/// A Nitter instance's <c>/search</c> over the simulated timeline: the query <see cref="NitterSearch"/>
/// builds for a company finds that company's items, newest first, a page at a time, with Nitter's
/// cursors, end markers and error pages. Occasional rate limits and slow pages are decided per
/// request from the seed, so a run with the same seed and the same request order misbehaves the same way.
/// </summary>
public sealed class SimulatedNitter
{
    public const int PageSize = 20;

    private readonly SimulatedTimeline _timeline;
    private readonly SimulatedFaults _faults;
    private readonly int _seed;
    private readonly Dictionary<string, Company> _byQuery;
    private long _requests;

    public SimulatedNitter(SimulatedTimeline timeline, SimulatedFaults faults)
    {
        _timeline = timeline;
        _faults = faults;
        _seed = timeline.Generator.Settings.Seed;
        _byQuery = timeline.Generator.Companies.ToDictionary(NitterSearch.BuildQuery, c => c, StringComparer.OrdinalIgnoreCase);
    }

    public SimulatedTimeline Timeline => _timeline;

    public long Requests => Interlocked.Read(ref _requests);

    /// <param name="query">The request's query parameters (<c>f</c>, <c>q</c>, <c>since</c>, <c>until</c>, <c>cursor</c>).</param>
    public SimulatedResponse Search(Func<string, string?> query, DateTimeOffset now)
    {
        var request = Interlocked.Increment(ref _requests);
        if (Unit(request, 1) < _faults.RateLimitProbability)
        {
            return new SimulatedResponse(429, SimulatedNitterPage.Error(SimulatedNitterPage.RateLimitedMessage), _faults.RateLimitReset, TimeSpan.Zero);
        }

        var delay = Unit(request, 2) < _faults.SlowPageProbability ? _faults.SlowPageDelay : TimeSpan.Zero;
        return Answer(query, now) with { Delay = delay };
    }

    private SimulatedResponse Answer(Func<string, string?> query, DateTimeOffset now)
    {
        var q = query("q");
        if (string.IsNullOrWhiteSpace(q))
        {
            return Error(404, "Invalid search");
        }

        if (query("f") is { } f && f != "tweets")
        {
            return Error(404, "Invalid search");
        }

        if (!TryDay(query("since"), out var since) || !TryDay(query("until"), out var until))
        {
            return Error(404, "Invalid search");
        }

        var cursor = query("cursor");
        long? before = null;
        if (!string.IsNullOrEmpty(cursor))
        {
            before = SimulatedNitterPage.ParseCursor(cursor);
            if (before is null)
            {
                return Error(404, "Invalid search");
            }
        }

        if (!_byQuery.TryGetValue(q.Trim(), out var company))
        {
            // Nobody posts what no company's search asks for.
            return new SimulatedResponse(200, SimulatedNitterPage.NoItemsFound(q), null, TimeSpan.Zero);
        }

        var posts = _timeline.Page(company.Id, since, until, before, now, PageSize);
        if (posts.Count == 0)
        {
            return new SimulatedResponse(200,
                before is null ? SimulatedNitterPage.NoItemsFound(q) : SimulatedNitterPage.NoMoreItems(q), null, TimeSpan.Zero);
        }

        // Like X, the last page of results still carries a cursor; the page after it says "No more items".
        return new SimulatedResponse(200,
            SimulatedNitterPage.Results(q, posts, SimulatedNitterPage.Cursor(posts[^1].TimelineId), before is not null), null, TimeSpan.Zero);
    }

    private static SimulatedResponse Error(int status, string message) =>
        new(status, SimulatedNitterPage.Error(message), null, TimeSpan.Zero);

    private static bool TryDay(string? value, out DateTimeOffset? day)
    {
        day = null;
        if (string.IsNullOrEmpty(value))
        {
            return true;
        }

        if (DateTime.TryParseExact(value, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal, out var parsed))
        {
            day = new DateTimeOffset(parsed, TimeSpan.Zero);
            return true;
        }

        return false;
    }

    private double Unit(long request, long stream)
    {
        var h = ConversationGenerator.Mix(ConversationGenerator.Mix((ulong)_seed ^ 0x5DEECE66DUL) ^ (ulong)request);
        h = ConversationGenerator.Mix(h ^ (ulong)stream);
        return (h >> 11) * (1.0 / (1UL << 53));
    }
}
