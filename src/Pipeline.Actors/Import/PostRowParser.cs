using System.Globalization;
using Pipeline.Models.Domain;

namespace Pipeline.Actors.Import;

/// <summary>What one record of a file turned into.</summary>
internal abstract record RowOutcome
{
    public sealed record Parsed(RawPost Post) : RowOutcome;

    /// <param name="Problem">Why the record is unusable, naming the column and value.</param>
    /// <param name="Id">The post id, when it was readable, so the quarantine entry can carry it.</param>
    public sealed record Invalid(string Problem, PostId? Id) : RowOutcome;
}

/// <summary>Turns a format-independent <see cref="PostRow"/> into a <see cref="RawPost"/>. Pure.</summary>
internal static class PostRowParser
{
    public static RowOutcome Parse(PostRow row, DateTimeOffset fetchedAt, PostSource source)
    {
        if (Missing(row, PostField.Id) is { } noId)
        {
            return new RowOutcome.Invalid(noId, null);
        }

        var idValue = row[PostField.Id]!.Value;
        if (FieldParsers.ParseId(idValue.Value) is not { } idNumber)
        {
            return new RowOutcome.Invalid(Unparseable(idValue, "a positive whole number"), null);
        }

        var id = new PostId(idNumber);
        var problem = Missing(row, PostField.Text) ?? Missing(row, PostField.CreatedAt);
        if (problem is not null)
        {
            return new RowOutcome.Invalid(problem, id);
        }

        var createdValue = row[PostField.CreatedAt]!.Value;
        if (FieldParsers.ParseTime(createdValue.Value) is not { } createdAt)
        {
            return new RowOutcome.Invalid(
                Unparseable(createdValue, "ISO 8601, 'Wed Oct 10 20:19:24 +0000 2018' or unix seconds"), id);
        }

        int likes = 0, retweets = 0, replies = 0, quotes = 0;
        problem = Count(row, PostField.Likes, ref likes)
            ?? Count(row, PostField.Retweets, ref retweets)
            ?? Count(row, PostField.Replies, ref replies)
            ?? Count(row, PostField.Quotes, ref quotes);
        if (problem is not null)
        {
            return new RowOutcome.Invalid(problem, id);
        }

        bool? retweetFlag = null, replyFlag = null;
        problem = Flag(row, PostField.IsRetweet, ref retweetFlag) ?? Flag(row, PostField.IsReply, ref replyFlag);
        if (problem is not null)
        {
            return new RowOutcome.Invalid(problem, id);
        }

        var text = row[PostField.Text]!.Value.Value;
        var company = Optional(row, PostField.Company);

        return new RowOutcome.Parsed(new RawPost(
            id,
            company is null ? null : new CompanyId(company),
            source,
            Optional(row, PostField.AuthorId),
            Optional(row, PostField.AuthorHandle)?.TrimStart('@') ?? "",
            text,
            createdAt,
            likes,
            retweets,
            replies,
            quotes,
            Optional(row, PostField.Url),
            Optional(row, PostField.Lang),
            // X's own "retweeted" flag (v1 API, archives) means "I retweeted this" and is false on
            // the archive's retweets, so a false flag does not overrule an "RT @" text or a retweeted id.
            retweetFlag == true || text.StartsWith("RT @", StringComparison.Ordinal) || Optional(row, PostField.RetweetOf) is not null,
            replyFlag ?? (Optional(row, PostField.InReplyTo) is not null),
            fetchedAt));
    }

    /// <summary>
    /// For readers that want only the text (topic training): ids, times and counts are not read, so a
    /// file without them (an analysis export) still trains. The post's id is its line, which is only
    /// unique within the file; such posts must never reach the store.
    /// </summary>
    public static RowOutcome ParseTextOnly(PostRow row, int line, DateTimeOffset fetchedAt, PostSource source)
    {
        if (Missing(row, PostField.Text) is { } noText)
        {
            return new RowOutcome.Invalid(noText, null);
        }

        return new RowOutcome.Parsed(new RawPost(
            new PostId(line), null, source, null, "", row[PostField.Text]!.Value.Value, fetchedAt,
            0, 0, 0, 0, null, null, false, false, fetchedAt));
    }

    private static string? Missing(PostRow row, PostField field)
    {
        var spec = PostFields.Spec(field);
        return row[field] switch
        {
            null => $"no {spec.Description} (expected one of: {string.Join(", ", spec.Aliases)})",
            // An empty text is a real (media-only) post; an empty id or time is not.
            { IsBlank: true } value when field != PostField.Text => $"empty {spec.Description} in column '{value.Column}'",
            _ => null,
        };
    }

