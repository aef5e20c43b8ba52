namespace Pipeline.Models.Domain;

/// <summary>Stable identifier of a watched company, e.g. <c>gtbank</c>. Lower-case slug.</summary>
public readonly record struct CompanyId(string Value)
{
    public override string ToString() => Value;
}

/// <summary>A company whose customers we listen to.</summary>
/// <param name="Handles">Official accounts, with the leading <c>@</c>. Posts by them are the company's own.</param>
/// <param name="SearchTerms">Names customers use for the company (matched as whole words, case-insensitively).</param>
public sealed record Company(
    CompanyId Id,
    string DisplayName,
    IReadOnlyList<string> Handles,
    IReadOnlyList<string> SearchTerms,
    string Country,
    string Industry);
