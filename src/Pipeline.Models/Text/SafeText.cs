namespace Pipeline.Models.Text;

/// <summary>
/// The one place strings are cut and made storable. PostgreSQL text must be valid UTF-8 without
/// NUL, and a .NET string can hold neither half of a surrogate pair on its own in UTF-8: Npgsql
/// then refuses the whole value (an <see cref="System.Text.EncoderFallbackException"/>), which once
/// took a whole import down with it. Every excerpt, payload cut and stored value goes through here.
/// </summary>
public static class SafeText
{
    public const char Replacement = '\uFFFD';

    private const string Ellipsis = "…";

    /// <summary>At most <paramref name="maxLength"/> UTF-16 units, never ending on the first half of a surrogate pair.</summary>
    public static string Truncate(string value, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentOutOfRangeException.ThrowIfNegative(maxLength);
        if (value.Length <= maxLength)
        {
            return value;
        }

        var end = CutPoint(value, maxLength);
        return value[..end];
    }

    /// <summary>
    /// A short quote of <paramref name="value"/> for an error message or a quarantine payload: at most
    /// <paramref name="maxLength"/> units of it, then "…" when it was cut, never splitting a pair.
    /// </summary>
    public static string Excerpt(string value, int maxLength = 80)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Length <= maxLength ? value : string.Concat(value.AsSpan(0, CutPoint(value, maxLength)), Ellipsis);
    }

    /// <summary>Whether PostgreSQL can store <paramref name="value"/> as it is: no NUL, no unpaired surrogate.</summary>
    public static bool IsStorable(ReadOnlySpan<char> value) => !value.Contains('\0') && !HasLoneSurrogate(value);

    /// <summary>Whether a surrogate stands without its partner (a JSON <c>\ud800</c> escape, a cut pair).</summary>
    public static bool HasLoneSurrogate(ReadOnlySpan<char> value)
    {
        var i = value.IndexOfAnyInRange('\uD800', '\uDFFF');
        if (i < 0)
        {
            return false;
        }

        for (; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// <paramref name="value"/> made storable: every unpaired surrogate becomes U+FFFD and NUL is
    /// removed. Returns the same instance when nothing needed repair (the common case costs one scan).
    /// </summary>
    public static string Repair(string value) => Repair(value, out _);

    /// <param name="repairedSurrogates">Whether an unpaired surrogate was replaced (NUL removal alone does not count).</param>
    public static string Repair(string value, out bool repairedSurrogates)
    {
        ArgumentNullException.ThrowIfNull(value);
        repairedSurrogates = HasLoneSurrogate(value);
        var hasNul = value.Contains('\0');
        if (!repairedSurrogates && !hasNul)
        {
            return value;
        }

        return string.Create(value.Length - (hasNul ? value.AsSpan().Count('\0') : 0), value, static (target, source) =>
        {
            var n = 0;
            for (var i = 0; i < source.Length; i++)
            {
                var c = source[i];
                if (c == '\0')
                {
                    continue;
                }

                if (char.IsHighSurrogate(c) && i + 1 < source.Length && char.IsLowSurrogate(source[i + 1]))
                {
                    target[n++] = c;
                    target[n++] = source[++i];
                }
                else
                {
                    target[n++] = char.IsSurrogate(c) ? Replacement : c;
                }
            }
        });
    }

    // One short of maxLength when the cut would separate a pair: the pair goes whole or not at all.
    private static int CutPoint(string value, int maxLength) =>
        maxLength > 0 && maxLength < value.Length && char.IsHighSurrogate(value[maxLength - 1]) && char.IsLowSurrogate(value[maxLength])
            ? maxLength - 1
            : maxLength;
}
