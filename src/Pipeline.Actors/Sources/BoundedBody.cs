using System.Buffers;
using System.Globalization;
using System.Text;

namespace Pipeline.Actors.Sources;

/// <summary>
/// An answer's body as read by <see cref="BoundedBody.ReadAsync"/>: its text, or, when it was larger than
/// allowed, only how far reading went and the beginning of it for diagnosis.
/// </summary>
/// <param name="Text">The whole body decoded; null when it was larger than the bound.</param>
/// <param name="Problem">Why <paramref name="Text"/> is null, naming the setting; null when it is not.</param>
/// <param name="Beginning">For a refused body: its first bytes decoded, for the diagnostics folder.</param>
internal sealed record BodyRead(string? Text, string? Problem, string Beginning);

/// <summary>
/// Reads an HTTP body without trusting its size: at most <c>pipeline.limits.max-body-size</c> bytes are
/// taken, so a source that answers with 100 MB costs a bounded buffer, never a 100 MB string.
/// Bytes that are not valid in the body's encoding decode to U+FFFD (nothing downstream sees invalid text).
/// </summary>
internal static class BoundedBody
{
    /// <summary>What a refused body keeps for diagnosis.</summary>
    public const int BeginningBytes = 64 * 1024;

    public const string Setting = "pipeline.limits.max-body-size";

    // The replacement fallback (not an exception) on both: an invalid byte becomes U+FFFD.
    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <param name="maxBytes">The bound; a body of exactly this many bytes is accepted.</param>
    public static async Task<BodyRead> ReadAsync(HttpContent content, long maxBytes, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        var encoding = EncodingOf(content.Headers.ContentType?.CharSet);
        if (content.Headers.ContentLength is { } declared && declared > maxBytes)
        {
            return new BodyRead(null,
                $"The answer declares {Size(declared)} (Content-Length), more than {Setting} = {Size(maxBytes)}; it was not read.",
                string.Empty);
        }

        await using var stream = await content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        using var body = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(81_920);
        try
        {
            while (true)
            {
                // One byte past the bound is enough to know the body is too large.
                var wanted = (int)Math.Min(chunk.Length, maxBytes + 1 - body.Length);
                var read = await stream.ReadAsync(chunk.AsMemory(0, wanted), ct).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                body.Write(chunk, 0, read);
                if (body.Length > maxBytes)
                {
                    var beginning = Decode(body.GetBuffer().AsSpan(0, (int)Math.Min(body.Length, BeginningBytes)), encoding);
                    return new BodyRead(null,
                        $"The answer is larger than {Setting} = {Size(maxBytes)}; reading stopped after {Size(body.Length)}.",
                        beginning);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return new BodyRead(Decode(body.GetBuffer().AsSpan(0, (int)body.Length), encoding), null, string.Empty);
    }

    /// <summary>Bytes to text as a browser would: a byte order mark wins over the declared charset.</summary>
    public static string Decode(ReadOnlySpan<byte> bytes, Encoding declared)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            return Utf8.GetString(bytes[3..]);
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
        {
            return Encoding.Unicode.GetString(bytes[2..]);
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            return Encoding.BigEndianUnicode.GetString(bytes[2..]);
        }

        return declared.GetString(bytes);
    }

    private static Encoding EncodingOf(string? charset)
    {
        if (string.IsNullOrWhiteSpace(charset))
        {
            return Utf8;
        }

        try
        {
            var named = Encoding.GetEncoding(charset.Trim().Trim('"'));
            return named.CodePage == Encoding.UTF8.CodePage ? Utf8 : named;
        }
        catch (ArgumentException)
        {
            // An unknown charset: Nitter and the X API write UTF-8, so that is the best guess.
            return Utf8;
        }
    }

    private static string Size(long bytes) => bytes >= 1 << 20 && bytes % (1 << 20) == 0
        ? $"{(bytes >> 20).ToString(CultureInfo.InvariantCulture)} MiB"
        : $"{bytes.ToString("N0", CultureInfo.InvariantCulture)} bytes";
}
