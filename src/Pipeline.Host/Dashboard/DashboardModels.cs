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
public sealed record WeeklyChart(IReadOnlyList<DateOnly> Weeks, IReadOnlyList<WeeklyLine> Lines);

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
