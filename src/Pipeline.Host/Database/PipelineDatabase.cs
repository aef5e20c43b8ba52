using Microsoft.Extensions.Logging;
using Npgsql;
using Pipeline.Actors.Storage;
using Pipeline.Host.Settings;

namespace Pipeline.Host.Database;

/// <summary>
/// The database the pipeline writes to: the configured server, or, with no connection
/// string, an embedded PostgreSQL started from the local binaries in a data folder that
/// survives restarts. Disposing stops the embedded server.
/// </summary>
public sealed class PipelineDatabase : IAsyncDisposable
{
    public const string ReportingPasswordVariable = "PIPELINE_REPORTING_PASSWORD";

    private PipelineDatabase(NpgsqlDataSource dataSource, LocalPostgres? embedded, string connectionString)
    {
        DataSource = dataSource;
        Embedded = embedded;
        ConnectionString = connectionString;
    }

    /// <summary>With its password: for components that connect on their own (the scrapers' journal). Never log it.</summary>
    public string ConnectionString { get; }

    public NpgsqlDataSource DataSource { get; }

    public LocalPostgres? Embedded { get; }

    /// <summary>For logs: where the data lives, without the password.</summary>
    public string Description => Embedded is { } e
        ? $"embedded PostgreSQL on 127.0.0.1:{e.Port} (data in {e.DataDirectory})"
        : $"PostgreSQL at {new NpgsqlConnectionStringBuilder(DataSource.ConnectionString) { Password = null }.Host}";

    /// <summary>Connects (starting the embedded server if needed), applies migrations and syncs the companies.</summary>
    public static async Task<PipelineDatabase> OpenAsync(PipelineSettings settings, ILoggerFactory loggers, CancellationToken ct = default)
    {
        var logger = loggers.CreateLogger<PipelineDatabase>();
        LocalPostgres? embedded = null;
        var connectionString = settings.Database.ConnectionString;
        if (connectionString is null)
        {
            var options = new LocalPostgresOptions(
                Path.GetFullPath(settings.Database.Embedded.DataDirectory),
                settings.Database.Embedded.BinDirectory,
                settings.Database.Embedded.Port == 0 ? null : settings.Database.Embedded.Port);
            embedded = await LocalPostgres.StartAsync(options, loggers.CreateLogger<LocalPostgres>(), ct);
            connectionString = embedded.ConnectionString;
        }

        var database = new PipelineDatabase(PipelineDataSource.Create(connectionString, loggers), embedded, connectionString);
        try
        {
            await database.MigrateAsync(settings, logger, ct);
            return database;
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }
    }

    private async Task MigrateAsync(PipelineSettings settings, ILogger logger, CancellationToken ct)
    {
        var migrator = new SchemaMigrator(DataSource, logger);
        var report = await migrator.MigrateAsync(ct);
        logger.LogInformation("Schema at version {Version} ({Applied} migrations applied now) on {Database}",
            report.CurrentVersion, report.Applied.Count, Description);
        await CompanyCatalog.SyncAsync(DataSource, settings.Companies, ct);
        if (Environment.GetEnvironmentVariable(ReportingPasswordVariable) is { Length: > 0 } password)
        {
            await migrator.EnsureReportingLoginAsync(settings.Database.ReportingUser, password, ct);
            logger.LogInformation("Reporting login '{User}' can read the reporting views", settings.Database.ReportingUser);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        if (Embedded is not null)
        {
            await Embedded.DisposeAsync();
        }
    }
}
