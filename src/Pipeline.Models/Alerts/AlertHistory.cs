namespace Pipeline.Models.Alerts;

/// <summary>
/// What the detector reads at one check: per series, posts and negative posts per UTC hour (long
/// history, for the seasonal profile, the level and the baseline negative share) and per UTC minute
/// (recent, for the windows). The detectors read only whole buckets that end at or before
/// <see cref="Now"/>, so a loader may include the current partial hour and minute.
/// </summary>
/// <remarks>
/// Counts are kept as arrays indexed from the start instants and turned into running sums the first
/// time a detector reads them, so a window costs two subtractions however long it is. The backtest
/// fills 90 days once and moves <see cref="Now"/> with <see cref="AdvanceTo"/>; the per-hour pieces
/// that do not depend on the minute (seasonal profile, levels) are cached per hour.
/// </remarks>
public sealed class AlertHistory
{
    private readonly Dictionary<SeriesKey, Series> _series = new();
    private readonly long _hourlyStartHour;
    private readonly long _minuteStartMinute;
    private Counts? _pooledTotals;
    internal readonly Dictionary<long, SeasonalProfile> ProfileCache = new();

    /// <summary>Bumped by every hourly write, so levels cached before it are not reused.</summary>
    internal long HourlyVersion { get; private set; }

    /// <param name="now">The check instant.</param>
    /// <param name="hourlyStart">First hour the loader read (floored): <c>now - AlertRules.HourlyLookback</c>.</param>
    /// <param name="minuteStart">First minute the loader read (floored): <c>now - AlertRules.MinuteLookback</c>; windows reaching before it are skipped.</param>
    public AlertHistory(DateTimeOffset now, DateTimeOffset hourlyStart, DateTimeOffset minuteStart)
    {
        Now = now;
        _hourlyStartHour = FloorHour(hourlyStart);
        _minuteStartMinute = FloorMinute(minuteStart);
        HourlyStart = FromHour(_hourlyStartHour);
        MinuteStart = FromMinute(_minuteStartMinute);
    }

    /// <summary>The instant of the check; nothing at or after it is read.</summary>
    public DateTimeOffset Now { get; private set; }

    /// <summary>Start of the first hourly bucket (floored to the hour).</summary>
    public DateTimeOffset HourlyStart { get; }

    /// <summary>Start of the first minute bucket (floored to the minute).</summary>
    public DateTimeOffset MinuteStart { get; }

    /// <summary>Every series that has had a count added.</summary>
    public IReadOnlyCollection<SeriesKey> Keys => _series.Keys;

    /// <summary>Moves the check instant (the backtest replays one history check by check).</summary>
    public void AdvanceTo(DateTimeOffset now) => Now = now;

    /// <summary>Adds a series' counts for one UTC hour (its start); may be the current partial hour.</summary>
    public void AddHourly(SeriesKey key, DateTimeOffset hour, int posts, int negatives)
    {
        var index = FloorHour(hour) - _hourlyStartHour;
        if (index < 0) throw new ArgumentOutOfRangeException(nameof(hour), hour, $"Before the hourly start {HourlyStart:O}.");
        Get(key).Hourly.Add(checked((int)index), posts, negatives);
        if (key.TopicId is null) _pooledTotals = null;
        ProfileCache.Clear();
        HourlyVersion++;
    }

    /// <summary>Adds a series' counts for one UTC minute (its start), at or after the minute start.</summary>
    public void AddMinute(SeriesKey key, DateTimeOffset minute, int posts, int negatives)
    {
        var index = FloorMinute(minute) - _minuteStartMinute;
        if (index < 0) throw new ArgumentOutOfRangeException(nameof(minute), minute, $"Before the minute start {MinuteStart:O}.");
        Get(key).Minutes.Add(checked((int)index), posts, negatives);
    }

    private Series Get(SeriesKey key)
    {
        if (!_series.TryGetValue(key, out var s)) _series[key] = s = new Series();
        return s;
    }

    internal bool TryGet(SeriesKey key, out Series series) => _series.TryGetValue(key, out series!);

    // Exclusive ends: the buckets before them are whole and end at or before Now.
    internal long EndMinute => FloorMinute(Now);
    internal long EndHour => FloorHour(Now);

    /// <summary>Posts and negatives in absolute minutes [from, to), clipped to the minute data.</summary>
    internal (long Posts, long Negatives) MinuteSum(Series s, long fromMinute, long toMinute) =>
        s.Minutes.Sum(fromMinute - _minuteStartMinute, toMinute - _minuteStartMinute);

