namespace Pipeline.Models.Alerts;

/// <summary>
/// Volume spikes and negative-share shifts per company, with topic-level spikes folded into the
/// company's detection. See docs/alerts.md for the method.
/// </summary>
/// <remarks>
/// For each window w ending at Now (whole minutes): observed = posts in the window;
/// expected = level × Σ seasonal factors over the window, floored at <see cref="AlertRules.MinExpected"/>.
/// The level is the series' posts per unit factor over <see cref="AlertRules.LevelWindow"/> of
/// complete hours ending at the hour the window starts in, winsorised so a past incident does not
/// raise it. A window spikes when observed ≥ the min posts, observed ≥ spike-ratio × expected and the
/// negative-binomial upper tail (dispersion + the level's own sampling error) ≤ p-value.
/// </remarks>
public static class SpikeDetector
{
    /// <summary>
    /// At most one detection per company: its volume spike (topics folded in), else its negative shift.
    /// Companies without a company-total series (TopicId null) are skipped.
    /// </summary>
    public static IReadOnlyList<Detection> Detect(AlertHistory history, AlertRules rules)
    {
        var end = history.EndMinute;
        var profile = SeasonalProfile.For(history, history.EndHour, rules.SeasonalWeeks);
        var detections = new List<Detection>();
        foreach (var company in history.Keys.GroupBy(k => k.CompanyId).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var total = new SeriesKey(company.Key, null);
            if (!history.TryGet(total, out var totalSeries)) continue;
            var spike = CompanySpike(history, rules, profile, end, total, totalSeries, company.Where(k => k.TopicId is not null).ToList());
            if (spike is not null)
            {
                detections.Add(spike);
                continue;
            }
            var shift = NegativeShift(history, rules, end, total, totalSeries);
            if (shift is not null) detections.Add(shift);
        }
        return detections;
    }

    private static Detection? CompanySpike(
        AlertHistory history, AlertRules rules, SeasonalProfile profile, long end,
        SeriesKey totalKey, AlertHistory.Series total, List<SeriesKey> topicKeys)
    {
        var company = Best(history, rules, profile, end, total, rules.CompanyMinPosts, rules.Dispersion);
        var topics = new List<(SeriesKey Key, AlertHistory.Series Series, Window Window)>();
        foreach (var key in topicKeys)
        {
            history.TryGet(key, out var series);
            var w = Best(history, rules, profile, end, series, rules.TopicMinPosts, rules.TopicDispersion);
            if (w is not null) topics.Add((key, series, w.Value));
        }
        if (company is null && topics.Count == 0) return null;

        if (company is { } c)
        {
            // Which topics carry the excess: those that spiked themselves, and those with a fifth of
            // the company's excess in the same window.
            var excess = c.Observed - c.Expected;
            var contributions = new List<TopicContribution>();
            foreach (var key in topicKeys)
            {
                history.TryGet(key, out var series);
                var w = Evaluate(history, rules, profile, end, series, c.Minutes, rules.TopicDispersion);
                var spiked = topics.Any(t => t.Key == key);
                if (w is null) continue;
                var own = w.Value.Observed - w.Value.Expected;
                if (spiked || (own >= 3 && own >= 0.2 * excess))
                    contributions.Add(new TopicContribution(key.TopicId, w.Value.Observed, w.Value.Expected));
            }
            contributions.Sort((a, b) => (b.Observed - b.Expected).CompareTo(a.Observed - a.Expected));
            return SpikeDetection(totalKey.CompanyId, null, c, end, profile, rules, NegativeBaseline(history, rules, total, (end - c.Minutes) / 60), contributions);
        }

        topics.Sort((a, b) => (b.Window.Observed - b.Window.Expected).CompareTo(a.Window.Observed - a.Window.Expected));
        var lead = topics[0];
        var list = topics.Select(t => new TopicContribution(t.Key.TopicId, t.Window.Observed, t.Window.Expected)).ToList();
        return SpikeDetection(totalKey.CompanyId, lead.Key.TopicId, lead.Window, end, profile, rules, NegativeBaseline(history, rules, total, (end - lead.Window.Minutes) / 60), list);
    }

