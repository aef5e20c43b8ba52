using Pipeline.Host.Http;

namespace Pipeline.Host.Settings;

public static partial class SettingsLoader
{
    /// <summary>
    /// The management port's secrets, read from <paramref name="environment"/> only (never a config file).
    /// A dashboard that needs a login but has no credential to check stops start-up, naming the setting and the variables.
    /// </summary>
    public static HttpCredentials LoadHttpCredentials(HttpSettings http, Func<string, string?> environment)
    {
        var credentials = HttpCredentials.FromEnvironment(environment);
        if (http.DashboardAuthRequired && !credentials.HasDashboardCredential)
        {
            var why = http.DashboardAuth == DashboardAuthMode.On ? "on" : $"auto, and pipeline.http.host = \"{http.Host}\" is reachable beyond loopback";
            throw new SettingsException([
                $"pipeline.http.dashboard-auth = {why}: set {HttpCredentials.DashboardPasswordVariable} (basic auth, user " +
                $"{HttpCredentials.DashboardUserVariable}, default '{HttpCredentials.DefaultDashboardUser}') and/or {HttpCredentials.DashboardTokenVariable} " +
                $"(bearer) in the environment, or set pipeline.http.dashboard-auth = off (PIPELINE_DASHBOARD_AUTH=off)",
            ]);
        }

        return credentials;
    }
}
