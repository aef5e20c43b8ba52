using Pipeline.Models.Alerts;

namespace Pipeline.Models.Tests.Alerts;

/// <summary>
/// Deterministic posting histories for the alert tests: each series gets exactly its expected rate,
/// rounded with a carry, so a test's expectation is arithmetic rather than luck.
/// </summary>
internal sealed class HistoryBuilder
{
    public static readonly DateTimeOffset Start = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero); // a Monday

    private readonly int _minutes;
    private readonly Dictionary<SeriesKey, (int[] Posts, int[] Negatives)> _leaves = new();

    public HistoryBuilder(int days) => _minutes = days * 1440;

    public DateTimeOffset End => Start.AddMinutes(_minutes);

    /// <summary>A series posting <paramref name="perHour"/>(t) posts an hour, a fixed share of them negative.</summary>
    public HistoryBuilder Series(string company, int? topic, Func<DateTimeOffset, double> perHour, double negativeShare = 0.2)
    {
        var posts = new int[_minutes];
        var negatives = new int[_minutes];
        double carry = 0, negativeCarry = 0;
        for (var m = 0; m < _minutes; m++)
        {
            carry += perHour(Start.AddMinutes(m)) / 60;
            posts[m] = (int)Math.Floor(carry + 1e-9);
            carry -= posts[m];
            negativeCarry += posts[m] * negativeShare;
            negatives[m] = (int)Math.Floor(negativeCarry + 1e-9);
            negativeCarry -= negatives[m];
        }
        _leaves[new SeriesKey(company, topic)] = (posts, negatives);
        return this;
    }

    public HistoryBuilder Flat(string company, int? topic, double perHour, double negativeShare = 0.2) =>
        Series(company, topic, _ => perHour, negativeShare);

    /// <summary>Adds <paramref name="perMinute"/> posts (and negatives) a minute to a series for a while.</summary>
    public HistoryBuilder Burst(string company, int? topic, DateTimeOffset from, int minutes, int perMinute, int negativesPerMinute = 0)
    {
        var (posts, negatives) = _leaves[new SeriesKey(company, topic)];
        var first = (int)(from - Start).TotalMinutes;
        for (var m = first; m < first + minutes; m++)
        {
            posts[m] += perMinute;
            negatives[m] += negativesPerMinute;
        }
        return this;
    }

    /// <summary>
    /// The history as the live loader would give it (company totals summed from topic series where a
    /// company has them), holding every minute; callers move Now with AdvanceTo.
    /// </summary>
    public AlertHistory Build(DateTimeOffset now)
    {
        var history = new AlertHistory(now, Start, Start);
        var totals = new Dictionary<string, (int[] Posts, int[] Negatives)>();
        foreach (var (key, (posts, negatives)) in _leaves)
        {
            if (key.TopicId is not null)
            {
                if (!totals.TryGetValue(key.CompanyId, out var t)) totals[key.CompanyId] = t = (new int[_minutes], new int[_minutes]);
                for (var m = 0; m < _minutes; m++)
                {
                    t.Posts[m] += posts[m];
                    t.Negatives[m] += negatives[m];
                }
            }
            Add(history, key, posts, negatives);
        }
        foreach (var (company, (posts, negatives)) in totals)
            Add(history, new SeriesKey(company, null), posts, negatives);
        return history;
    }

    private static void Add(AlertHistory history, SeriesKey key, int[] posts, int[] negatives)
    {
        int hourPosts = 0, hourNegatives = 0;
        for (var m = 0; m < posts.Length; m++)
        {
            if (posts[m] != 0 || negatives[m] != 0) history.AddMinute(key, Start.AddMinutes(m), posts[m], negatives[m]);
            hourPosts += posts[m];
            hourNegatives += negatives[m];
            if (m % 60 != 59) continue;
            history.AddHourly(key, Start.AddMinutes(m - 59), hourPosts, hourNegatives);
            hourPosts = hourNegatives = 0;
        }
    }

    /// <summary>Runs the spike detector at every minute in [from, to) and returns what each check found.</summary>
    public static List<(DateTimeOffset Now, IReadOnlyList<Detection> Detections)> Checks(AlertHistory history, AlertRules rules, DateTimeOffset from, DateTimeOffset to)
    {
        var checks = new List<(DateTimeOffset, IReadOnlyList<Detection>)>();
        for (var now = from; now < to; now = now.AddMinutes(1))
        {
            history.AdvanceTo(now);
            checks.Add((now, SpikeDetector.Detect(history, rules)));
        }
        return checks;
    }
}