    /// <summary>Posts and negatives in absolute hours [from, to), clipped to the hourly data.</summary>
    internal (long Posts, long Negatives) HourSum(Series s, long fromHour, long toHour) =>
        s.Hourly.Sum(fromHour - _hourlyStartHour, toHour - _hourlyStartHour);

    internal int HourlyPosts(Series s, long hour) => s.Hourly.At(hour - _hourlyStartHour);

    internal long HourlyStartHour => _hourlyStartHour;
    internal long MinuteStartMinute => _minuteStartMinute;

    /// <summary>All companies' posts per hour, summed over the company-total series (TopicId null).</summary>
    internal Counts PooledTotals
    {
        get
        {
            if (_pooledTotals is not null) return _pooledTotals;
            var pooled = new Counts();
            foreach (var (key, s) in _series)
            {
                if (key.TopicId is not null) continue;
                for (var i = 0; i < s.Hourly.Length; i++)
                {
                    var p = s.Hourly.RawPosts(i);
                    var n = s.Hourly.RawNegatives(i);
                    if (p != 0 || n != 0) pooled.Add(i, p, n);
                }
            }
            return _pooledTotals = pooled;
        }
    }

    internal static long FloorHour(DateTimeOffset t) => t.UtcTicks / TimeSpan.TicksPerHour;
    internal static long FloorMinute(DateTimeOffset t) => t.UtcTicks / TimeSpan.TicksPerMinute;
    internal static DateTimeOffset FromHour(long hour) => new(hour * TimeSpan.TicksPerHour, TimeSpan.Zero);
    internal static DateTimeOffset FromMinute(long minute) => new(minute * TimeSpan.TicksPerMinute, TimeSpan.Zero);

    internal sealed class Series
    {
        public readonly Counts Hourly = new();
        public readonly Counts Minutes = new();
        // Level cache: the level for a given level-window end, valid for one profile hour.
        public long LevelProfileHour = long.MinValue;
        public long LevelVersion = -1;
        public readonly Dictionary<long, Level> Levels = new();
    }

    internal readonly record struct Level(double Rate, double Posts, double SeasonalHours);

    /// <summary>
    /// A growable pair of count arrays, held either raw or, once read, as running sums in place
    /// (cum[i] = sum of the first i buckets) so a 90-day backtest does not keep two copies.
    /// Writes switch back to raw; the live loader writes everything before the first read.
    /// </summary>
    internal sealed class Counts
    {
        private int[] _posts = new int[64];
        private int[] _negatives = new int[64];
        private bool _cumulative;
        public int Length { get; private set; }

        public void Add(int index, int posts, int negatives)
        {
            ToRaw();
            if (index + 1 >= _posts.Length)
            {
                var size = Math.Max(index + 2, _posts.Length * 2);
                Array.Resize(ref _posts, size);
                Array.Resize(ref _negatives, size);
            }
            _posts[index] += posts;
            _negatives[index] += negatives;
            if (index >= Length) Length = index + 1;
        }

        public int RawPosts(int i) => i >= 0 && i < Length ? (_cumulative ? _posts[i + 1] - _posts[i] : _posts[i]) : 0;
        public int RawNegatives(int i) => i >= 0 && i < Length ? (_cumulative ? _negatives[i + 1] - _negatives[i] : _negatives[i]) : 0;
        public int At(long i) => RawPosts(checked((int)Math.Clamp(i, -1, int.MaxValue)));

        public (long Posts, long Negatives) Sum(long from, long to)
        {
            if (from < 0) from = 0;
            if (to > Length) to = Length;
            if (to <= from) return (0, 0);
            ToCumulative();
            return (_posts[to] - _posts[from], _negatives[to] - _negatives[from]);
        }

        private void ToCumulative()
        {
            if (_cumulative) return;
            int p = 0, n = 0;
            for (var i = 0; i < Length; i++)
            {
                (p, _posts[i]) = (p + _posts[i], p);
                (n, _negatives[i]) = (n + _negatives[i], n);
            }
            _posts[Length] = p;
            _negatives[Length] = n;
            _cumulative = true;
        }

        private void ToRaw()
        {
            if (!_cumulative) return;
            for (var i = 0; i < Length; i++)
            {
                _posts[i] = _posts[i + 1] - _posts[i];
                _negatives[i] = _negatives[i + 1] - _negatives[i];
            }
            _posts[Length] = 0;
            _negatives[Length] = 0;
            _cumulative = false;
        }
    }
}
