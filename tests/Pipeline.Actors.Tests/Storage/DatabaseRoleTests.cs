using Npgsql;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Storage;
using Pipeline.Actors.Tests.Support;
using Pipeline.Models.Domain;

namespace Pipeline.Actors.Tests.Storage;

/// <summary>The three roles on a real PostgreSQL: what the writer and the reporting login may do, and what not.</summary>
public sealed class DatabaseRoleTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record Roles(TestDatabase Owner, string Writer, string WriterConnection, string Reporting, string ReportingConnection) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Owner.DisposeAsync();
    }

    /// <summary>A migrated database (as the fixture's superuser, the owner) with a writer and a reporting login set up as the service does.</summary>
    private async Task<Roles> SetUpAsync()
    {
        var owner = await TestDatabase.CreateAsync(postgres);
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var (writer, reporting) = ("writer_" + suffix, "report_" + suffix);
        var setup = new DatabaseRoleSetup(owner.DataSource);
        await setup.LockDownDatabaseAsync(Ct);
        await setup.EnsureLoginAsync(DatabaseRoles.WriterSetting, writer, "writer-pass-" + suffix, Ct);
        await setup.GrantWriterAsync(writer, Ct);
        await setup.EnsureLoginAsync(DatabaseRoles.ReportingSetting, reporting, "report-pass-" + suffix, Ct);
        await setup.GrantReportingAsync(reporting, Ct);
        return new Roles(owner, writer, As(owner.ConnectionString, writer, "writer-pass-" + suffix),
            reporting, As(owner.ConnectionString, reporting, "report-pass-" + suffix));
    }

    private static string As(string connectionString, string user, string password) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Username = user, Password = password, Pooling = false }.ConnectionString;

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync(Ct);
    }

    private static async Task AssertDeniedAsync(string connectionString, string sql)
    {
        var error = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync(connectionString, sql));
        Assert.True(error.SqlState == PostgresErrorCodes.InsufficientPrivilege, $"{sql}: {error.SqlState} {error.MessageText}");
    }

    private static readonly DateTimeOffset April2023 = new(2023, 4, 1, 8, 0, 0, TimeSpan.Zero);

    private static PipelineItem.Scored Kept(long id, DateTimeOffset? created = null, SentimentScore? sentiment = null)
    {
        const string text = "@gtbank my transfer failed";
        var cleaned = new CleanedPost(
            new RawPost(new PostId(id), new CompanyId("gtbank"), PostSource.Import, "7", "ada", text,
                created ?? April2023, 1, 2, 3, 4, null, "en", false, false, DateTimeOffset.UtcNow),
            new CompanyId("gtbank"), text, text, ["transfer", "failed"]);
        return new(new ScoredPost(cleaned) { Sentiment = sentiment }, $"test:{id}");
    }

    [Fact]
    public async Task Writer_stores_rescores_and_quarantines_posts_through_the_sink_and_publishes_topics()
    {
        await using var roles = await SetUpAsync();
        await using var writer = PipelineDataSource.Create(roles.WriterConnection);
        var sink = new PostgresSink(new PostStore(writer), SinkSettings.Default, new PipelineCounters());

        // New rows (COPY through a temp table, rollup trigger), a quarantined one (its id sequence), then a rescore
        // (upsert updates, the trigger's delete of emptied rollup groups).
        var first = await sink.CommitAsync([Kept(1), Kept(2), Kept(3, created: DateTimeOffset.UnixEpoch)]);
        await sink.CommitAsync([Kept(1, sentiment: new SentimentScore(SentimentLabel.Negative, 0.8, 0.15, 0.05, "test-1"))]);
        await TopicCatalogStore.PublishAsync(writer, TestScoring.Catalog("v1"), Ct);
        await TopicCatalogStore.PublishAsync(writer, TestScoring.Catalog("v1", "Renamed"), Ct);

        Assert.Equal(2, first.NewPosts);
        Assert.Equal(roles.Writer, await ScalarAsync(roles.WriterConnection, "SELECT current_user::text"));
        Assert.Equal(2L, await roles.Owner.CountAsync("SELECT count(*) FROM pipeline.scored_posts"));
        Assert.Equal(1L, await roles.Owner.CountAsync("SELECT count(*) FROM pipeline.quarantine"));
        Assert.Equal(1L, await roles.Owner.CountAsync("SELECT count(*) FROM pipeline.scored_posts WHERE sentiment_label = 'negative'"));
        Assert.Equal(2L, await roles.Owner.CountAsync("SELECT sum(posts) FROM pipeline.daily_rollup"));
    }

    [Fact]
    public async Task Writer_purges_posts_past_their_period_through_the_owner_functions_without_any_delete_right_of_its_own()
    {
        await using var roles = await SetUpAsync();
        await using var writer = PipelineDataSource.Create(roles.WriterConnection);
        await new PostgresSink(new PostStore(writer), SinkSettings.Default, new PipelineCounters()).CommitAsync([Kept(1), Kept(2, created: DateTimeOffset.UtcNow)]);

        RetentionRemoved removed;
        await using (var held = await new RetentionStore(writer).TryLockAsync(Ct))
        {
            removed = await RetentionStore.PurgeAsync(held!, new RetentionPolicy(TimeSpan.FromDays(30), TimeSpan.FromDays(30), TimeSpan.FromDays(30), 100)
                .CutoffsAt(held!.Now), 100, Ct);
        }

        Assert.Equal(new RetentionRemoved(1, 0, 0, 1), removed);
        Assert.Equal(1L, await roles.Owner.CountAsync("SELECT sum(posts) FROM pipeline.daily_rollup"));
        Assert.False((bool)(await ScalarAsync(roles.WriterConnection,
            "SELECT has_table_privilege('pipeline.raw_posts', 'DELETE') OR has_table_privilege('pipeline.scored_posts', 'DELETE') " +
            "OR has_table_privilege('pipeline.drop_counts', 'DELETE') OR has_table_privilege('pipeline.quarantine', 'DELETE')"))!);
        // Owner's rights for the writer only: PUBLIC may not run them.
        Assert.Equal(3L, await roles.Owner.CountAsync("""
            SELECT count(*) FROM pg_proc
            WHERE proname IN ('purge_kept_posts', 'purge_dropped_posts', 'purge_quarantine') AND prosecdef
              AND NOT has_function_privilege('public', oid, 'EXECUTE')
            """));
    }

    /// <summary>
    /// A function run with the owner's rights looks up types in the caller's temporary schema first unless its search_path
    /// names pg_temp last: a writer's temporary type called date, with a cast to it, would run the writer's own function
    /// as the owner at the purge's ::date (and the rollup trigger's).
    /// </summary>
    [Fact]
    public async Task Writers_temporary_objects_never_run_inside_the_owners_functions()
    {
        await using var roles = await SetUpAsync();
        await using var writer = PipelineDataSource.Create(roles.WriterConnection);
        await new PostgresSink(new PostStore(writer), SinkSettings.Default, new PipelineCounters()).CommitAsync([Kept(1)]);

        await using var connection = new NpgsqlConnection(roles.WriterConnection);
        await connection.OpenAsync(Ct);
        await using var hijack = new NpgsqlCommand("""
            CREATE TEMP TABLE ran_as (login text);
            CREATE TEMP TABLE date (day int);
            CREATE FUNCTION pg_temp.as_date(timestamp) RETURNS pg_temp.date LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO pg_temp.ran_as VALUES (current_user);
                RETURN ROW(1);
            END
            $$;
            CREATE CAST (timestamp AS pg_temp.date) WITH FUNCTION pg_temp.as_date(timestamp);
            """, connection);
        await hijack.ExecuteNonQueryAsync(Ct);
        await using var purge = new NpgsqlCommand("SELECT pipeline.purge_kept_posts(now() - interval '30 days', 100)", connection);
        Assert.Equal(1L, await purge.ExecuteScalarAsync(Ct));
        await using var ran = new NpgsqlCommand("SELECT count(*) FROM pg_temp.ran_as", connection);
        Assert.Equal(0L, await ran.ExecuteScalarAsync(Ct));

        // And every function that runs with the owner's rights, forget_posts included, pins its path so.
        Assert.Equal(0L, await roles.Owner.CountAsync("""
            SELECT count(*) FROM pg_proc
            WHERE pronamespace = 'pipeline'::regnamespace AND prosecdef
              AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY(proconfig), false)
            """));
    }

    /// <summary>V016 repeats the sink's lock class in SQL; were the two to differ, the purge and the sink could deadlock again.</summary>
    [Fact]
    public async Task Purge_of_kept_posts_takes_the_rollup_locks_of_the_sinks_own_class()
    {
        await using var roles = await SetUpAsync();
        var definition = (string)(await ScalarAsync(roles.Owner.ConnectionString, "SELECT pg_get_functiondef('pipeline.purge_kept_posts'::regproc)"))!;
        Assert.Contains($"pg_advisory_xact_lock({PostStore.RollupLockClass}, ", definition, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Writer_keeps_the_scraper_journal_tables_the_owner_made()
    {
        await using var roles = await SetUpAsync();

        await ScalarAsync(roles.WriterConnection, """
            INSERT INTO journal (created, deleted, persistence_id, sequence_number, message) VALUES (1, false, 'scraper-1', 1, '\x01');
            INSERT INTO tags (ordering_id, tag, sequence_nr, persistence_id) VALUES (1, 't', 1, 'scraper-1');
            INSERT INTO snapshot (persistence_id, sequence_number, created, snapshot) VALUES ('scraper-1', 1, 1, '\x02');
            UPDATE journal SET deleted = true WHERE persistence_id = 'scraper-1';
            DELETE FROM snapshot WHERE persistence_id = 'scraper-1';
            """);

        Assert.Equal(1L, await ScalarAsync(roles.WriterConnection, "SELECT count(*) FROM journal WHERE deleted"));
        Assert.Equal(roles.Owner.ConnectionString is { } owner ? new NpgsqlConnectionStringBuilder(owner).Username : null,
            await ScalarAsync(roles.Owner.ConnectionString, "SELECT tableowner::text FROM pg_tables WHERE tablename = 'journal'"));
    }

    [Theory]
    [InlineData("DROP TABLE pipeline.raw_posts")]
    [InlineData("ALTER TABLE pipeline.raw_posts ADD COLUMN extra int")]
    [InlineData("CREATE ROLE intruder LOGIN SUPERUSER")]
    [InlineData("CREATE ROLE intruder")]
    [InlineData("CREATE TABLE pipeline.mine (x int)")]
    [InlineData("CREATE TABLE reporting.mine (x int)")]
    [InlineData("CREATE TABLE public.mine (x int)")]
    [InlineData("CREATE SCHEMA mine")]
    [InlineData("CREATE FUNCTION pipeline.mine() RETURNS int LANGUAGE sql AS 'SELECT 1'")]
    [InlineData("TRUNCATE pipeline.raw_posts")]
    [InlineData("DELETE FROM pipeline.raw_posts")]
    [InlineData("DELETE FROM pipeline.scored_posts")]
    [InlineData("DELETE FROM pipeline.drop_counts")]
    [InlineData("DELETE FROM pipeline.quarantine")]
    [InlineData("INSERT INTO pipeline.schema_migrations (version, name, checksum) VALUES (999, 'x', 'x')")]
    [InlineData("DROP TABLE public.journal")]
    [InlineData("ALTER TABLE public.journal ADD COLUMN extra int")]
    public async Task Writer_cannot_change_the_schema_roles_or_delete_posts(string sql)
    {
        await using var roles = await SetUpAsync();

        await AssertDeniedAsync(roles.WriterConnection, sql);
    }

    [Fact]
    public async Task Writer_is_no_superuser_and_cannot_create_databases_or_roles()
    {
        await using var roles = await SetUpAsync();

        Assert.Equal(false, await ScalarAsync(roles.WriterConnection,
            "SELECT rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication OR rolbypassrls FROM pg_roles WHERE rolname = current_user"));
    }

    [Theory]
    [InlineData("SELECT count(*) FROM pipeline.raw_posts")]
    [InlineData("SELECT count(*) FROM pipeline.quarantine")]
    [InlineData("SELECT count(*) FROM public.journal")]
    [InlineData("CREATE TEMP TABLE mine (x int)")]
    [InlineData("CREATE TABLE pipeline.mine (x int)")]
    [InlineData("CREATE TABLE reporting.mine (x int)")]
    [InlineData("CREATE TABLE public.mine (x int)")]
    [InlineData("CREATE TABLE mine (x int)")]
    [InlineData("CREATE SCHEMA mine")]
    [InlineData("DELETE FROM reporting.companies")]
    public async Task Reporting_login_is_denied_everything_but_the_views(string sql)
    {
        await using var roles = await SetUpAsync();

        await AssertDeniedAsync(roles.ReportingConnection, sql);
    }

    [Fact]
    public async Task Reporting_login_reads_rows_from_the_reporting_views()
    {
        await using var roles = await SetUpAsync();
        await using var writer = PipelineDataSource.Create(roles.WriterConnection);
        await new PostgresSink(new PostStore(writer), SinkSettings.Default, new PipelineCounters()).CommitAsync([Kept(1), Kept(2)]);

        Assert.Equal(2L, await ScalarAsync(roles.ReportingConnection, "SELECT count(*) FROM reporting.posts"));
        Assert.Equal(2L, await ScalarAsync(roles.ReportingConnection, "SELECT sum(posts)::bigint FROM reporting.daily_counts"));
        Assert.NotNull(await ScalarAsync(roles.ReportingConnection, "SELECT count(*) FROM reporting.companies"));
        Assert.Equal(false, await ScalarAsync(roles.ReportingConnection, "SELECT has_database_privilege(current_database(), 'TEMPORARY')"));
    }

    [Fact]
    public async Task Nobody_else_may_connect_to_the_pipeline_database()
    {
        await using var roles = await SetUpAsync();
        var outsider = "outsider_" + Guid.NewGuid().ToString("N")[..8];
        await ScalarAsync(roles.Owner.ConnectionString, $"CREATE ROLE {outsider} LOGIN PASSWORD '{ScramVerifier.Compute("outsider-pass")}'");

        var error = await Assert.ThrowsAsync<PostgresException>(() =>
            ScalarAsync(As(roles.Owner.ConnectionString, outsider, "outsider-pass"), "SELECT 1"));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
    }

    [Fact]
    public async Task Database_owner_that_is_no_superuser_migrates_and_sets_up_both_logins()
    {
        // A managed server: the DBA gives the pipeline a database it owns and CREATEROLE, nothing more.
        var admin = await postgres.CreateDatabaseAsync();
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var (owner, writer, reporting) = ("owner_" + suffix, "writer_" + suffix, "report_" + suffix);
        await ScalarAsync(admin, $"CREATE ROLE {owner} LOGIN CREATEROLE PASSWORD '{ScramVerifier.Compute("owner-pass")}'");
        await ScalarAsync(admin, $"ALTER DATABASE \"{new NpgsqlConnectionStringBuilder(admin).Database}\" OWNER TO {owner}");
        await using var asOwner = NpgsqlDataSource.Create(As(admin, owner, "owner-pass"));

        await new SchemaMigrator(asOwner).MigrateAsync(Ct);
        var setup = new DatabaseRoleSetup(asOwner);
        await setup.LockDownDatabaseAsync(Ct);
        await setup.EnsureLoginAsync(DatabaseRoles.WriterSetting, writer, "writer-pass", Ct);
        await setup.GrantWriterAsync(writer, Ct);
        await setup.EnsureLoginAsync(DatabaseRoles.ReportingSetting, reporting, "report-pass", Ct);
        await setup.GrantReportingAsync(reporting, Ct);
        await CompanyCatalog.SyncAsync(asOwner, SyntheticTweets.Companies, Ct);

        await using var asWriter = PipelineDataSource.Create(As(admin, writer, "writer-pass"));
        Assert.Equal(2, (await new PostgresSink(new PostStore(asWriter), SinkSettings.Default, new PipelineCounters()).CommitAsync([Kept(1), Kept(2)])).NewPosts);
        Assert.Equal(2L, await ScalarAsync(As(admin, reporting, "report-pass"), "SELECT count(*) FROM reporting.posts"));
        await AssertDeniedAsync(As(admin, writer, "writer-pass"), "DROP TABLE pipeline.raw_posts");
        Assert.Equal(false, await ScalarAsync(admin, $"SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = '{writer}'"));
        // The purge's functions run with this owner's rights, which are no superuser's.
        Assert.Equal(2L, await ScalarAsync(As(admin, writer, "writer-pass"), "SELECT pipeline.purge_kept_posts(now() - interval '30 days', 100)"));
    }

    [Fact]
    public async Task Grants_given_again_after_a_later_migration_cover_its_tables()
    {
        await using var owner = await TestDatabase.PrepareAsync(await postgres.CreateDatabaseAsync(), targetVersion: 7);
        var writer = "writer_" + Guid.NewGuid().ToString("N")[..8];
        var setup = new DatabaseRoleSetup(owner.DataSource);
        await setup.EnsureLoginAsync(DatabaseRoles.WriterSetting, writer, "pass-1", Ct);
        await setup.GrantWriterAsync(writer, Ct);

        await new SchemaMigrator(owner.DataSource).MigrateAsync(Ct);
        await setup.GrantWriterAsync(writer, Ct);

        Assert.Equal(0L, await ScalarAsync(As(owner.ConnectionString, writer, "pass-1"), "SELECT count(*) FROM public.journal"));
    }

    [Fact]
    public async Task Password_reaches_the_server_only_as_a_verifier_and_the_login_works_with_it()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        // The login joins pipeline_reporting, which the migrations create (run alone, no other test made it first).
        await using (var migrating = NpgsqlDataSource.Create(connectionString))
            await new SchemaMigrator(migrating).MigrateAsync(Ct);
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        await ScalarAsync(connectionString, $"ALTER DATABASE \"{database}\" SET log_statement = 'all'");
        var user = "login_" + Guid.NewGuid().ToString("N")[..8];
        var password = "Secret-" + Guid.NewGuid().ToString("N");
        var logStart = new FileInfo(postgres.Server.LogFile).Length;

        await using (var owner = NpgsqlDataSource.Create(connectionString))
            await new SchemaMigrator(owner).EnsureReportingLoginAsync(user, password, Ct);

        var log = ReadFrom(postgres.Server.LogFile, logStart);
        Assert.Contains($"ALTER ROLE {user} LOGIN PASSWORD 'SCRAM-SHA-256$4096:", log);
        Assert.DoesNotContain(password, log);
        Assert.Equal(user, await ScalarAsync(As(connectionString, user, password), "SELECT current_user::text"));
        var wrong = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync(As(connectionString, user, password + "x"), "SELECT 1"));
        Assert.Equal(PostgresErrorCodes.InvalidPassword, wrong.SqlState);
        Assert.StartsWith("SCRAM-SHA-256$4096:", (string?)await ScalarAsync(connectionString, $"SELECT rolpassword FROM pg_authid WHERE rolname = '{user}'"));
    }

    private static string ReadFrom(string file, long offset)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        stream.Seek(offset, SeekOrigin.Begin);
        return new StreamReader(stream).ReadToEnd();
    }

    [Fact]
    public async Task Login_named_like_the_owner_is_refused_with_the_setting_named()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        var owner = "owner_" + Guid.NewGuid().ToString("N")[..8];
        await ScalarAsync(connectionString, $"CREATE ROLE {owner} LOGIN CREATEROLE PASSWORD '{ScramVerifier.Compute("owner-pass")}'");
        await using var asOwner = NpgsqlDataSource.Create(As(connectionString, owner, "owner-pass"));

        var error = await Assert.ThrowsAsync<RoleNameException>(() =>
            new DatabaseRoleSetup(asOwner).EnsureLoginAsync(DatabaseRoles.WriterSetting, owner, "whatever", Ct));

        Assert.Equal($"pipeline.database.writer-user = \"{owner}\" is the login that owns the schema and runs migrations; " +
                     "it would lose its rights. Choose another name.", error.Message);
    }

    [Fact]
    public async Task Login_named_like_an_existing_superuser_is_refused_and_the_superuser_kept()
    {
        await using var owner = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());
        var admin = "admin_" + Guid.NewGuid().ToString("N")[..8];
        await using (var create = owner.CreateCommand($"CREATE ROLE {admin} SUPERUSER"))
            await create.ExecuteNonQueryAsync(Ct);

        var error = await Assert.ThrowsAsync<RoleNameException>(() =>
            new DatabaseRoleSetup(owner).EnsureLoginAsync(DatabaseRoles.ReportingSetting, admin, "whatever", Ct));

        Assert.Equal($"pipeline.database.reporting-user = \"{admin}\" names an existing superuser; choose another name.", error.Message);
        await using var check = owner.CreateCommand($"SELECT rolsuper FROM pg_roles WHERE rolname = '{admin}'");
        Assert.Equal(true, await check.ExecuteScalarAsync(Ct));
    }
}
