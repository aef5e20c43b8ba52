using System.Security.Cryptography;
using System.Text;

namespace Pipeline.Actors.Storage;

/// <summary>
/// A PostgreSQL SCRAM-SHA-256 password verifier (RFC 5802, RFC 7677), computed here so that a password
/// reaches the server only as <c>SCRAM-SHA-256$4096:salt$StoredKey:ServerKey</c>. PostgreSQL stores such a
/// string as it is, so the plain password never appears in SQL text, server logs or pg_stat_statements.
/// </summary>
public static class ScramVerifier
{
    public const int DefaultIterations = 4096;
    private const int SaltLength = 16;

    /// <summary>A verifier with a fresh random salt.</summary>
    public static string Compute(string password, int iterations = DefaultIterations) =>
        Compute(password, RandomNumberGenerator.GetBytes(SaltLength), iterations);

    /// <summary>A verifier with the given salt: the same inputs give the same verifier (tests check known vectors).</summary>
    /// <remarks>
    /// PostgreSQL runs the password through SASLprep first; for ASCII passwords (every password this
    /// project generates) that is the identity, and non-ASCII ones are normalised to NFKC, which is what
    /// SASLprep does to the characters people type.
    /// </remarks>
    public static string Compute(string password, byte[] salt, int iterations = DefaultIterations)
    {
        ArgumentException.ThrowIfNullOrEmpty(password);
        ArgumentNullException.ThrowIfNull(salt);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);

        var normalised = password.IsNormalized(NormalizationForm.FormKC) ? password : password.Normalize(NormalizationForm.FormKC);
        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(normalised), salt, iterations, HashAlgorithmName.SHA256, 32);
        var clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
        var storedKey = SHA256.HashData(clientKey);
        var serverKey = HMACSHA256.HashData(salted, "Server Key"u8);
        return $"SCRAM-SHA-256${iterations}:{Convert.ToBase64String(salt)}${Convert.ToBase64String(storedKey)}:{Convert.ToBase64String(serverKey)}";
    }

    /// <summary>A random password for a login the program makes for itself (embedded PostgreSQL): 32 URL-safe characters.</summary>
    public static string NewPassword()
    {
        // Base64url without padding: no quote, backslash or semicolon to escape anywhere it travels.
        return Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');
    }
}
