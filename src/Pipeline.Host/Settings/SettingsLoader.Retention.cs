using Pipeline.Actors.Storage;
using Pipeline.Host.Retention;

namespace Pipeline.Host.Settings;

public static partial class SettingsLoader
{
    /// <summary><c>pipeline.retention</c>; absent, everything is kept for ever.</summary>
    private static RetentionSettings Retention(SettingsReader root)
    {
        if (!root.Has("pipeline.retention")) return RetentionSettings.Forever;
        var r = root.Section("pipeline.retention");
        var policy = new RetentionPolicy(Period(r, "kept-posts"), Period(r, "dropped-posts"), Period(r, "quarantine"),
            // Each batch holds its rows' locks until it commits: a few thousand keep that to tens of milliseconds.
            r.Int("batch-size", 1, 100_000));
        return new RetentionSettings(policy, r.Duration("interval", "100ms", "31d"), r.Duration("first-run-after", "0s", "1d"));
    }

    /// <summary>
    /// <c>forever</c> (null), or a duration of at least a minute: a bare number is milliseconds in HOCON, and a period of
    /// milliseconds would empty the tables, so it is refused rather than taken at its word.
    /// </summary>
    private static TimeSpan? Period(SettingsReader r, string path)
    {
        var raw = r.Raw(path)?.Trim();
        if (string.Equals(raw, "forever", StringComparison.OrdinalIgnoreCase)) return null;
        if (raw is null || raw.Any(char.IsLetter)) return r.Duration(path, "1m", "36600d");
        r.Problem($"{r.Name(path)} = {raw}: must be forever or a duration with its unit, such as 30d or 400d");
        return null;
    }
}
