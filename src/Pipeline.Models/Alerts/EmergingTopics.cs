using Pipeline.Models.Topics;

namespace Pipeline.Models.Alerts;

/// <summary>
/// Topics whose share of all posts (summed over companies) in the last
/// <see cref="AlertRules.EmergingWindow"/> of complete hours is well above their share in the
/// <see cref="AlertRules.EmergingBaselineWindow"/> before it; and growth of the Unclassified share,
/// which says the topic model no longer covers what people write about.
/// </summary>
/// <remarks>
/// Shares rather than counts, so a week that is busier overall does not make every topic emerge.
/// Observed/Expected of a detection are the recent and baseline shares; its Topics entry carries
/// the counts (posts in the recent span, and what the baseline share predicts of them).
/// </remarks>
public static class EmergingTopics
{
    /// <summary>Emerging topics (one detection per topic) and Unclassified growth, judged on complete hours before Now.</summary>
    public static IReadOnlyList<Detection> Detect(AlertHistory history, AlertRules rules)
    {
        var end = history.EndHour;
        var recentFrom = end - (long)Math.Round(rules.EmergingWindow.TotalHours);
        var baseFrom = recentFrom - (long)Math.Round(rules.EmergingBaselineWindow.TotalHours);
        // A baseline shorter than the recent span says too little about what is usual.
        if (recentFrom - Math.Max(baseFrom, history.HourlyStartHour) < (long)Math.Round(rules.EmergingWindow.TotalHours)) return [];

        double recentTotal = 0, baseTotal = 0;
        var topicRecent = new Dictionary<int, double>();
        var topicBase = new Dictionary<int, double>();
        foreach (var key in history.Keys)
        {
            history.TryGet(key, out var series);
            var recent = history.HourSum(series, recentFrom, end).Posts;
            var baseline = history.HourSum(series, baseFrom, recentFrom).Posts;
            if (key.TopicId is not { } topic)
            {
                recentTotal += recent;
                baseTotal += baseline;
                continue;
            }
            topicRecent[topic] = topicRecent.GetValueOrDefault(topic) + recent;
            topicBase[topic] = topicBase.GetValueOrDefault(topic) + baseline;
        }
        if (recentTotal <= 0 || baseTotal <= 0) return [];

        var windowStart = AlertHistory.FromHour(recentFrom);
        var windowEnd = AlertHistory.FromHour(end);
        var baselineText = $"share of all posts, {SpikeDetector.Describe(rules.EmergingWindow)} vs the {SpikeDetector.Describe(rules.EmergingBaselineWindow)} before";
        var detections = new List<Detection>();
        foreach (var (topic, recent) in topicRecent.OrderBy(t => t.Key))
        {
            var share = recent / recentTotal;
            var rawBase = topicBase[topic] / baseTotal;
            if (recent < rules.EmergingMinPosts) continue;
            if (topic == TopicDecision.UnclassifiedId)
            {
                var baseShare = Math.Max(rawBase, rules.EmergingShareFloor);
                if (share < rules.UnclassifiedRatio * baseShare || share - rawBase < rules.UnclassifiedMinShift) continue;
                var p = Tails.BinomialUpper(recent, recentTotal, baseShare);
                if (p > rules.PValue) continue;
                detections.Add(Make(AlertSignal.UnclassifiedGrowth, AlertSignals.Name(AlertSignal.UnclassifiedGrowth), topic, share, baseShare, p, recent, recentTotal));
            }
            else
            {
                var baseShare = Math.Max(rawBase, rules.EmergingShareFloor);
                if (share < rules.EmergingMinShare || share < rules.EmergingFactor * baseShare) continue;
                var p = Tails.BinomialUpper(recent, recentTotal, baseShare);
                if (p > rules.PValue) continue;
                detections.Add(Make(AlertSignal.EmergingTopic, $"{AlertSignals.Name(AlertSignal.EmergingTopic)}:{topic}", topic, share, baseShare, p, recent, recentTotal));
            }
        }
        return detections;

        Detection Make(AlertSignal signal, string key, int topic, double share, double baseShare, double p, double recent, double total) => new(
            signal, key, null, topic, SpikeDetector.SpikeSeverity(share / baseShare, rules), windowStart, windowEnd,
            share, baseShare, p, null, null, baselineText, [new TopicContribution(topic, recent, total * baseShare)]);
    }
}
