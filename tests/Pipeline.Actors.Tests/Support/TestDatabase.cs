using Npgsql;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Storage;
using Pipeline.Models.Cleaning;
using Pipeline.Models.Domain;
using Pipeline.Tests.Shared;

namespace Pipeline.Actors.Tests.Support;

/// <summary>A fresh database with the pipeline schema and the synthetic companies, plus query helpers.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private TestDatabase(string connectionString)
    {
        ConnectionString = connectionString;
        DataSource = PipelineDataSource.Create(connectionString);
    }

    public string ConnectionString { get; }

    public NpgsqlDataSource DataSource { get; }

    public static async Task<TestDatabase> CreateAsync(PostgresFixture postgres) =>
        await PrepareAsync(await postgres.CreateDatabaseAsync());

    /// <param name="targetVersion">Migrate only this far: the schema an older release left behind.</param>
    public static async Task<TestDatabase> PrepareAsync(string connectionString, int? targetVersion = null)
    {
        var database = new TestDatabase(connectionString);
        var migrator = new SchemaMigrator(database.DataSource);
        await migrator.MigrateToAsync(targetVersion ?? migrator.LatestVersion);
        await CompanyCatalog.SyncAsync(database.DataSource, SyntheticTweets.Companies);
        return database;
    }

    public async Task<long> CountAsync(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    public async Task<Dictionary<string, long>> DropCountsAsync()
    {
        var counts = new Dictionary<string, long>();
        await using var command = DataSource.CreateCommand("SELECT reason, sum(posts) FROM pipeline.drop_counts GROUP BY reason");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            counts[reader.GetString(0)] = Convert.ToInt64(reader.GetValue(1));
        }

        return counts;
    }

    public async Task<List<(string Location, string Error, string? Payload)>> QuarantineAsync()
    {
        var rows = new List<(string, string, string?)>();
        await using var command = DataSource.CreateCommand("SELECT location, error, payload FROM pipeline.quarantine ORDER BY quarantine_id");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
        }

        return rows;
    }

    /// <summary>Every row of <paramref name="sql"/>, each as its column values (nulls as null).</summary>
    public async Task<List<object?[]>> RowsAsync(string sql)
    {
        var rows = new List<object?[]>();
        await using var command = DataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var values = new object?[reader.FieldCount];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(values);
        }

        return rows;
    }

    /// <summary>The graph as the service builds it, writing to this database.</summary>
    public PipelineGraph Graph(PipelineCounters counters, SinkSettings? sink = null, IReadOnlyList<Akka.Streams.Dsl.Flow<PipelineItem, PipelineItem, Akka.NotUsed>>? scoring = null)
    {
        var settings = sink ?? SinkSettings.Default with { BatchSize = 500, MaxWait = TimeSpan.FromMilliseconds(50) };
        return new PipelineGraph(
            new PostCleaner(CleaningPolicy.Default, new CompanyDirectory(SyntheticTweets.Companies)),
            scoring ?? [],
            new PostgresSink(new PostStore(DataSource), settings, counters),
            settings,
            counters);
    }

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