    private static string Unparseable(FieldValue value, string expected) =>
        $"cannot read '{Excerpt(value.Value)}' in column '{value.Column}' (expected {expected})";

    private static string? Count(PostRow row, PostField field, ref int count)
    {
        if (row[field] is not { IsBlank: false } value)
        {
            return null;
        }

        if (FieldParsers.ParseCount(value.Value) is { } parsed)
        {
            count = parsed;
            return null;
        }

        return Unparseable(value, "a count such as 12, 1,234 or 1.2K");
    }

    private static string? Flag(PostRow row, PostField field, ref bool? flag)
    {
        if (row[field] is not { IsBlank: false } value)
        {
            return null;
        }

        if (FieldParsers.ParseFlag(value.Value) is { } parsed)
        {
            flag = parsed;
            return null;
        }

        return Unparseable(value, "true/false, 1/0 or yes/no");
    }

    private static string? Optional(PostRow row, PostField field) =>
        row[field] is { IsBlank: false } value ? value.Value.Trim() : null;

    internal static string Excerpt(string value, int max = 80) => Pipeline.Models.Text.SafeText.Excerpt(value, max);
}

/// <summary>Lenient readers for the value formats found in real exports. Pure; null means unreadable.</summary>
internal static class FieldParsers
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    // Anything above this is not a plausible unix time in seconds (year 5138), so it is milliseconds.
    private const long MaxUnixSeconds = 100_000_000_000;

    public static long? ParseId(string value)
    {
        var trimmed = value.Trim();
        return long.TryParse(trimmed, NumberStyles.None, Invariant, out var id) && id > 0 ? id : null;
    }

    public static DateTimeOffset? ParseTime(string value)
    {
        var s = value.Trim();
        DateTimeOffset parsed;
        if (s.Length == 0)
        {
            return null;
        }

        if (char.IsAsciiDigit(s[0]) && s.AsSpan().IndexOfAnyExcept("0123456789.") < 0)
        {
            if (!decimal.TryParse(s, NumberStyles.AllowDecimalPoint, Invariant, out var number))
            {
                return null;
            }

            var millis = decimal.Truncate(number > MaxUnixSeconds ? number : number * 1000m);
            // Twenty digits fit a decimal but no long: an unreadable value, not an OverflowException that ends the file.
            if (millis > long.MaxValue)
            {
                return null;
            }

            try
            {
                parsed = DateTimeOffset.FromUnixTimeMilliseconds((long)millis);
            }
            catch (ArgumentOutOfRangeException)
            {
                return null;
            }
        }
        else if (LooksIso(s) && DateTimeOffset.TryParse(s, Invariant, DateTimeStyles.AssumeUniversal, out var iso))
        {
            parsed = iso;
        }
        else if (DateTimeOffset.TryParseExact(s, "ddd MMM dd HH:mm:ss zzz yyyy", Invariant, DateTimeStyles.None, out var x))
        {
            parsed = x;
        }
        else
        {
            return null;
        }

        // PostgreSQL's timestamptz through Npgsql only takes offset zero; one form everywhere also keeps comparisons simple.
        return parsed.ToUniversalTime();
    }

    // The general parser also takes "05/06/2023", whose day/month order no export states; only year-first dates are trusted.
    private static bool LooksIso(string s) =>
        s.Length >= 10 && char.IsAsciiDigit(s[0]) && char.IsAsciiDigit(s[1]) && char.IsAsciiDigit(s[2])
        && char.IsAsciiDigit(s[3]) && s[4] == '-';

    public static int? ParseCount(string value)
    {
        var s = value.Trim().Replace(",", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal);
        if (s.Length == 0)
        {
            return 0;
        }

        // Nitter and X pages abbreviate (1.2K, 3M); pandas writes counts of columns with gaps as floats (12.0).
        var multiplier = char.ToUpperInvariant(s[^1]) switch
        {
            'K' => 1_000m,
            'M' => 1_000_000m,
            _ => 1m,
        };
        if (multiplier != 1m)
        {
            s = s[..^1];
        }

        // Checked before multiplying: a decimal near its maximum times a million overflows instead of being just too large.
        if (!decimal.TryParse(s, NumberStyles.AllowDecimalPoint, Invariant, out var number) || number > int.MaxValue)
        {
            return null;
        }

        var count = number * multiplier;
        return count <= int.MaxValue && (multiplier != 1m || count == decimal.Truncate(count))
            ? (int)decimal.Truncate(count)
            : null;
    }

    public static bool? ParseFlag(string value) => value.Trim().ToLowerInvariant() switch
    {
        "true" or "t" or "1" or "yes" or "y" => true,
        "false" or "f" or "0" or "no" or "n" => false,
        _ => null,
    };
}
