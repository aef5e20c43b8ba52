using Npgsql;
using NpgsqlTypes;
using Pipeline.Models.Domain;

namespace Pipeline.Actors.Storage;

/// <summary>Keeps the companies table equal to the configured companies (reports join on it).</summary>
public static class CompanyCatalog
{
    public static async Task SyncAsync(NpgsqlDataSource dataSource, IReadOnlyList<Company> companies, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO pipeline.companies (company_id, display_name, handles, search_terms, country, industry)
            SELECT id, name, string_to_array(handles, E'\x1f'), string_to_array(terms, E'\x1f'), country, industry
            FROM unnest(@id, @name, @handles, @terms, @country, @industry) AS c(id, name, handles, terms, country, industry)
            ON CONFLICT (company_id) DO UPDATE SET
                display_name = EXCLUDED.display_name, handles = EXCLUDED.handles, search_terms = EXCLUDED.search_terms,
                country = EXCLUDED.country, industry = EXCLUDED.industry, updated_at = now()
            WHERE (pipeline.companies.display_name, pipeline.companies.handles, pipeline.companies.search_terms,
                   pipeline.companies.country, pipeline.companies.industry)
                IS DISTINCT FROM (EXCLUDED.display_name, EXCLUDED.handles, EXCLUDED.search_terms, EXCLUDED.country, EXCLUDED.industry)
            """);
        // Arrays of arrays cannot be unnested side by side, so lists travel joined by a unit separator.
        command.Parameters.AddWithValue("id", companies.Select(c => c.Id.Value).ToArray());
        command.Parameters.AddWithValue("name", companies.Select(c => c.DisplayName).ToArray());
        command.Parameters.AddWithValue("handles", NpgsqlDbType.Array | NpgsqlDbType.Text, companies.Select(c => string.Join('\u001f', c.Handles)).ToArray());
        command.Parameters.AddWithValue("terms", NpgsqlDbType.Array | NpgsqlDbType.Text, companies.Select(c => string.Join('\u001f', c.SearchTerms)).ToArray());
        command.Parameters.AddWithValue("country", companies.Select(c => c.Country).ToArray());
        command.Parameters.AddWithValue("industry", companies.Select(c => c.Industry).ToArray());
        await command.ExecuteNonQueryAsync(ct);
    }
}
