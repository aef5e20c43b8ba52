using System.Text.Json.Serialization;

namespace Pipeline.Host.Dashboard;

/// <param name="TopicId">Null for posts the topic stage has not scored.</param>
public sealed record TopicCount(int? TopicId, string Label, long Posts);

/// <summary>Posts whose sentiment score is in [<see cref="From"/>, <see cref="To"/>) (the last bin includes 1).</summary>
public sealed record HistogramBin(double From, double To, long Posts);

/// <param name="Unscored">Posts in the selection without a sentiment score (not in any bin).</param>
public sealed record SentimentHistogram(IReadOnlyList<HistogramBin> Bins, long Unscored);

/// <summary>One line of a weekly chart; <see cref="Values"/> lines up with the chart's weeks (null: no posts that week).</summary>
public sealed record WeeklyLine(string Key, string Label, IReadOnlyList<double?> Values);

/// <param name="Weeks">Mondays (ISO weeks, UTC), ascending, every week between the first and the last.</param>
/// <param name="Partial">The last week when it has not ended (or the <c>to</c> filter cuts it): its values cover fewer than 7 days.</param>
public sealed record WeeklyChart(IReadOnlyList<DateOnly> Weeks, IReadOnlyList<WeeklyLine> Lines, PartialWeek? Partial = null);

public sealed record DropReasonCount(string Reason, long Posts);

/// <summary>
/// Collected → relevant → stored. Collected counts every post written to the raw table (kept or dropped),
/// relevant those not dropped as <c>not_relevant</c>, stored those kept for reporting.
/// </summary>
public sealed record DropFunnel(long Collected, long Relevant, long Stored, IReadOnlyList<DropReasonCount> Drops);

/// <param name="PostId">As a string: status ids do not fit in a JavaScript number.</param>
public sealed record FeedPost(
    [property: JsonNumberHandling(JsonNumberHandling.WriteAsString)] long PostId,
    string CompanyId,
    string Company,
    DateTimeOffset CreatedAt,
    string Author,
    string Text,
    int? TopicId,
    string? TopicLabel,
    string? SentimentLabel,
    double? SentimentScore,
    string? Url);

public sealed record CompanyOption(string Id, string Name);

public sealed record TopicOption(int Id, string Label);

/// <summary>What the page's filters can choose from, and how often it should poll.</summary>
public sealed record DashboardOptions(
    IReadOnlyList<CompanyOption> Companies,
    IReadOnlyList<TopicOption> Topics,
    DateOnly? FirstDay,
    DateOnly? LastDay,
    long Posts,
    int RefreshMilliseconds,
    int FeedSize);

/// <summary>The unfinished last week of a weekly chart: its posts cover only <see cref="DaysElapsed"/> days of 7.</summary>
public sealed record PartialWeek(DateOnly Week, int DaysElapsed)
{
    /// <summary>
    /// The week starting <paramref name="week"/> seen on <paramref name="today"/> (UTC) through a filter ending on
    /// <paramref name="to"/>: partial while it is running (as <c>reporting.weekly_counts.is_partial</c>, Sunday
    /// included) or when <paramref name="to"/> ends it before its Sunday; null when it is whole.
    /// </summary>
    public static PartialWeek? Of(DateOnly week, DateOnly today, DateOnly? to = null)
    {
        var running = today < week.AddDays(7);
        var cut = to is { } t && t < week.AddDays(6);
        if (!running && !cut)
        {
            return null;
        }

        var lastDay = to is { } end && end < today ? end : today;
        return new PartialWeek(week, Math.Clamp(lastDay.DayNumber - week.DayNumber + 1, 0, 7));
    }
}

/// <summary>One topic's share of an alert's excess, as the detector wrote it (largest excess first).</summary>
public sealed record AlertTopic(int? TopicId, double Observed, double Expected);

