namespace Pipeline.Actors.Sources;

/// <summary>
/// The one way a source URL is shown (status, logs, quarantine locations, error texts): a Nitter instance
/// may carry <c>user:password@</c> and a URL a secret query parameter, and neither may leave the process.
/// </summary>
public static class UrlRedaction
{
    public const string Mask = "***";

    /// <summary>Query parameters whose value is a secret; cursors (<c>next_token</c>, <c>pagination_token</c>) are not.</summary>
    private static readonly HashSet<string> SecretParameters = new(StringComparer.OrdinalIgnoreCase)
    {
        "token", "access_token", "auth", "password", "passwd", "pwd", "pass", "secret", "client_secret", "api_key", "apikey", "key", "bearer_token",
    };

    /// <summary><paramref name="url"/> with its user info and secret query values replaced by <see cref="Mask"/>.</summary>
    public static Uri Redact(Uri url)
    {
        if (!url.IsAbsoluteUri)
        {
            return url;
        }

        var builder = new UriBuilder(url);
        if (url.UserInfo.Length > 0)
        {
            builder.UserName = Mask;
            builder.Password = string.Empty;
        }

        if (url.Query.Length > 1)
        {
            builder.Query = string.Join('&', url.Query[1..].Split('&').Select(pair =>
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                var name = equals < 0 ? pair : pair[..equals];
                return SecretParameters.Contains(Uri.UnescapeDataString(name)) ? $"{name}={Mask}" : pair;
            }));
        }

        return builder.Uri;
    }

    /// <summary>The redacted form as text; an unparsable value is masked whole, since it cannot be judged.</summary>
    public static string Redact(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var parsed) ? Redact(parsed).ToString() : Mask;
}
