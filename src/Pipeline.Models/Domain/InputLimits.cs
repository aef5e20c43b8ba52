namespace Pipeline.Models.Domain;

/// <summary>
/// <c>pipeline.limits</c>: the bounds every input is held to, so that no file, page or answer can
/// exhaust memory, recurse without end or put a date into the database that breaks a chart.
/// Whatever crosses a bound is quarantined with its location (or, for a long text, cut and counted).
/// </summary>
/// <param name="MaxLineLength">Characters of one physical line of a CSV or JSON-lines file.</param>
/// <param name="MaxRecordLength">Characters of one record: a CSV record over several lines, one element of a JSON array.</param>
/// <param name="MaxFields">Fields of one CSV record, properties of one JSON post object.</param>
/// <param name="MaxTextLength">Characters of a post's text kept (X allows 25,000); a longer text is cut, never split inside a surrogate pair.</param>
/// <param name="MaxBodyBytes">Bytes of one HTTP answer read from a source (a Nitter page, an X API response).</param>
/// <param name="MaxNestingDepth">Elements nested in one HTML page, containers nested in one JSON document.</param>
/// <param name="EarliestDate">Posts dated before this (X's first post) are quarantined.</param>
/// <param name="FutureTolerance">Posts dated after now plus this are quarantined.</param>
public sealed record InputLimits(
    int MaxLineLength,
    int MaxRecordLength,
    int MaxFields,
    int MaxTextLength,
    long MaxBodyBytes,
    int MaxNestingDepth,
    DateTimeOffset EarliestDate,
    TimeSpan FutureTolerance)
{
    /// <summary>The day of X's first post; also what <c>raw_posts.created_at</c>'s check constraint holds to.</summary>
    public static readonly DateTimeOffset PlatformStart = new(2006, 3, 21, 0, 0, 0, TimeSpan.Zero);

    public static InputLimits Default { get; } = new(
        MaxLineLength: 1 << 20,
        MaxRecordLength: 1 << 20,
        MaxFields: 1_000,
        MaxTextLength: 25_000,
        MaxBodyBytes: 8L << 20,
        MaxNestingDepth: 128,
        EarliestDate: PlatformStart,
        FutureTolerance: TimeSpan.FromDays(1));

    /// <summary>Why <paramref name="createdAt"/> is refused, naming the bound; null when it is accepted.</summary>
    public string? DateProblem(DateTimeOffset createdAt, DateTimeOffset now) =>
        createdAt < EarliestDate
            ? $"created_at {createdAt:yyyy-MM-dd'T'HH:mm:ss'Z'} is before {EarliestDate:yyyy-MM-dd} (pipeline.limits.earliest-date)"
            : createdAt > now + FutureTolerance
                ? $"created_at {createdAt:yyyy-MM-dd'T'HH:mm:ss'Z'} is later than now + {FutureTolerance.TotalHours:0.##} h (pipeline.limits.future-tolerance)"
                : null;
}