    private static Detection SpikeDetection(
        string companyId, int? topicId, Window w, long end, SeasonalProfile profile, AlertRules rules,
        double? baselineShare, IReadOnlyList<TopicContribution> topics) =>
        new(
            AlertSignal.VolumeSpike,
            $"{AlertSignals.Name(AlertSignal.VolumeSpike)}:{companyId}",
            companyId,
            topicId,
            SpikeSeverity(w.Observed / w.Expected, rules),
            AlertHistory.FromMinute(end - w.Minutes),
            AlertHistory.FromMinute(end),
            w.Observed,
            w.Expected,
            w.PValue,
            w.Observed > 0 ? w.Negatives / w.Observed : null,
            baselineShare,
            $"{profile.Name} x {Describe(rules.LevelWindow)} level",
            topics);

    internal static AlertSeverity SpikeSeverity(double ratio, AlertRules rules) =>
        ratio >= rules.CriticalRatio ? AlertSeverity.Critical
        : ratio >= rules.MajorRatio ? AlertSeverity.Major
        : AlertSeverity.Warning;

    /// <summary>The firing window with the highest severity, then the smallest p-value; null if none fires.</summary>
    private static Window? Best(AlertHistory history, AlertRules rules, SeasonalProfile profile, long end, AlertHistory.Series series, int minPosts, double dispersion)
    {
        Window? best = null;
        foreach (var span in rules.Windows)
        {
            var minutes = (int)Math.Round(span.TotalMinutes);
            var w = Evaluate(history, rules, profile, end, series, minutes, dispersion);
            if (w is not { } v || v.Observed < minPosts || v.Observed < rules.SpikeRatio * v.Expected) continue;
            var p = Tails.NegativeBinomialUpper(v.Observed, v.Expected, v.Dispersion);
            if (p > rules.PValue) continue;
            v = v with { PValue = p };
            if (best is not { } b
                || SpikeSeverity(v.Observed / v.Expected, rules) > SpikeSeverity(b.Observed / b.Expected, rules)
                || (SpikeSeverity(v.Observed / v.Expected, rules) == SpikeSeverity(b.Observed / b.Expected, rules) && p < b.PValue))
                best = v;
        }
        return best;
    }

    /// <summary>Observed and expected posts of one series in the window of the last <paramref name="minutes"/> whole minutes.</summary>
    private static Window? Evaluate(AlertHistory history, AlertRules rules, SeasonalProfile profile, long end, AlertHistory.Series series, int minutes, double dispersion)
    {
        var start = end - minutes;
        if (start < history.MinuteStartMinute) return null;
        var level = Level(history, rules, profile, series, start / 60);
        if (level is not { } l) return null;
        var (posts, negatives) = history.MinuteSum(series, start, end);
        var expected = Math.Max(rules.MinExpected, l.Rate * profile.Hours(start, end));
        // Var = mu + (k + 1/N) mu^2: day-to-day overdispersion plus the relative error of a level
        // estimated from N posts, which matters for quiet series.
        return new Window(minutes, posts, negatives, expected, dispersion + 1.0 / (l.Posts + 2), 1.0);
    }

    /// <summary>
    /// A series' deseasonalised posts per hour over the level window of complete hours ending at
    /// <paramref name="endHour"/>. Hours far above the current estimate are capped and the estimate
    /// redone (three rounds), so an incident inside the level window barely raises the level.
    /// </summary>
    private static AlertHistory.Level? Level(AlertHistory history, AlertRules rules, SeasonalProfile profile, AlertHistory.Series series, long endHour)
    {
        var profileHour = history.EndHour;
        if (series.LevelProfileHour != profileHour || series.LevelVersion != history.HourlyVersion)
        {
            series.Levels.Clear();
            series.LevelProfileHour = profileHour;
            series.LevelVersion = history.HourlyVersion;
        }
        if (series.Levels.TryGetValue(endHour, out var cached)) return cached.SeasonalHours > 0 ? cached : null;

        var levelHours = (long)Math.Round(rules.LevelWindow.TotalHours);
        var from = Math.Max(endHour - levelHours, history.HourlyStartHour);
        var hours = endHour - from;
        if (hours < Math.Max(1, levelHours / 4))
        {
            series.Levels[endHour] = default;
            return null;
        }
        Span<double> counts = stackalloc double[(int)hours];
        Span<double> factors = stackalloc double[(int)hours];
        double sumCounts = 0, sumFactors = 0;
        for (var i = 0; i < hours; i++)
        {
            counts[i] = history.HourlyPosts(series, from + i);
            factors[i] = profile.Factor(from + i);
            sumCounts += counts[i];
            sumFactors += factors[i];
        }
        var rate = sumCounts / sumFactors;
        var kept = sumCounts;
        for (var round = 0; round < 3; round++)
        {
            kept = 0;
            for (var i = 0; i < hours; i++)
            {
                var mu = rate * factors[i];
                var cap = mu + 4 * Math.Sqrt(mu + rules.Dispersion * mu * mu) + 2;
                kept += Math.Min(counts[i], cap);
            }
            var next = kept / sumFactors;
            if (Math.Abs(next - rate) < 1e-9) break;
            rate = next;
        }
        var level = new AlertHistory.Level(rate, kept, sumFactors);
        series.Levels[endHour] = level;
        return level;
    }

