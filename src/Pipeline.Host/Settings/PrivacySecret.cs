using Pipeline.Actors.Storage;

namespace Pipeline.Host.Settings;

/// <summary>
/// The privacy secret (<see cref="PrivacyKeys.SecretVariable"/>) as the environment gives it: null when unset, which
/// means the database's own key (docs/data.md). Read from the environment only, never a config file.
/// </summary>
public sealed record PrivacySecret(string? Value)
{
    /// <exception cref="SettingsException">The secret is set but too short to be one.</exception>
    public static PrivacySecret FromEnvironment(Func<string, string?> environment)
    {
        var value = environment(PrivacyKeys.SecretVariable) is { Length: > 0 } v ? v : null;
        if (PrivacyKeys.Problem(value) is { } problem)
            throw new SettingsException([problem]);
        return new PrivacySecret(value);
    }
}
