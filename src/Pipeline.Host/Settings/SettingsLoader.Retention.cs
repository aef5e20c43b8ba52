using Akka.Configuration;
using Pipeline.Actors.Storage;
using Pipeline.Host.Retention;

namespace Pipeline.Host.Settings;

public static partial class SettingsLoader
{
    private const string RetentionKey = "pipeline.retention";

    /// <summary>
    /// Reads <c>pipeline.retention</c>; every problem is added to <paramref name="reader"/>'s list, named by its setting.
    /// Absent: everything is kept for ever.
    /// </summary>
    private static RetentionSettings LoadRetention(Reader reader, Config config)
    {
        if (!config.HasPath(RetentionKey))
        {
            return RetentionSettings.Forever;
        }

        string Key(string name) => $"{RetentionKey}.{name}";
        var policy = new RetentionPolicy(
            Period(reader, config, Key("kept-posts")),
            Period(reader, config, Key("dropped-posts")),
            Period(reader, config, Key("quarantine")),
            // Each batch holds its rows' locks until it commits: a few thousand keep that to tens of milliseconds.
            reader.Int(Key("batch-size"), 1, 100_000));
        return new RetentionSettings(
            policy,
            reader.Duration(Key("interval"), TimeSpan.FromMilliseconds(100), TimeSpan.FromDays(31)),
            reader.Duration(Key("first-run-after"), TimeSpan.Zero, TimeSpan.FromDays(1)));
    }

    /// <summary>
    /// <c>forever</c> (null), or a duration of at least a minute: a bare number is milliseconds in HOCON, and a period of
    /// milliseconds would empty the tables, so it is refused rather than taken at its word.
    /// </summary>
    private static TimeSpan? Period(Reader reader, Config config, string path)
    {
        string? raw;
        try
        {
            raw = config.HasPath(path) ? config.GetString(path) : null;
        }
        catch (Exception)
        {
            raw = null;
        }

        if (raw is not null && string.Equals(raw.Trim(), "forever", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (raw is not null && !raw.Any(char.IsLetter))
        {
            reader.Problem($"{path} = {raw}: must be forever or a duration with its unit, such as 30d or 400d");
            return null;
        }

        return reader.Duration(path, TimeSpan.FromMinutes(1), TimeSpan.FromDays(36_600));
    }
}
