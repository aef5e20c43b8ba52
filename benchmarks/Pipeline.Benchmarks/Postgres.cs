using Npgsql;
using Pipeline.Actors.Storage;
using Pipeline.Postgres;
using Pipeline.Tests.Shared;

namespace Pipeline.Benchmarks;

/// <summary>A throwaway PostgreSQL with the pipeline schema, for one benchmark run.</summary>
public sealed class Postgres : IAsyncDisposable
{
    private readonly LocalPostgres _server;
    private readonly string _directory;

    private Postgres(LocalPostgres server, string directory, NpgsqlDataSource dataSource)
    {
        _server = server;
        _directory = directory;
        DataSource = dataSource;
    }

    public NpgsqlDataSource DataSource { get; }

    public string ConnectionString => _server.ConnectionString;

    /// <summary>The server log (auto_explain writes its plans there).</summary>
    public string LogFile => _server.LogFile;

    public static async Task<Postgres> StartAsync(IReadOnlyDictionary<string, string>? serverSettings = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"pipeline-bench-pg-{Guid.NewGuid():N}");
        var server = await LocalPostgres.StartAsync(new LocalPostgresOptions(Path.Combine(directory, "data"), Durable: false)
        {
            ServerSettings = serverSettings ?? new Dictionary<string, string>(),
        });
        var dataSource = PipelineDataSource.Create(server.ConnectionString);
        await new SchemaMigrator(dataSource).MigrateAsync();
        await CompanyCatalog.SyncAsync(dataSource, SyntheticTweets.Companies);
        return new Postgres(server, directory, dataSource);
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        await _server.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}
