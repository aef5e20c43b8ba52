namespace Pipeline.Models.Alerts;

/// <summary>
/// Every alert-detection parameter. HOCON <c>pipeline.alerts.*</c> maps onto it one to one
/// (property <c>SpikeRatio</c> = key <c>spike-ratio</c>); <see cref="Problems"/> names out-of-range keys.
/// The defaults were tuned on the synthetic backtest (<c>alerts-backtest</c>, see docs/alerts.md).
/// </summary>
public sealed record AlertRules
{
    /// <summary>Sliding windows ending at Now (hocon <c>windows</c>). Short ones see a burst within minutes, long ones a slow swell.</summary>
    public IReadOnlyList<TimeSpan> Windows { get; init; } = [TimeSpan.FromMinutes(15), TimeSpan.FromHours(1)];

    /// <summary>How often the detector checks (hocon <c>check-interval</c>); only used to size <see cref="MinuteLookback"/>.</summary>
    public TimeSpan CheckInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Trailing span whose deseasonalised rate is a series' level (hocon <c>level-window</c>).</summary>
    public TimeSpan LevelWindow { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Weeks of pooled history the seasonal profile reads (hocon <c>seasonal-weeks</c>).</summary>
    public int SeasonalWeeks { get; init; } = 4;

    /// <summary>Floor on a window's expected posts, so a quiet series cannot alert on a handful (hocon <c>min-expected</c>).</summary>
    public double MinExpected { get; init; } = 1.0;

    /// <summary>Fewest posts in a window for a company volume spike (hocon <c>company-min-posts</c>).</summary>
    public int CompanyMinPosts { get; init; } = 20;

    /// <summary>Fewest posts in a window for a topic volume spike (hocon <c>topic-min-posts</c>).</summary>
    public int TopicMinPosts { get; init; } = 10;

    /// <summary>Observed must be at least this multiple of expected (hocon <c>spike-ratio</c>).</summary>
    public double SpikeRatio { get; init; } = 2.0;

    /// <summary>Largest upper-tail probability that still counts as a spike (hocon <c>p-value</c>).</summary>
    public double PValue { get; init; } = 5e-4;

    /// <summary>Negative-binomial dispersion k: Var = mu + k mu^2 (hocon <c>dispersion</c>); 0 = Poisson.</summary>
    public double Dispersion { get; init; } = 0.05;

    /// <summary>
    /// Dispersion of topic series (hocon <c>topic-dispersion</c>): a topic's day-to-day swings add to
    /// its company's, so its counts stray further from a level learnt yesterday.
    /// </summary>
    public double TopicDispersion { get; init; } = 0.15;

    /// <summary>Observed/expected ratio from which a spike is major (hocon <c>major-ratio</c>).</summary>
    public double MajorRatio { get; init; } = 4.0;

    /// <summary>Observed/expected ratio from which a spike is critical (hocon <c>critical-ratio</c>).</summary>
    public double CriticalRatio { get; init; } = 8.0;

    /// <summary>Trailing span of a company's baseline negative share (hocon <c>negative-baseline-window</c>).</summary>
    public TimeSpan NegativeBaselineWindow { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Weight, in posts, of the all-company negative share used as a prior for a company's baseline share (hocon <c>negative-prior-posts</c>).</summary>
    public double NegativePriorPosts { get; init; } = 50;

    /// <summary>Fewest negative posts in a window for a negative shift (hocon <c>negative-min-posts</c>).</summary>
    public int NegativeMinPosts { get; init; } = 10;

    /// <summary>Smallest rise of the negative share over baseline, absolute (hocon <c>negative-min-shift</c>).</summary>
    public double NegativeMinShift { get; init; } = 0.2;

    /// <summary>Window negative share must be at least this multiple of baseline (hocon <c>negative-ratio</c>).</summary>
    public double NegativeRatio { get; init; } = 1.5;

    /// <summary>Largest binomial upper-tail probability that still counts as a shift (hocon <c>negative-p-value</c>).</summary>
    public double NegativePValue { get; init; } = 1e-4;

    /// <summary>Negative-share rise from which a shift is major (hocon <c>negative-major-shift</c>).</summary>
    public double NegativeMajorShift { get; init; } = 0.35;

    /// <summary>Negative-share rise from which a shift is critical (hocon <c>negative-critical-shift</c>).</summary>
    public double NegativeCriticalShift { get; init; } = 0.5;

    /// <summary>A spike/negative incident not detected for this long is resolved (hocon <c>cooldown</c>).</summary>
    public TimeSpan Cooldown { get; init; } = TimeSpan.FromHours(2);

    /// <summary>Recent span whose topic shares are compared (hocon <c>emerging-window</c>).</summary>
    public TimeSpan EmergingWindow { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Span before the recent one that gives the baseline share (hocon <c>emerging-baseline-window</c>).</summary>
    public TimeSpan EmergingBaselineWindow { get; init; } = TimeSpan.FromDays(28);

    /// <summary>Recent share must be at least this multiple of the baseline share (hocon <c>emerging-factor</c>).</summary>
    public double EmergingFactor { get; init; } = 2.0;

    /// <summary>Fewest posts of the topic in the recent span (hocon <c>emerging-min-posts</c>).</summary>
    public int EmergingMinPosts { get; init; } = 50;

    /// <summary>Smallest recent share of all posts for an emerging topic (hocon <c>emerging-min-share</c>).</summary>
    public double EmergingMinShare { get; init; } = 0.02;

    /// <summary>Baseline share used when a topic had (almost) none, e.g. a new topic (hocon <c>emerging-share-floor</c>).</summary>
    public double EmergingShareFloor { get; init; } = 0.005;

    /// <summary>Unclassified share must be at least this multiple of its baseline (hocon <c>unclassified-ratio</c>).</summary>
    public double UnclassifiedRatio { get; init; } = 1.5;

    /// <summary>Smallest absolute rise of the Unclassified share (hocon <c>unclassified-min-shift</c>).</summary>
    public double UnclassifiedMinShift { get; init; } = 0.05;

    /// <summary>Emerging-topic and Unclassified incidents not detected for this long are resolved (hocon <c>emerging-cooldown</c>).</summary>
    public TimeSpan EmergingCooldown { get; init; } = TimeSpan.FromDays(7);

    /// <summary>The defaults (tuned on the synthetic backtest).</summary>
    public static AlertRules Default { get; } = new();

    /// <summary>
    /// Hourly history the loader must supply: hours from <c>floor_hour(now - HourlyLookback)</c> up to
    /// and including the current one. The longest reader is the emerging-topic comparison (recent +
    /// baseline span, default 35 days); level and negative baseline end at the hour a window starts in,
    /// hence the longest window and one hour more.
    /// </summary>
    public TimeSpan HourlyLookback
    {
        get
        {
            var longest = new[] { EmergingWindow + EmergingBaselineWindow, TimeSpan.FromDays(7 * SeasonalWeeks), LevelWindow, NegativeBaselineWindow }.Max();
            return longest + LongestWindow + TimeSpan.FromHours(1);
        }
    }

    /// <summary>
    /// Minute history the loader must supply: minutes from <c>floor_minute(now - MinuteLookback)</c> up to
    /// now (the longest window plus one check interval of slack).
    /// </summary>
    public TimeSpan MinuteLookback => LongestWindow + (CheckInterval > TimeSpan.Zero ? CheckInterval : TimeSpan.FromMinutes(1));

    private TimeSpan LongestWindow => Windows.Count == 0 ? TimeSpan.Zero : Windows.Max();

    /// <summary>Out-of-range settings, each named by its kebab-case hocon key; empty when all are usable.</summary>
    public IReadOnlyList<(string Setting, string Message)> Problems()
    {
        var problems = new List<(string, string)>();
        void Check(bool ok, string setting, string message)
        {
            if (!ok) problems.Add((setting, message));
        }
        static bool WholeMinutes(TimeSpan t) => t > TimeSpan.Zero && t.Ticks % TimeSpan.TicksPerMinute == 0;
        static bool WholeHours(TimeSpan t) => t > TimeSpan.Zero && t.Ticks % TimeSpan.TicksPerHour == 0;

        Check(Windows.Count > 0, "windows", "needs at least one window");
        foreach (var w in Windows)
            Check(WholeMinutes(w) && w <= TimeSpan.FromHours(24), "windows", $"{w} must be a whole number of minutes between 1m and 24h");
        Check(WholeMinutes(CheckInterval), "check-interval", "must be a positive whole number of minutes");
        Check(WholeHours(LevelWindow) && LevelWindow <= TimeSpan.FromDays(14), "level-window", "must be whole hours between 1h and 14d");
        Check(SeasonalWeeks is >= 1 and <= 12, "seasonal-weeks", "must be between 1 and 12");
        Check(MinExpected > 0, "min-expected", "must be above 0");
        Check(CompanyMinPosts >= 1, "company-min-posts", "must be at least 1");
        Check(TopicMinPosts >= 1, "topic-min-posts", "must be at least 1");
        Check(SpikeRatio > 1, "spike-ratio", "must be above 1");
        Check(PValue is > 0 and < 1, "p-value", "must be between 0 and 1");
        Check(Dispersion is >= 0 and <= 10, "dispersion", "must be between 0 and 10");
        Check(TopicDispersion is >= 0 and <= 10, "topic-dispersion", "must be between 0 and 10");
        Check(MajorRatio >= SpikeRatio, "major-ratio", "must be at least spike-ratio");
        Check(CriticalRatio >= MajorRatio, "critical-ratio", "must be at least major-ratio");
        Check(WholeHours(NegativeBaselineWindow), "negative-baseline-window", "must be a positive whole number of hours");
        Check(NegativePriorPosts >= 0, "negative-prior-posts", "must not be negative");
        Check(NegativeMinPosts >= 1, "negative-min-posts", "must be at least 1");
        Check(NegativeMinShift is > 0 and < 1, "negative-min-shift", "must be between 0 and 1");
        Check(NegativeRatio >= 1, "negative-ratio", "must be at least 1");
        Check(NegativePValue is > 0 and < 1, "negative-p-value", "must be between 0 and 1");
        Check(NegativeMajorShift >= NegativeMinShift && NegativeMajorShift < 1, "negative-major-shift", "must be at least negative-min-shift and below 1");
        Check(NegativeCriticalShift >= NegativeMajorShift && NegativeCriticalShift < 1, "negative-critical-shift", "must be at least negative-major-shift and below 1");
        Check(Cooldown > TimeSpan.Zero, "cooldown", "must be positive");
        Check(WholeHours(EmergingWindow), "emerging-window", "must be a positive whole number of hours");
        Check(WholeHours(EmergingBaselineWindow), "emerging-baseline-window", "must be a positive whole number of hours");
        Check(EmergingFactor > 1, "emerging-factor", "must be above 1");
        Check(EmergingMinPosts >= 1, "emerging-min-posts", "must be at least 1");
        Check(EmergingMinShare is >= 0 and < 1, "emerging-min-share", "must be between 0 and 1");
        Check(EmergingShareFloor is > 0 and < 1, "emerging-share-floor", "must be between 0 and 1");
        Check(UnclassifiedRatio > 1, "unclassified-ratio", "must be above 1");
        Check(UnclassifiedMinShift is >= 0 and < 1, "unclassified-min-shift", "must be between 0 and 1");
        Check(EmergingCooldown > TimeSpan.Zero, "emerging-cooldown", "must be positive");
        return problems;
    }
}
