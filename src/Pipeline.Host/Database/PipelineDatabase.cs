using Microsoft.Extensions.Logging;
using Npgsql;
using Pipeline.Actors.Storage;
using Pipeline.Host.Settings;
using Pipeline.Postgres;

namespace Pipeline.Host.Database;

/// <summary>
/// The database the pipeline writes to: the configured server, or, with no connection
/// string, an embedded PostgreSQL started from the local binaries in a data folder that
/// survives restarts. Disposing stops the embedded server.
/// </summary>
/// <remarks>
/// Least privilege: the owner login (PIPELINE_DB_OWNER; the embedded superuser) migrates and sets up the
/// writer and reporting logins; <see cref="DataSource"/> and <see cref="ConnectionString"/> are the writer's, which
/// can read and write the pipeline's rows and nothing else. Without an owner login, PIPELINE_DB does both, as
/// before roles existed, or, when it cannot migrate, runs a current schema and stops on a pending migration.
/// </remarks>
public sealed class PipelineDatabase : IAsyncDisposable
{
    public const string ReportingPasswordVariable = "PIPELINE_REPORTING_PASSWORD";
    public const string WriterPasswordVariable = "PIPELINE_WRITER_PASSWORD";

    private PipelineDatabase(NpgsqlDataSource dataSource, LocalPostgres? embedded, string connectionString)
    {
        DataSource = dataSource;
        Embedded = embedded;
        ConnectionString = connectionString;
    }

    /// <summary>The run-time login, with its password: for components that connect on their own (the scrapers' journal). Never log it.</summary>
    public string ConnectionString { get; }

    /// <summary>The run-time login's pool (the writer's in a server or embedded deployment).</summary>
    public NpgsqlDataSource DataSource { get; }

    public LocalPostgres? Embedded { get; }

    /// <summary>For logs: where the data lives and as whom, without the password.</summary>
    public string Description => Embedded is { } e
        ? $"embedded PostgreSQL on 127.0.0.1:{e.Port} (data in {e.DataDirectory}) as {User}"
        : $"PostgreSQL at {new NpgsqlConnectionStringBuilder(DataSource.ConnectionString).Host} as {User}";

    private string? User => new NpgsqlConnectionStringBuilder(ConnectionString).Username;

