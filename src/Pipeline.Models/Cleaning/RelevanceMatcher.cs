using System.Text.RegularExpressions;
using Pipeline.Models.Domain;

namespace Pipeline.Models.Cleaning;

/// <summary>
/// Decides whether a text is about a company: one of its handles or search terms as a whole
/// token, case-insensitively. <c>@gtbank</c> does not match <c>@gtbank_careers</c>; list the
/// longer handle on the company to make it count.
/// </summary>
public sealed class RelevanceMatcher
{
    private readonly IReadOnlyList<(Company Company, Regex Pattern)> _patterns;
    private readonly Dictionary<CompanyId, Regex> _byId;

    public RelevanceMatcher(IEnumerable<Company> companies)
    {
        _patterns = companies.Select(c => (c, BuildPattern(c))).ToList();
        _byId = _patterns.ToDictionary(p => p.Company.Id, p => p.Pattern);
    }

    public bool IsAbout(CompanyId company, string text) =>
        _byId.TryGetValue(company, out var pattern) && pattern.IsMatch(text);

    /// <summary>The first configured company the text is about, in configuration order.</summary>
    public Company? FirstCompanyIn(string text)
    {
        foreach (var (company, pattern) in _patterns)
        {
            if (pattern.IsMatch(text))
            {
                return company;
            }
        }

        return null;
    }

    private static Regex BuildPattern(Company company)
    {
        // A handle must not continue into a longer handle; a term must be a whole word and
        // must not be the start of some other account's handle (@gtbank_careers).
        var handles = company.Handles.Select(h => Regex.Escape(h.TrimStart('@')))
            .Select(h => $@"(?<![\w@])@{h}(?![\w])");
        var terms = company.SearchTerms.Select(t => string.Join(@"\s+", t.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(Regex.Escape)))
            .Select(t => $@"(?<![\w@]){t}(?![\w])");
        var alternatives = handles.Concat(terms).ToList();
        var pattern = alternatives.Count == 0 ? "(?!)" : string.Join('|', alternatives);
        return new Regex(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled);
    }
}
