using System.Security.Cryptography;
using System.Text;

namespace Pipeline.Host.Http;

/// <summary>
/// The secrets of the management port. They come from the environment only: a config file is copied,
/// committed and printed far more often than a process environment.
/// </summary>
/// <param name="AdminToken">Bearer token for <c>/admin/*</c>; null: admin requests are served to loopback callers only.</param>
/// <param name="DashboardUser">Basic-auth user name for the dashboard.</param>
/// <param name="DashboardPassword">Basic-auth password for the dashboard; null: no basic auth.</param>
/// <param name="DashboardToken">Bearer token for the dashboard; null: none.</param>
public sealed record HttpCredentials(string? AdminToken, string DashboardUser, string? DashboardPassword, string? DashboardToken)
{
    public const string AdminTokenVariable = "PIPELINE_ADMIN_TOKEN";
    public const string DashboardUserVariable = "PIPELINE_DASHBOARD_USER";
    public const string DashboardPasswordVariable = "PIPELINE_DASHBOARD_PASSWORD";
    public const string DashboardTokenVariable = "PIPELINE_DASHBOARD_TOKEN";
    public const string DefaultDashboardUser = "pipeline";

    public static HttpCredentials None { get; } = new(null, DefaultDashboardUser, null, null);

    public bool HasDashboardCredential => DashboardPassword is not null || DashboardToken is not null;

    /// <summary>Blank variables count as unset, so <c>PIPELINE_ADMIN_TOKEN=</c> never means "the empty token".</summary>
    public static HttpCredentials FromEnvironment(Func<string, string?> environment)
    {
        string? Read(string name) => environment(name) is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
        return new HttpCredentials(
            Read(AdminTokenVariable), Read(DashboardUserVariable) ?? DefaultDashboardUser, Read(DashboardPasswordVariable), Read(DashboardTokenVariable));
    }

    /// <summary>Who the <c>Authorization</c> header says the caller is; anything unknown or malformed is <see cref="Caller.Anonymous"/>.</summary>
    public Caller Identify(string? authorization)
    {
        if (authorization is null)
        {
            return Caller.Anonymous;
        }

        var space = authorization.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0)
        {
            return Caller.Anonymous;
        }

        var scheme = authorization[..space];
        var value = authorization[(space + 1)..].Trim();
        if (scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            // Both compared every time: which one matched must not show in the timing either.
            var admin = SameSecret(value, AdminToken);
            var dashboard = SameSecret(value, DashboardToken);
            return admin ? Caller.Admin : dashboard ? Caller.Dashboard : Caller.Anonymous;
        }

        if (scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase) && DashboardPassword is not null)
        {
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(value));
            }
            catch (FormatException)
            {
                return Caller.Anonymous;
            }

            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                return Caller.Anonymous;
            }

            var user = SameSecret(decoded[..colon], DashboardUser);
            var password = SameSecret(decoded[(colon + 1)..], DashboardPassword);
            return user & password ? Caller.Dashboard : Caller.Anonymous;
        }

        return Caller.Anonymous;
    }

    /// <summary>
    /// Constant time in the secret's content and length: both sides are hashed first, so
    /// <see cref="CryptographicOperations.FixedTimeEquals"/> always compares 32 bytes.
    /// </summary>
    public static bool SameSecret(string given, string? expected) =>
        expected is not null
        && CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));

    /// <summary>Never the secrets themselves, should a record be logged or shown in a debugger.</summary>
    public override string ToString() =>
        $"HttpCredentials {{ AdminToken = {Set(AdminToken)}, DashboardUser = {DashboardUser}, DashboardPassword = {Set(DashboardPassword)}, DashboardToken = {Set(DashboardToken)} }}";

    private static string Set(string? secret) => secret is null ? "unset" : "***";
}

/// <summary>What a request's credentials make its sender.</summary>
public enum Caller
{
    Anonymous,

    /// <summary>The dashboard password or token.</summary>
    Dashboard,

    /// <summary>The admin token, which opens the dashboard as well.</summary>
    Admin,
}
