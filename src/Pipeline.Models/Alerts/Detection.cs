namespace Pipeline.Models.Alerts;

/// <summary>
/// One series the detector reads: a company's posts, optionally narrowed to one topic.
/// </summary>
/// <param name="CompanyId">The company id; for whole-corpus series (emerging topics) any fixed id the loader uses per company.</param>
/// <param name="TopicId">Null = all the company's posts; <see cref="Topics.TopicDecision.UnclassifiedId"/> (-1) = its Unclassified posts.</param>
public readonly record struct SeriesKey(string CompanyId, int? TopicId);

/// <summary>One topic behind a company-level detection, with its own observed and expected counts.</summary>
public sealed record TopicContribution(int? TopicId, double Observed, double Expected);

/// <summary>
/// Something unusual the detector saw at one check. <see cref="IncidentKey"/> groups detections of
/// successive checks into one incident (one per company per signal, or per topic for emerging topics).
/// </summary>
/// <param name="Observed">Posts in the window (volume), negative posts (negative shift), or the topic's share of posts (emerging/unclassified).</param>
/// <param name="Expected">The same quantity the baseline predicts.</param>
/// <param name="PValue">Upper-tail probability of seeing at least <paramref name="Observed"/> if the baseline held.</param>
/// <param name="Baseline">A short human description of the baseline used (e.g. "hour-of-week x 24h level").</param>
/// <param name="Topics">Topics behind a company detection, largest excess first; empty when topics are unknown.</param>
public sealed record Detection(
    AlertSignal Signal,
    string IncidentKey,
    string? CompanyId,
    int? TopicId,
    AlertSeverity Severity,
    DateTimeOffset WindowStart,
    DateTimeOffset WindowEnd,
    double Observed,
    double Expected,
    double PValue,
    double? NegativeShare,
    double? BaselineNegativeShare,
    string Baseline,
    IReadOnlyList<TopicContribution> Topics);
