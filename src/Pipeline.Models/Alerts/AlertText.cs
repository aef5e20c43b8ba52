using System.Globalization;

namespace Pipeline.Models.Alerts;

/// <summary>One plain sentence per detection, for webhooks and the dashboard.</summary>
public static class AlertText
{
    /// <summary>
    /// e.g. "GTBank: 48 posts in the last 15 min, 5.3x the 9 expected (mostly App outage); 81% negative".
    /// <paramref name="companyName"/> is ignored for corpus-wide signals (emerging topic, unclassified growth).
    /// </summary>
    public static string Describe(Detection d, string companyName, Func<int?, string> topicLabel)
    {
        var c = CultureInfo.InvariantCulture;
        var span = Span(d.WindowEnd - d.WindowStart);
        switch (d.Signal)
        {
            case AlertSignal.VolumeSpike:
            {
                var about = d.TopicId is null ? "" : $" about {topicLabel(d.TopicId)}";
                var mostly = d.TopicId is null && d.Topics.Count > 0 ? $" (mostly {topicLabel(d.Topics[0].TopicId)})" : "";
                var negative = d.NegativeShare is { } n ? string.Create(c, $"; {n * 100:0}% negative") : "";
                return string.Create(c, $"{companyName}: {d.Observed:0} posts{about} in the last {span}, {d.Observed / d.Expected:0.0}x the {d.Expected:0} expected{mostly}{negative}");
            }
            case AlertSignal.NegativeShift:
                return string.Create(c,
                    $"{companyName}: {d.NegativeShare * 100:0}% of {d.Observed / d.NegativeShare:0} posts in the last {span} are negative, against {d.BaselineNegativeShare * 100:0}% usually");
            case AlertSignal.EmergingTopic:
                return string.Create(c,
                    $"Emerging topic {topicLabel(d.TopicId)}: {d.Observed * 100:0.0}% of posts in the last {span}, {d.Observed / d.Expected:0.0}x its {d.Expected * 100:0.0}% share before");
            case AlertSignal.UnclassifiedGrowth:
                return string.Create(c,
                    $"Unclassified posts: {d.Observed * 100:0.0}% of posts in the last {span}, up from {d.Expected * 100:0.0}% before; the topic model may need retraining");
            default:
                throw new ArgumentOutOfRangeException(nameof(d), d.Signal, "Unknown alert signal.");
        }
    }

    private static string Span(TimeSpan t) =>
        t.TotalDays >= 1 ? $"{t.TotalDays:0} days"
        : t.TotalHours >= 1 ? (t.TotalHours == 1 ? "hour" : $"{t.TotalHours:0.#} h")
        : $"{t.TotalMinutes:0} min";
}