    /// <summary>
    /// Connects (starting the embedded server if needed), applies migrations and sets up the roles as the owner
    /// when there is one, and syncs the companies as the run-time login.
    /// </summary>
    /// <param name="environment">Where the passwords are read from; the process environment unless a test gives its own.</param>
    /// <param name="joinRunningServer">For one-shot verbs: an embedded server already up on the data folder (the running
    /// service's or demo's) is used as it is and left running, not restarted under the service's feet.</param>
    /// <exception cref="SettingsException">A role name cannot be used, or migrations are pending and no login may apply them.</exception>
    public static async Task<PipelineDatabase> OpenAsync(PipelineSettings settings, ILoggerFactory loggers, CancellationToken ct = default,
        Func<string, string?>? environment = null, bool joinRunningServer = false)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var logger = loggers.CreateLogger<PipelineDatabase>();
        var database = settings.Database;
        LocalPostgres? embedded = null;
        try
        {
            string runtime;
            if (database is { ConnectionString: null, OwnerConnectionString: null })
            {
                var options = new LocalPostgresOptions(
                    Path.GetFullPath(database.Embedded.DataDirectory),
                    database.Embedded.BinDirectory,
                    database.Embedded.Port == 0 ? null : database.Embedded.Port) { JoinRunning = joinRunningServer };
                embedded = await LocalPostgres.StartAsync(options, loggers.CreateLogger<LocalPostgres>(), ct);
                // Embedded, the program is its own DBA: it migrates as the superuser and runs as a writer whose
                // generated password is kept beside the superuser's in the data folder.
                var writerPassword = embedded.KeptPassword(database.WriterUser);
                await using (var owner = PipelineDataSource.Create(embedded.ConnectionString, loggers))
                    await SetUpAsOwnerAsync(owner, settings, writerPassword, environment, logger, ct, ownCluster: true);
                runtime = new NpgsqlConnectionStringBuilder(embedded.ConnectionString)
                {
                    Username = database.WriterUser,
                    Password = writerPassword,
                }.ConnectionString;
            }
            else if (database.OwnerConnectionString is { } ownerConnection)
            {
                var writerPassword = environment(WriterPasswordVariable) is { Length: > 0 } p ? p : null;
                await using (var owner = PipelineDataSource.Create(ownerConnection, loggers))
                    await SetUpAsOwnerAsync(owner, settings, writerPassword, environment, logger, ct);
                runtime = database.ConnectionString ?? WriterOnOwnersServer(ownerConnection, database.WriterUser, writerPassword, logger);
            }
            else
            {
                runtime = database.ConnectionString!; // the first branch takes the case without either
            }

            var opened = new PipelineDatabase(PipelineDataSource.Create(runtime, loggers), embedded, runtime);
            try
            {
                if (database.ConnectionString is not null && database.OwnerConnectionString is null)
                    await opened.SetUpWithoutOwnerAsync(settings, environment, logger, ct);
                else if (database is { ConnectionString: not null, OwnerConnectionString: not null }
                         && await DatabaseRoleSetup.ReadRightsAsync(opened.DataSource, ct) is { } rights && (rights.IsSuperuser || rights.OwnsSchema))
                    logger.LogWarning("PIPELINE_DB logs in as '{User}', {What}: give the service the writer login ('{Writer}') instead",
                        rights.User, rights.IsSuperuser ? "a superuser" : "the owner of the pipeline schema", database.WriterUser);
                await CompanyCatalog.SyncAsync(opened.DataSource, settings.Companies, ct);
                // Rows stored before V014 get their pseudonyms (none to do on every later start).
                var keys = await PrivacyKeys.LoadAsync(opened.DataSource, PrivacySecret.FromEnvironment(environment).Value, ct);
                if (await PseudonymBackfill.RunAsync(opened.DataSource, keys, ct) is > 0 and var filled)
                    logger.LogInformation("Gave {Rows} stored posts their author pseudonyms (stored before migration V014)", filled);
                return opened;
            }
            catch
            {
                await opened.DataSource.DisposeAsync();
                throw;
            }
        }
        catch
        {
            if (embedded is not null)
                await embedded.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// PIPELINE_DB_OWNER alone (the init step that runs <c>pipeline migrate</c>): the writer it just set up, on the
    /// owner's server and database, so the run-time login is tried at once; without a writer password, the owner.
    /// </summary>
    private static string WriterOnOwnersServer(string ownerConnection, string writer, string? writerPassword, ILogger logger)
    {
        if (writerPassword is null)
        {
            logger.LogWarning("No PIPELINE_DB and no {Variable}: the service runs as the owner, which could drop or alter any table",
                WriterPasswordVariable);
            return ownerConnection;
        }

        return new NpgsqlConnectionStringBuilder(ownerConnection) { Username = writer, Password = writerPassword }.ConnectionString;
    }

    /// <summary>
    /// PIPELINE_DB alone: a login that can migrate does everything as before (with a warning that the service then
    /// runs with the owner's rights); one that cannot runs a current schema and stops on a pending migration.
    /// </summary>
    private async Task SetUpWithoutOwnerAsync(PipelineSettings settings, Func<string, string?> environment, ILogger logger, CancellationToken ct)
    {
        var rights = await DatabaseRoleSetup.ReadRightsAsync(DataSource, ct);
        var migrator = new SchemaMigrator(DataSource, logger);
        var version = await migrator.CurrentVersionAsync(ct);
        if (rights.CanMigrate(schemaExists: version > 0))
        {
            if (rights.IsSuperuser || rights.OwnsSchema)
                logger.LogWarning(
                    "The service runs as '{User}', {What}: it could drop or alter any table. Give it a writer login in PIPELINE_DB " +
                    "and the owner's in PIPELINE_DB_OWNER (or run `pipeline migrate` as the owner first)",
                    rights.User, rights.IsSuperuser ? "a superuser" : "the owner of the pipeline schema");
            await SetUpAsOwnerAsync(DataSource, settings, environment(WriterPasswordVariable) is { Length: > 0 } p ? p : null,
                environment, logger, ct);
            return;
        }

        if (version < migrator.LatestVersion)
            throw new SettingsException([
                $"pipeline.database.connection-string (PIPELINE_DB): schema at version {version}, this build needs {migrator.LatestVersion}, " +
                $"and '{rights.User}' may not migrate it: run `pipeline migrate` with PIPELINE_DB_OWNER (the schema owner's connection string)."]);

        foreach (var variable in new[] { WriterPasswordVariable, ReportingPasswordVariable })
            if (environment(variable) is { Length: > 0 })
                logger.LogWarning("{Variable} is set, but '{User}' cannot set up logins: it takes effect only with PIPELINE_DB_OWNER", variable, rights.User);
        logger.LogInformation("Schema at version {Version} on {Database}", version, Description);
    }

    /// <summary>As the owner: migrations, then the roles and their grants (again after every migration, so new tables are covered).</summary>
    /// <param name="ownCluster">The cluster is the pipeline's own (embedded): its other databases are closed to the logins too.</param>
    private static async Task SetUpAsOwnerAsync(NpgsqlDataSource owner, PipelineSettings settings, string? writerPassword,
        Func<string, string?> environment, ILogger logger, CancellationToken ct, bool ownCluster = false)
    {
        var names = new DatabaseRoles(settings.Database.WriterUser, settings.Database.ReportingUser);
        var roles = new DatabaseRoleSetup(owner);
        var rights = await roles.RightsAsync(ct);
        if (names.Problem(rights.User) is { } problem)
            throw new SettingsException([problem]);

        var report = await new SchemaMigrator(owner, logger).MigrateAsync(ct);
        logger.LogInformation("Schema at version {Version} ({Applied} migrations applied now) as '{Owner}'",
            report.CurrentVersion, report.Applied.Count, rights.User);
        try
        {
            await roles.LockDownDatabaseAsync(ct);
            if (writerPassword is not null)
            {
                await roles.EnsureLoginAsync(DatabaseRoles.WriterSetting, names.Writer, writerPassword, ct);
            }

            if (await roles.ExistsAsync(names.Writer, ct))
            {
                await roles.GrantWriterAsync(names.Writer, ct);
                logger.LogInformation("Writer login '{User}' can read and write the pipeline's rows and nothing else", names.Writer);
            }
            else
            {
                logger.LogInformation("No writer login '{User}' yet (set {Variable} with the owner's connection to make it)",
                    names.Writer, WriterPasswordVariable);
            }

            if (environment(ReportingPasswordVariable) is { Length: > 0 } reportingPassword)
            {
                await roles.EnsureLoginAsync(DatabaseRoles.ReportingSetting, names.Reporting, reportingPassword, ct);
                await roles.GrantReportingAsync(names.Reporting, ct);
                logger.LogInformation("Reporting login '{User}' can read the reporting views", names.Reporting);
            }

            if (ownCluster)
                await roles.CloseOtherDatabasesAsync(ct);

            // Other databases of a shared server are not the owner's to close: say what a DBA should run.
            foreach (var login in new[] { names.Writer, names.Reporting })
            {
                if (await roles.ExistsAsync(login, ct) && await roles.OtherDatabasesOpenToAsync(login, ct) is { Count: > 0 } open)
                    logger.LogWarning(
                        "Login '{User}' may also connect to {Databases} (PUBLIC has CONNECT there); a DBA should run " +
                        "REVOKE CONNECT ON DATABASE {List} FROM PUBLIC (granting CONNECT back to the roles that need it)",
                        login, string.Join(", ", open), string.Join(", ", open.Select(d => "\"" + d + "\"")));
            }
        }
        catch (RoleNameException e)
        {
            throw new SettingsException([e.Message]);
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
