using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Pipeline.Actors.Alerts;

/// <summary>
/// <c>X-Pipeline-Signature: sha256=&lt;hex HMAC-SHA256(secret, "{timestamp}.{body}")&gt;</c>. The timestamp is signed with the
/// body so a captured request cannot be replayed later with a fresh timestamp; receivers should also refuse old ones.
/// </summary>
public static class WebhookSignature
{
    public const string Prefix = "sha256=";

    public static string Sign(string secret, long unixSeconds, string body)
    {
        var message = Encoding.UTF8.GetBytes(unixSeconds.ToString(CultureInfo.InvariantCulture) + "." + body);
        return Prefix + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message));
    }

    /// <summary>Whether <paramref name="signature"/> is this body's and timestamp's, compared in constant time.</summary>
    public static bool Verify(string secret, string? timestamp, string body, string? signature)
    {
        if (signature is null || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Sign(secret, seconds, body));
        var given = Encoding.ASCII.GetBytes(signature.Trim());
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }
}
