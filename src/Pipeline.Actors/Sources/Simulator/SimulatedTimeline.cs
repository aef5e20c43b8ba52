using Pipeline.Models.Domain;

namespace Pipeline.Actors.Sources.Simulator;

/// <summary>
/// The simulated conversation as a searchable timeline: at time T it holds every item that
/// appeared from the backlog's start up to T, so "when a post appeared" is well defined.
/// Minutes are generated once, as time reaches them, and kept per company in id order.
/// </summary>
public sealed class SimulatedTimeline
{
    private readonly ConversationGenerator _generator;
    private readonly Dictionary<CompanyId, List<SimulatedPost>> _byCompany;
    private readonly Lock _lock = new();
    private long _nextMinute;

    public SimulatedTimeline(ConversationGenerator generator)
    {
        _generator = generator;
        _byCompany = generator.Companies.ToDictionary(c => c.Id, _ => new List<SimulatedPost>());
        _nextMinute = ConversationGenerator.MinuteOf(generator.Settings.Start);
    }

    public ConversationGenerator Generator => _generator;

    /// <summary>
    /// A search result page: the company's items newest first, appearing in [<paramref name="since"/>,
    /// <paramref name="until"/>), at or before <paramref name="now"/>, older than <paramref name="beforeId"/>.
    /// </summary>
    public IReadOnlyList<SimulatedPost> Page(CompanyId company, DateTimeOffset? since, DateTimeOffset? until, long? beforeId,
        DateTimeOffset now, int size)
    {
        var start = _generator.Settings.Start;
        var lower = ConversationGenerator.IdAt(since is { } s && s > start ? s : start);
        var upper = ConversationGenerator.IdAt(now.AddMilliseconds(1));
        if (until is { } u)
        {
            upper = Math.Min(upper, ConversationGenerator.IdAt(u));
        }

        if (beforeId is { } before)
        {
            upper = Math.Min(upper, before);
        }

        lock (_lock)
        {
            GenerateThrough(now);
            if (!_byCompany.TryGetValue(company, out var posts))
            {
                return [];
            }

            // Index of the first item at or above the upper bound; the page walks down from just below it.
            var low = 0;
            var high = posts.Count;
            while (low < high)
            {
                var mid = (low + high) / 2;
                if (posts[mid].TimelineId < upper)
                {
                    low = mid + 1;
                }
                else
                {
                    high = mid;
                }
            }

            var page = new List<SimulatedPost>(Math.Min(size, 64));
            for (var i = low - 1; i >= 0 && page.Count < size && posts[i].TimelineId >= lower; i--)
            {
                page.Add(posts[i]);
            }

            return page;
        }
    }

    /// <summary>Generates every minute up to the one <paramref name="now"/> falls in (items after now stay hidden by <see cref="Page"/>).</summary>
    public void GenerateThrough(DateTimeOffset now)
    {
        lock (_lock)
        {
            var last = ConversationGenerator.MinuteOf(now);
            for (; _nextMinute <= last; _nextMinute++)
            {
                foreach (var post in _generator.Minute(_nextMinute))
                {
                    foreach (var company in post.Companies)
                    {
                        _byCompany[company].Add(post);
                    }
                }
            }
        }
    }
}
