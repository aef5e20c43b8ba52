using System.Text.Json;
using Akka.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pipeline.Actors.Storage;
using Pipeline.Host.Database;
using Pipeline.Host.Settings;
using static Pipeline.Tests.Shared.FakeHttpServer;

namespace Pipeline.Host.Tests.Database;

/// <summary>
/// The real service with the three roles: the owner migrates and sets up the logins, the service runs as the writer
/// (sink and scraper journal included), and a writer alone runs a current schema but stops on a pending migration.
/// </summary>
public sealed class LeastPrivilegeSpecs(PostgresFixture postgres)
{
    private const string SearchPath = "/2/tweets/search/recent";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static (PipelineSettings Settings, Config Config) Configure(string hocon, string folder)
    {
        var config = ConfigurationFactory.ParseString($$"""
            {{hocon}}
            pipeline.import.inbox = "{{folder}}/inbox"
            pipeline.import.files = []
            pipeline.topics.enabled = off
            pipeline.sentiment.enabled = off
            pipeline.sink.max-wait = 50ms
            pipeline.scraping.backfill-days = 1
            pipeline.scraping.poll-interval = 1h
            pipeline.scraping.request-interval = 0s
            pipeline.scraping.diagnostics = "{{folder}}/diagnostics"
            pipeline.companies = [{ id = northwind, name = "Northwind Bank", handles = ["@NorthwindHelp"], terms = ["northwind bank"], country = Nigeria, industry = Banking }]
            akka.loglevel = WARNING
            """).WithFallback(SettingsLoader.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "pipeline.conf")), _ => null));
        return (SettingsLoader.Load(config), config);
    }

    private static string As(string connectionString, string user, string password) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Username = user, Password = password }.ConnectionString;

    private static string Unique(string prefix) => prefix + "_" + Guid.NewGuid().ToString("N")[..8];

    private static async Task<object?> ScalarAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return await command.ExecuteScalarAsync(Ct);
    }

    private static string Page(IEnumerable<long> ids, string? next) => JsonSerializer.Serialize(new
    {
        data = ids.Select(id => new
        {
            id = id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            text = $"Northwind Bank reversal still pending, ref {id}",
            author_id = "42",
            created_at = DateTimeOffset.UtcNow.AddHours(-3).ToString("yyyy-MM-dd'T'HH:mm:ss'.000Z'"),
            lang = "en",
        }),
        includes = new { users = new[] { new { id = "42", username = "ada_obi", name = "Ada" } } },
        meta = next is null ? (object)new { result_count = 2 } : new { result_count = 2, next_token = next },
    });

    [Fact]
    public async Task Service_given_an_owner_runs_as_the_writer_and_stores_scraped_posts_and_its_journal()
    {
        using var folder = new TempDirectory();
        await using var api = await StartAsync();
        api.Then(SearchPath, Respond(200, Page([2001, 2002], "P2"), "application/json"))
            .Then(SearchPath, Respond(200, Page([2003, 2004], null), "application/json"));
        var owner = await postgres.CreateDatabaseAsync();
        var (writer, reporting) = (Unique("writer"), Unique("tableau"));
        var environment = new Dictionary<string, string>
        {
            [PipelineDatabase.WriterPasswordVariable] = "writer-secret",
            [PipelineDatabase.ReportingPasswordVariable] = "reporting-secret",
            ["PIPELINE_X_BEARER_TOKEN"] = "token",
        };
        var (settings, config) = Configure($$"""
            pipeline.database.connection-string = "{{As(owner, writer, "writer-secret")}}"
            pipeline.database.owner-connection-string = "{{owner}}"
            pipeline.database.writer-user = {{writer}}
            pipeline.database.reporting-user = {{reporting}}
            pipeline.scraping.x-api.enabled = on
            pipeline.scraping.x-api.base-url = "{{api.BaseUrl}}"
            """, folder.Path);

        await using var database = await PipelineDatabase.OpenAsync(settings, NullLoggerFactory.Instance, Ct, environment.GetValueOrDefault);
        await using var app = PipelineComposition.BuildService(settings, config, database.DataSource, ["http://127.0.0.1:0"],
            database.ConnectionString, environment.GetValueOrDefault);
        await app.StartAsync(Ct);

        await using var asOwner = NpgsqlDataSource.Create(owner);
        await AwaitAsync(async () => (await StoredPosts.IdsAsync(asOwner)).Count == 4);
        await AwaitAsync(async () => (long)(await ScalarAsync(asOwner, "SELECT count(*) FROM public.journal"))! > 0);
        Assert.Equal(writer, await ScalarAsync(database.DataSource, "SELECT current_user::text"));
        Assert.Equal(writer, new NpgsqlConnectionStringBuilder(database.ConnectionString).Username);
        Assert.Equal(new NpgsqlConnectionStringBuilder(owner).Username,
            await ScalarAsync(asOwner, "SELECT tableowner::text FROM pg_tables WHERE schemaname = 'public' AND tablename = 'journal'"));
        await using var asReporting = NpgsqlDataSource.Create(As(owner, reporting, "reporting-secret"));
        Assert.Equal(4L, await ScalarAsync(asReporting, "SELECT count(*) FROM reporting.posts"));
        // The dashboard reads as the reporting group, which the writer is a member of.
        var topics = await new Pipeline.Host.Dashboard.DashboardQueries(database.DataSource).TopicDistributionAsync(Pipeline.Host.Dashboard.DashboardFilter.None, Ct);
        Assert.Equal(4L, topics.Sum(t => t.Posts));
    }

    [Fact]
    public async Task Owner_connection_alone_migrates_sets_up_the_writer_and_connects_as_it()
    {
        // The deployment's init step: `pipeline migrate` with PIPELINE_DB_OWNER and PIPELINE_WRITER_PASSWORD only.
        using var folder = new TempDirectory();
        var owner = await postgres.CreateDatabaseAsync();
        var writer = Unique("writer");
        var (settings, _) = Configure($$"""
            pipeline.database.owner-connection-string = "{{owner}}"
            pipeline.database.writer-user = {{writer}}
            """, folder.Path);

        await using var database = await PipelineDatabase.OpenAsync(settings, NullLoggerFactory.Instance, Ct,
            name => name == PipelineDatabase.WriterPasswordVariable ? "writer-secret" : null);

        Assert.Null(database.Embedded);
        Assert.Equal(writer, await ScalarAsync(database.DataSource, "SELECT current_user::text"));
        Assert.True(await new SchemaMigrator(database.DataSource).IsUpToDateAsync(Ct));
    }

    [Fact]
    public async Task Writer_alone_runs_a_current_schema_without_any_right_to_create()
    {
        using var folder = new TempDirectory();
        var owner = await postgres.CreateDatabaseAsync();
        var writer = Unique("writer");
        var environment = new Dictionary<string, string> { [PipelineDatabase.WriterPasswordVariable] = "writer-secret" };
        var writerConnection = As(owner, writer, "writer-secret");
        var (asOwner, _) = Configure($$"""
            pipeline.database.connection-string = "{{writerConnection}}"
            pipeline.database.owner-connection-string = "{{owner}}"
            pipeline.database.writer-user = {{writer}}
            """, folder.Path);
        // `pipeline migrate` as the owner, once.
        await (await PipelineDatabase.OpenAsync(asOwner, NullLoggerFactory.Instance, Ct, environment.GetValueOrDefault)).DisposeAsync();
        var (writerOnly, _) = Configure($$"""
            pipeline.database.connection-string = "{{writerConnection}}"
            pipeline.database.writer-user = {{writer}}
            """, folder.Path);

        await using var database = await PipelineDatabase.OpenAsync(writerOnly, NullLoggerFactory.Instance, Ct, _ => null);

        Assert.Equal(writer, await ScalarAsync(database.DataSource, "SELECT current_user::text"));
        Assert.Equal(false, await ScalarAsync(database.DataSource,
            "SELECT has_database_privilege(current_database(), 'CREATE') OR has_schema_privilege('pipeline', 'CREATE') " +
            "OR has_schema_privilege('public', 'CREATE') OR has_schema_privilege('reporting', 'CREATE')"));
        Assert.Equal(1L, await ScalarAsync(database.DataSource, "SELECT count(*) FROM pipeline.companies"));
    }

    [Fact]
    public async Task Purge_verb_as_the_writer_removes_rows_past_their_period_after_an_owner_set_up_with_retention_off()
    {
        // The owner set-up used to grant or take back the writer's DELETE by the retention settings of whichever verb ran
        // it last: `pipeline migrate` with retention off then left a service with retention on failing every purge.
        using var folder = new TempDirectory();
        var owner = await postgres.CreateDatabaseAsync();
        var writer = Unique("writer");
        var writerConnection = As(owner, writer, "writer-secret");
        var (migrate, _) = Configure($$"""
            pipeline.database.connection-string = "{{writerConnection}}"
            pipeline.database.owner-connection-string = "{{owner}}"
            pipeline.database.writer-user = {{writer}}
            """, folder.Path);
        Assert.False(migrate.Retention.Enabled);
        await (await PipelineDatabase.OpenAsync(migrate, NullLoggerFactory.Instance, Ct,
            name => name == PipelineDatabase.WriterPasswordVariable ? "writer-secret" : null)).DisposeAsync();
        await using var asOwner = NpgsqlDataSource.Create(owner);
        // Kept posts of 100, 40 and 1 days ago, a dropped post and a quarantine entry of 50 days ago.
        await ScalarAsync(asOwner, """
            INSERT INTO pipeline.raw_posts (post_id, company_id, source, author_handle, text, created_at, fetched_at)
                SELECT d, 'northwind', 'import', 'ada', 'post', now() - d * interval '1 day', now() FROM unnest(ARRAY[100, 40, 1]) d;
            INSERT INTO pipeline.scored_posts (post_id, company_id, created_at, clean_text, sentiment_text)
                SELECT d, 'northwind', now() - d * interval '1 day', 'post', 'post' FROM unnest(ARRAY[100, 40, 1]) d;
            INSERT INTO pipeline.raw_posts (post_id, company_id, source, author_handle, text, created_at, fetched_at, drop_reason)
                VALUES (50, 'northwind', 'import', 'ada', 'post', now() - interval '50 days', now(), 'spam');
            INSERT INTO pipeline.drop_counts (company_id, day, reason, posts)
                VALUES ('northwind', ((now() - interval '50 days') AT TIME ZONE 'UTC')::date, 'spam', 1);
            INSERT INTO pipeline.quarantine (source, location, error, fingerprint, quarantined_at)
                VALUES ('sentiment', 't.jsonl:1', 'failed', 'q1', now() - interval '50 days');
            """);
        var config = folder.Combine("service.conf");
        File.WriteAllText(config, File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "pipeline.conf")) + $$"""

            pipeline.database.connection-string = "{{writerConnection}}"
            pipeline.database.writer-user = {{writer}}
            pipeline.retention { kept-posts = 30d, dropped-posts = 30d, quarantine = 30d }
            """);
        using var output = new StringWriter();

        var exit = await Pipeline.Host.Commands.PurgeCommand.ExecuteAsync(config, output, Ct);

        Assert.True(exit == Pipeline.Host.Commands.ExitCodes.Ok, output.ToString());
        Assert.Contains("removed 2 kept posts, 1 dropped post, 1 quarantine entry", output.ToString(), StringComparison.Ordinal);
        Assert.Equal("1", await ScalarAsync(asOwner, "SELECT string_agg(post_id::text, ',') FROM pipeline.raw_posts"));
        Assert.Equal(1L, await ScalarAsync(asOwner, "SELECT sum(posts)::bigint FROM pipeline.daily_rollup"));
        Assert.Equal(0L, await ScalarAsync(asOwner, "SELECT count(*) FROM pipeline.drop_counts"));
    }

    [Fact]
    public async Task Owner_set_up_with_retention_on_leaves_the_writer_no_delete_on_posts_drop_counts_or_quarantine()
    {
        using var folder = new TempDirectory();
        var owner = await postgres.CreateDatabaseAsync();
        var writer = Unique("writer");
        var (settings, _) = Configure($$"""
            pipeline.database.connection-string = "{{As(owner, writer, "writer-secret")}}"
            pipeline.database.owner-connection-string = "{{owner}}"
            pipeline.database.writer-user = {{writer}}
            pipeline.retention { kept-posts = 30d, dropped-posts = 30d, quarantine = 30d }
            """, folder.Path);
        Func<string, string?> environment = name => name == PipelineDatabase.WriterPasswordVariable ? "writer-secret" : null;
        await (await PipelineDatabase.OpenAsync(settings, NullLoggerFactory.Instance, Ct, environment)).DisposeAsync();
        await using (var asOwner = NpgsqlDataSource.Create(owner))
        {
            // What an earlier release granted while retention was on: the next set-up takes it back.
            await ScalarAsync(asOwner, $"GRANT DELETE ON pipeline.raw_posts, pipeline.scored_posts, pipeline.drop_counts, pipeline.quarantine TO {writer}");
        }

        await using var database = await PipelineDatabase.OpenAsync(settings, NullLoggerFactory.Instance, Ct, environment);

        Assert.Equal(writer, await ScalarAsync(database.DataSource, "SELECT current_user::text"));
        foreach (var table in new[] { "raw_posts", "scored_posts", "drop_counts", "quarantine" })
        {
            var error = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync(database.DataSource, $"DELETE FROM pipeline.{table}"));
            Assert.True(error.SqlState == PostgresErrorCodes.InsufficientPrivilege, $"{table}: {error.SqlState} {error.MessageText}");
        }
    }

    [Fact]
    public async Task Writer_alone_on_a_schema_with_pending_migrations_stops_and_names_pipeline_migrate()
    {
        using var folder = new TempDirectory();
        var owner = await postgres.CreateDatabaseAsync();
        await using (var asOwner = NpgsqlDataSource.Create(owner))
        {
            // The schema an older release left, with its writer.
            await new SchemaMigrator(asOwner).MigrateToAsync(SchemaMigrator.Shipped[^2].Version, Ct);
        }

        var writer = Unique("writer");
        await using (var asOwner = NpgsqlDataSource.Create(owner))
        {
            var roles = new DatabaseRoleSetup(asOwner);
            await roles.EnsureLoginAsync(DatabaseRoles.WriterSetting, writer, "writer-secret", Ct);
            await roles.GrantWriterAsync(writer, Ct);
        }

        var (settings, _) = Configure($$"""
            pipeline.database.connection-string = "{{As(owner, writer, "writer-secret")}}"
            pipeline.database.writer-user = {{writer}}
            """, folder.Path);

        var error = await Assert.ThrowsAsync<SettingsException>(() =>
            PipelineDatabase.OpenAsync(settings, NullLoggerFactory.Instance, Ct, _ => null));

        // The release before this one shipped the migration before the latest (versions need not be consecutive).
        Assert.Contains($"schema at version {SchemaMigrator.Shipped[^2].Version}, this build needs {SchemaMigrator.Shipped[^1].Version}", error.Message);
        Assert.Contains("run `pipeline migrate` with PIPELINE_DB_OWNER", error.Message);
    }

    [Fact]
    public async Task One_superuser_login_still_migrates_and_runs_but_is_warned_about()
    {
        using var folder = new TempDirectory();
        var (settings, _) = Configure($$"""
            pipeline.database.connection-string = "{{await postgres.CreateDatabaseAsync()}}"
            pipeline.database.writer-user = {{Unique("writer")}}
            """, folder.Path);
        var logs = new CapturedLogs();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(logs));

        await using var database = await PipelineDatabase.OpenAsync(settings, loggers, Ct, _ => null);

        Assert.True(await new SchemaMigrator(database.DataSource).IsUpToDateAsync(Ct));
        Assert.Contains(logs.Lines, l => l.StartsWith("Warning: The service runs as 'postgres', a superuser", StringComparison.Ordinal)
                                         && l.Contains("PIPELINE_DB_OWNER", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Reporting_user_named_like_the_owner_stops_start_up_naming_the_setting()
    {
        using var folder = new TempDirectory();
        var (settings, _) = Configure($$"""
            pipeline.database.connection-string = "{{await postgres.CreateDatabaseAsync()}}"
            pipeline.database.reporting-user = postgres_owner
            """, folder.Path);
        var owner = Unique("owner");
        var ownerConnection = await postgres.CreateDatabaseAsync();
        await using (var admin = NpgsqlDataSource.Create(ownerConnection))
            await ScalarAsync(admin, $"CREATE ROLE {owner} LOGIN SUPERUSER PASSWORD '{ScramVerifier.Compute("owner-secret")}'");
        settings = settings with
        {
            Database = settings.Database with { ConnectionString = As(ownerConnection, owner, "owner-secret"), ReportingUser = owner },
        };

        var error = await Assert.ThrowsAsync<SettingsException>(() =>
            PipelineDatabase.OpenAsync(settings, NullLoggerFactory.Instance, Ct, _ => null));

        Assert.Contains($"pipeline.database.reporting-user = \"{owner}\" is the login that owns the schema and runs migrations", error.Message);
    }

    [Fact]
    public async Task Embedded_database_migrates_as_its_superuser_and_runs_the_service_as_a_generated_writer()
    {
        using var folder = new TempDirectory();
        var data = postgres.CreateDataDirectory();
        var (settings, _) = Configure($$"""
            pipeline.database.connection-string = ""
            pipeline.database.embedded.data-directory = "{{data}}"
            """, folder.Path);

        string password;
        await using (var database = await PipelineDatabase.OpenAsync(settings, NullLoggerFactory.Instance, Ct, _ => null))
        {
            password = new NpgsqlConnectionStringBuilder(database.ConnectionString).Password!;
            Assert.Equal("pipeline_writer", await ScalarAsync(database.DataSource, "SELECT current_user::text"));
            Assert.Equal(false, await ScalarAsync(database.DataSource,
                "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"));
            var file = database.Embedded!.PasswordFile("pipeline_writer");
            Assert.Equal(password, File.ReadAllText(file));
            if (!OperatingSystem.IsWindows())
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }

        await using var again = await PipelineDatabase.OpenAsync(settings, NullLoggerFactory.Instance, Ct, _ => null);
        Assert.Equal(password, new NpgsqlConnectionStringBuilder(again.ConnectionString).Password);
        Assert.Equal("pipeline_writer", await ScalarAsync(again.DataSource, "SELECT current_user::text"));
        // The cluster is the pipeline's own: its logins reach no other database.
        var elsewhere = new NpgsqlConnectionStringBuilder(again.ConnectionString) { Database = "postgres", Pooling = false }.ConnectionString;
        await using var other = new NpgsqlConnection(elsewhere);
        var error = await Assert.ThrowsAsync<PostgresException>(() => other.OpenAsync(Ct));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
    }

    [Fact]
    public async Task Admin_verb_beside_a_running_embedded_service_uses_its_server_and_leaves_it_running()
    {
        using var folder = new TempDirectory();
        var data = postgres.CreateDataDirectory();
        var embedded = $$"""
            pipeline.database.connection-string = ""
            pipeline.database.embedded.data-directory = "{{data}}"
            """;
        var (settings, _) = Configure(embedded, folder.Path);
        var config = folder.Combine("pipeline.conf");
        File.WriteAllText(config, File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "pipeline.conf")) + Environment.NewLine + embedded);
        await using var service = await PipelineDatabase.OpenAsync(settings, NullLoggerFactory.Instance, Ct, _ => null);

        Assert.Equal(Pipeline.Host.Commands.ExitCodes.Ok,
            await Pipeline.Host.Commands.ExportCommand.ExecuteAsync(config, "@nobody", new FileInfo(folder.Combine("nobody.jsonl")), Ct));

        // Restarting the server under the service would have broken its pooled connections and left it stopped.
        Assert.Equal(service.Embedded!.Port, new NpgsqlConnectionStringBuilder(service.ConnectionString).Port);
        Assert.Equal("pipeline_writer", await ScalarAsync(service.DataSource, "SELECT current_user::text"));
        Assert.Equal(1L, await ScalarAsync(service.DataSource, "SELECT count(*) FROM pipeline.audit WHERE action = 'export'"));
    }

    private static Task AwaitAsync(Func<Task<bool>> condition) => Eventually.TrueAsync("the awaited condition", condition, Patience);
}
