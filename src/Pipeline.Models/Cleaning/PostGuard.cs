using Pipeline.Models.Domain;
using Pipeline.Models.Text;

namespace Pipeline.Models.Cleaning;

/// <summary>What <see cref="PostGuard"/> made of one post.</summary>
public abstract record GuardOutcome
{
    /// <param name="Post">The post with every string storable and its text at most <see cref="InputLimits.MaxTextLength"/> long.</param>
    /// <param name="RepairedText">An unpaired surrogate in one of its strings became U+FFFD.</param>
    /// <param name="TruncatedText">Its text was longer than <see cref="InputLimits.MaxTextLength"/> and was cut.</param>
    public sealed record Accepted(RawPost Post, bool RepairedText, bool TruncatedText) : GuardOutcome;

    /// <summary>The post cannot be stored as it is; <paramref name="Problem"/> says why and names the setting. <paramref name="Post"/> is repaired (storable as a payload).</summary>
    public sealed record Refused(RawPost Post, string Problem) : GuardOutcome;
}

/// <summary>
/// The bounds every post is held to before cleaning, whatever its source: each string made storable
/// (<see cref="SafeText.Repair(string)"/>: an unpaired surrogate becomes U+FFFD, NUL goes), the text cut to
/// <see cref="InputLimits.MaxTextLength"/> (never inside a surrogate pair), and a date outside
/// [<see cref="InputLimits.EarliestDate"/>, now + <see cref="InputLimits.FutureTolerance"/>] refused, because
/// such a date is corrupt input and once stored would put an impossible week on every chart.
/// </summary>
/// <param name="Clock">Where "now" comes from (tests fix it).</param>
public sealed record PostGuard(InputLimits Limits, TimeProvider Clock)
{
    public static PostGuard Default { get; } = new(InputLimits.Default, TimeProvider.System);

    public GuardOutcome Check(RawPost raw) => Check(raw, Clock.GetUtcNow());

    public GuardOutcome Check(RawPost raw, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(raw);
        var repaired = false;
        string Storable(string value)
        {
            var result = SafeText.Repair(value, out var surrogates);
            repaired |= surrogates;
            return result;
        }

        string? StorableOptional(string? value) => value is null ? null : Storable(value);

        var text = Storable(raw.Text);
        var truncated = text.Length > Limits.MaxTextLength;
        if (truncated)
        {
            text = SafeText.Truncate(text, Limits.MaxTextLength);
        }

        var handle = Storable(raw.AuthorHandle);
        var authorId = StorableOptional(raw.AuthorId);
        var url = StorableOptional(raw.Url);
        var lang = StorableOptional(raw.Lang);
        var company = StorableOptional(raw.Company?.Value);
        var replyingTo = raw.ReplyingTo is { } handles ? RepairAll(handles, Storable) : null;
        // SafeText returns the same instance when nothing needed repair: the common post is passed on as it came.
        var unchanged = ReferenceEquals(text, raw.Text) && ReferenceEquals(handle, raw.AuthorHandle) && ReferenceEquals(authorId, raw.AuthorId)
            && ReferenceEquals(url, raw.Url) && ReferenceEquals(lang, raw.Lang) && ReferenceEquals(company, raw.Company?.Value)
            && ReferenceEquals(replyingTo, raw.ReplyingTo);
        var post = unchanged
            ? raw
            : raw with
            {
                Text = text,
                AuthorHandle = handle,
                AuthorId = authorId,
                Url = url,
                Lang = lang,
                Company = company is null ? null : new CompanyId(company),
                ReplyingTo = replyingTo,
            };
        return Limits.DateProblem(post.CreatedAt, now) is { } problem
            ? new GuardOutcome.Refused(post, problem)
            : new GuardOutcome.Accepted(post, repaired, truncated);
    }

    private static IReadOnlyList<string> RepairAll(IReadOnlyList<string> values, Func<string, string> storable)
    {
        string[]? copy = null;
        for (var i = 0; i < values.Count; i++)
        {
            var value = storable(values[i]);
            if (!ReferenceEquals(value, values[i]))
            {
                copy ??= [.. values];
                copy[i] = value;
            }
        }

        return copy ?? values;
    }
}