    /// <summary>
    /// A company's negative share over the trailing week of complete hours before <paramref name="endHour"/>,
    /// shrunk toward all companies' share with the weight of <see cref="AlertRules.NegativePriorPosts"/> posts.
    /// </summary>
    private static double? NegativeBaseline(AlertHistory history, AlertRules rules, AlertHistory.Series series, long endHour)
    {
        var from = endHour - (long)Math.Round(rules.NegativeBaselineWindow.TotalHours);
        var pooled = history.PooledTotals;
        var (poolPosts, poolNegatives) = pooled.Sum(from - history.HourlyStartHour, endHour - history.HourlyStartHour);
        if (poolPosts == 0) return null;
        var prior = (double)poolNegatives / poolPosts;
        var (posts, negatives) = history.HourSum(series, from, endHour);
        return (negatives + rules.NegativePriorPosts * prior) / (posts + rules.NegativePriorPosts);
    }

    private static Detection? NegativeShift(AlertHistory history, AlertRules rules, long end, SeriesKey key, AlertHistory.Series series)
    {
        Detection? best = null;
        foreach (var span in rules.Windows)
        {
            var minutes = (int)Math.Round(span.TotalMinutes);
            var start = end - minutes;
            if (start < history.MinuteStartMinute) continue;
            if (NegativeBaseline(history, rules, series, start / 60) is not { } p0) continue;
            var (posts, negatives) = history.MinuteSum(series, start, end);
            if (negatives < rules.NegativeMinPosts || posts == 0) continue;
            var share = (double)negatives / posts;
            var shift = share - p0;
            if (shift < rules.NegativeMinShift || share < rules.NegativeRatio * p0) continue;
            var p = Tails.BinomialUpper(negatives, posts, p0);
            if (p > rules.NegativePValue) continue;
            var severity = shift >= rules.NegativeCriticalShift ? AlertSeverity.Critical
                : shift >= rules.NegativeMajorShift ? AlertSeverity.Major
                : AlertSeverity.Warning;
            if (best is not null && (severity < best.Severity || (severity == best.Severity && p >= best.PValue))) continue;
            best = new Detection(
                AlertSignal.NegativeShift,
                $"{AlertSignals.Name(AlertSignal.NegativeShift)}:{key.CompanyId}",
                key.CompanyId,
                null,
                severity,
                AlertHistory.FromMinute(start),
                AlertHistory.FromMinute(end),
                negatives,
                posts * p0,
                p,
                share,
                p0,
                $"{Describe(rules.NegativeBaselineWindow)} negative share",
                []);
        }
        return best;
    }

    internal static string Describe(TimeSpan span) =>
        span.TotalDays >= 1 && span.TotalDays % 1 == 0 ? (span.TotalDays == 1 ? "24h" : $"{span.TotalDays:0}d")
        : span.TotalHours >= 1 && span.TotalHours % 1 == 0 ? $"{span.TotalHours:0}h"
        : $"{span.TotalMinutes:0}m";

    private readonly record struct Window(int Minutes, double Observed, double Negatives, double Expected, double Dispersion, double PValue);
}
