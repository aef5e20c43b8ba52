namespace Pipeline.Models.Alerts;

/// <summary>What the detector reads at one check: per series, posts and negative posts per hour and per minute, clipped at Now.</summary>
public sealed class AlertHistory
{
    public AlertHistory(DateTimeOffset now, DateTimeOffset hourlyStart, DateTimeOffset minuteStart)
    {
        Now = now;
        HourlyStart = hourlyStart;
        MinuteStart = minuteStart;
    }

    public DateTimeOffset Now { get; private set; }
    public DateTimeOffset HourlyStart { get; }
    public DateTimeOffset MinuteStart { get; }

    public void AddHourly(SeriesKey key, DateTimeOffset hour, int posts, int negatives) => throw new NotImplementedException();
    public void AddMinute(SeriesKey key, DateTimeOffset minute, int posts, int negatives) => throw new NotImplementedException();
    public IReadOnlyCollection<SeriesKey> Keys => throw new NotImplementedException();
}
