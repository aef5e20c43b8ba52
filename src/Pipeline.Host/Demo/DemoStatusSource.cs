using Npgsql;
using Pipeline.Actors.Sources.Scraping;
using Pipeline.Models.Domain;

namespace Pipeline.Host.Demo;

/// <summary>Where the demo's topic retraining is: written by <see cref="DemoRetrain"/>, read by the status.</summary>
public sealed class DemoRetrainProgress(string initially)
{
    private volatile string _state = initially;

    public string State => _state;

    public void Now(string state) => _state = state;
}

/// <summary>
/// Reads the demo's status: the counts from the database (the demo's PostgreSQL keeps what earlier runs collected, and so
/// do the counts), the rate-limit pauses from the scrapers' status board, the retraining from <see cref="DemoRetrainProgress"/>.
/// Two small aggregates over a few thousand rows a second: nothing the demo's database notices.
/// </summary>
public sealed class DemoStatusSource(NpgsqlDataSource dataSource, IReadOnlyList<Company> companies, SourceStatusBoard board, DemoRetrainProgress retraining)
{
    private const string PerCompany = """
        SELECT coalesce(company_id, ''), count(*), count(*) FILTER (WHERE drop_reason IS NULL), max(created_at) FILTER (WHERE drop_reason IS NULL)
        FROM pipeline.raw_posts
        GROUP BY 1
        """;

    private const string DropReasons = "SELECT reason, sum(posts)::bigint FROM pipeline.drop_counts GROUP BY reason ORDER BY 2 DESC, 1";

    public async Task<DemoSnapshot> ReadAsync(CancellationToken ct)
    {
        var rows = new Dictionary<string, (long Collected, long Stored, DateTimeOffset? Last)>(StringComparer.Ordinal);
        await using (var command = dataSource.CreateCommand(PerCompany))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                rows[reader.GetString(0)] = (reader.GetInt64(1), reader.GetInt64(2),
                    reader.IsDBNull(3) ? null : new DateTimeOffset(reader.GetDateTime(3), TimeSpan.Zero));
            }
        }

        var dropped = new List<KeyValuePair<string, long>>();
        await using (var command = dataSource.CreateCommand(DropReasons))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                dropped.Add(new(reader.GetString(0), reader.GetInt64(1)));
            }
        }

        var progress = companies
            .Select(c => rows.TryGetValue(c.Id.Value, out var row)
                ? new CompanyProgress(c.DisplayName, row.Collected, row.Stored, row.Last)
                : new CompanyProgress(c.DisplayName, 0, 0, null))
            .ToList();
        return new DemoSnapshot(DateTimeOffset.UtcNow, progress, rows.Values.Sum(r => r.Collected), rows.Values.Sum(r => r.Stored),
            dropped, board.RateLimitPauses, retraining.State);
    }
}
