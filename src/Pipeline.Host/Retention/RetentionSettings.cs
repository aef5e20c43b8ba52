using Pipeline.Actors.Storage;

namespace Pipeline.Host.Retention;

/// <summary><c>pipeline.retention</c>: how long stored rows are kept, and how the scheduled purge runs.</summary>
/// <param name="Policy">The periods (null: for ever) and the batch size.</param>
/// <param name="Interval">How often each node runs the purge; the retention lock lets one node run at a time.</param>
/// <param name="FirstRunAfter">How long after start-up the first purge runs.</param>
public sealed record RetentionSettings(RetentionPolicy Policy, TimeSpan Interval, TimeSpan FirstRunAfter)
{
    /// <summary>Nothing purged (every period <c>forever</c>): the default, so an upgrade removes nothing.</summary>
    public static RetentionSettings Forever { get; } = new(RetentionPolicy.Forever, TimeSpan.FromHours(1), TimeSpan.FromMinutes(1));

    /// <summary>Whether the scheduled purge runs at all.</summary>
    public bool Enabled => Policy.PurgesAnything;
}