/// <summary>One row of <c>reporting.alerts</c>.</summary>
/// <param name="CompanyId">Null for alerts about all companies (emerging topics, unclassified growth).</param>
/// <param name="Ratio">Observed over expected; null when nothing was expected.</param>
public sealed record Alert(
    long AlertId,
    string Signal,
    string Severity,
    string Status,
    string? CompanyId,
    string? Company,
    string? Industry,
    string? Country,
    int? TopicId,
    string? TopicLabel,
    DateTimeOffset OpenedAt,
    DateTimeOffset WindowStart,
    DateTimeOffset WindowEnd,
    double Observed,
    double Expected,
    double? Ratio,
    double? PValue,
    double? NegativeShare,
    double? BaselineNegativeShare,
    string Baseline,
    string Summary,
    IReadOnlyList<AlertTopic> Topics,
    double PeakObserved,
    string OpenedSeverity,
    DateTimeOffset LastSeenAt,
    DateTimeOffset? EscalatedAt,
    DateTimeOffset? ResolvedAt)
{
    /// <summary>Signals about a topic rather than a company's whole volume: their posts are those of the alert's topics.</summary>
    public bool IsTopicAlert => Signal is "emerging_topic" or "unclassified_growth";
}

/// <summary>
/// The posts behind an alert: those of its company (all companies when it has none) created in
/// [window start, window end), in its topics when it is a topic alert, newest first, at most <see cref="Limit"/>.
/// </summary>
public sealed record AlertPosts(Alert Alert, IReadOnlyList<FeedPost> Posts, int Limit);

/// <summary>Posts per UTC hour of the selection, the last 72 hours up to the current hour; arrays line up with <see cref="Hours"/>.</summary>
public sealed record HourlyVolume(IReadOnlyList<DateTimeOffset> Hours, IReadOnlyList<long> Posts, IReadOnlyList<long> NegativePosts);

public sealed record ShareOfVoiceWeek(DateOnly Week, bool IsPartial, int DaysElapsed);

/// <summary>A company's (or an industry's) weekly shares, lined up with <see cref="ShareOfVoice.Weeks"/>; null where the week has no (negative) post.</summary>
public sealed record ShareOfVoiceLine(
    string Key,
    string Label,
    string? Industry,
    IReadOnlyList<long> Posts,
    IReadOnlyList<long> NegativePosts,
    IReadOnlyList<double?> ShareOfPosts,
    IReadOnlyList<double?> ShareOfNegative);

/// <summary>Each company's share of all posts and of negative posts per ISO week, and the same per industry.</summary>
public sealed record ShareOfVoice(IReadOnlyList<ShareOfVoiceWeek> Weeks, IReadOnlyList<ShareOfVoiceLine> Companies, IReadOnlyList<ShareOfVoiceLine> Industries);

/// <summary>One row of <c>reporting.topic_growth</c> (last 7 days against the 28 before), with the open emerging-topic alert on it if any.</summary>
public sealed record TopicGrowth(
    int TopicId,
    string Label,
    long RecentPosts,
    long BaselinePosts,
    double? RecentShare,
    double? BaselineShare,
    double? Growth,
    long? OpenAlertId);

/// <summary>The Unclassified topic's weekly share of all posts (lined up with <see cref="Weeks"/>) and whether it grows.</summary>
/// <param name="Growing">Its last-7-days share is above its share in the 28 days before, or an unclassified_growth alert is open.</param>
public sealed record UnclassifiedTrend(IReadOnlyList<DateOnly> Weeks, IReadOnlyList<double?> Shares, TopicGrowth? Growth, bool Growing, long? OpenAlertId);

/// <param name="Topics">Topics whose recent share grew (growth above 1, or new), largest growth first.</param>
public sealed record EmergingTopics(IReadOnlyList<TopicGrowth> Topics, UnclassifiedTrend Unclassified);

/// <summary>
/// One company in the sentiment table: its mean score in <see cref="CompanyTable.Week"/> (weighted by posts), against the
/// mean over the 4 weeks before it.
/// </summary>
/// <param name="Sparkline">Weekly mean scores of the 8 weeks up to <see cref="CompanyTable.Week"/> (null: no scored post).</param>
public sealed record CompanyRow(
    string CompanyId,
    string Company,
    double? Score,
    double? Baseline,
    double? Change,
    long Posts,
    long NegativePosts,
    double? NegativeShare,
    IReadOnlyList<double?> Sparkline);

/// <param name="Week">The last week with posts in the selection; <paramref name="Partial"/> says whether it is still running.</param>
public sealed record CompanyTable(DateOnly? Week, PartialWeek? Partial, IReadOnlyList<DateOnly> Weeks, IReadOnlyList<CompanyRow> Rows);
