namespace Pipeline.Models.Alerts;

/// <summary>
/// Relative posting rate per hour of the week (or of the day, or flat), pooled over all companies'
/// totals: the customers are the same people on the same clock, and pooling gives even a small
/// company a profile from thousands of posts. Only the shape matters: a level is posts divided by
/// the sum of factors over the same hours, so the scale cancels.
/// </summary>
internal sealed class SeasonalProfile
{
    // Shrinks a slot toward its parent (flat for hour-of-day, hour-of-day for hour-of-week) with the
    // weight of this many posts, so a slot seen in few, quiet hours does not swing the expectation.
    private const double PriorPosts = 20;
    private static readonly SeasonalProfile FlatProfile = new([1.0], "flat");

    private readonly double[] _factors;

    private SeasonalProfile(double[] factors, string name)
    {
        _factors = factors;
        Name = name;
    }

    /// <summary>"hour-of-week", "hour-of-day" or "flat", for a detection's Baseline text.</summary>
    public string Name { get; }

    /// <summary>Factor of one absolute UTC hour (hours since 0001-01-01).</summary>
    public double Factor(long hour) => _factors[(int)(hour % _factors.Length)];

    /// <summary>Sum of factors over absolute minutes [from, to), hours cut by the ends counted pro rata (posts within an hour assumed uniform).</summary>
    public double Hours(long fromMinute, long toMinute)
    {
        var sum = 0.0;
        for (var h = fromMinute / 60; h * 60 < toMinute; h++)
        {
            var overlap = Math.Min(toMinute, (h + 1) * 60) - Math.Max(fromMinute, h * 60);
            sum += Factor(h) * overlap / 60.0;
        }
        return sum;
    }

    /// <summary>The profile for checks in the hour before <paramref name="endHour"/>, cached per hour.</summary>
    public static SeasonalProfile For(AlertHistory history, long endHour, int weeks)
    {
        if (history.ProfileCache.TryGetValue(endHour, out var cached)) return cached;
        if (history.ProfileCache.Count > 4) history.ProfileCache.Clear();
        var profile = Build(history.PooledTotals, history.HourlyStartHour, endHour, weeks);
        history.ProfileCache[endHour] = profile;
        return profile;
    }

    private static SeasonalProfile Build(AlertHistory.Counts pooled, long startHour, long endHour, int weeks)
    {
        // Index range of complete hours within the lookback, starting at the first hour with posts
        // (a loader's start may predate the data, and leading zeros are not a quiet season).
        var to = (int)Math.Min(endHour - startHour, pooled.Length);
        var from = (int)Math.Max(0, endHour - startHour - weeks * 168L);
        while (from < to && pooled.RawPosts(from) == 0) from++;
        var hours = to - from;
        if (hours < 48) return FlatProfile;
        double total = 0;
        for (var i = from; i < to; i++) total += pooled.RawPosts(i);
        if (total < 100) return FlatProfile;
        var mean = total / hours;

        var parent = new double[24];
        Array.Fill(parent, 1.0);
        var daily = Slots(pooled, startHour, from, to, 24, mean, parent);
        if (hours < 2 * 168) return new SeasonalProfile(daily, "hour-of-day");
        var weeklyParent = new double[168];
        for (var s = 0; s < 168; s++) weeklyParent[s] = daily[s % 24];
        return new SeasonalProfile(Slots(pooled, startHour, from, to, 168, mean, weeklyParent), "hour-of-week");
    }

    private static double[] Slots(AlertHistory.Counts pooled, long startHour, int from, int to, int period, double mean, double[] parent)
    {
        var sum = new double[period];
        var max = new double[period];
        var cycles = new int[period];
        for (var i = from; i < to; i++)
        {
            var slot = (int)((startHour + i) % period);
            var v = (double)pooled.RawPosts(i);
            sum[slot] += v;
            max[slot] = Math.Max(max[slot], v);
            cycles[slot]++;
        }
        var raw = new double[period];
        for (var s = 0; s < period; s++)
        {
            // Leaving out each slot's busiest cycle keeps one past incident from raising that hour's
            // expectation for weeks; every slot loses its top, so the shape is barely biased.
            var n = cycles[s];
            var posts = sum[s];
            if (n >= 3)
            {
                posts -= max[s];
                n--;
            }
            raw[s] = (posts + PriorPosts * parent[s]) / (n * mean + PriorPosts);
        }
        // Circular [1/4, 1/2, 1/4] smoothing: an hour's rate is close to its neighbours', and it
        // halves the noise of a slot seen only four times.
        var smooth = new double[period];
        for (var s = 0; s < period; s++)
            smooth[s] = 0.25 * raw[(s + period - 1) % period] + 0.5 * raw[s] + 0.25 * raw[(s + 1) % period];
        var avg = smooth.Average();
        for (var s = 0; s < period; s++) smooth[s] = Math.Max(smooth[s] / avg, 0.02);
        return smooth;
    }
}
