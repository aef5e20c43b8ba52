namespace Pipeline.Models.Domain;

/// <summary>
/// An item that could not be processed, kept with its error so nothing vanishes: a malformed
/// line of a file, a post a stage failed on, a page that could not be parsed.
/// </summary>
/// <param name="Source">What produced it, e.g. <c>import</c>, <c>nitter</c>, <c>sentiment</c>.</param>
/// <param name="Location">Where: <c>file.csv:42</c>, a page URL, a stage name.</param>
/// <param name="Error">What went wrong, in a sentence a person can act on.</param>
/// <param name="Payload">The offending raw text (line, JSON, HTML excerpt), when there is one.</param>
public sealed record QuarantineEntry(
    string Source,
    string Location,
    string Error,
    string? Payload,
    PostId? PostId = null,
    CompanyId? Company = null)
{
    /// <summary>Characters of the offending input kept as <see cref="Payload"/>: enough to see and fix it, bounded whatever the input.</summary>
    public const int PayloadExcerpt = 4096;

    /// <summary>Characters of an exception's message quoted in <see cref="Error"/>.</summary>
    public const int ErrorExcerpt = 500;
}
