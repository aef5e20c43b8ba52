namespace Pipeline.Models.Domain;

/// <summary>The configured companies, looked up by id, display name, handle or search term.</summary>
public sealed class CompanyDirectory
{
    private readonly Dictionary<string, Company> _byKey = new(StringComparer.OrdinalIgnoreCase);

    public CompanyDirectory(IReadOnlyList<Company> companies)
    {
        All = companies;
        foreach (var company in companies)
        {
            // Id and display name win over handles and terms when two companies share a word.
            _byKey[company.Id.Value] = company;
            _byKey[company.DisplayName] = company;
        }

        foreach (var company in companies)
        {
            foreach (var key in company.Handles.Select(h => h.TrimStart('@')).Concat(company.SearchTerms))
            {
                _byKey.TryAdd(key, company);
            }
        }
    }

    public IReadOnlyList<Company> All { get; }

    public Company? Find(string? idOrName) =>
        string.IsNullOrWhiteSpace(idOrName) ? null : _byKey.GetValueOrDefault(idOrName.Trim().TrimStart('@'));

    public Company Get(CompanyId id) =>
        _byKey.TryGetValue(id.Value, out var company) && company.Id == id
            ? company
            : throw new KeyNotFoundException($"Company '{id}' is not configured.");
}
