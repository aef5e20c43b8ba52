using Npgsql;
using Pipeline.Postgres;
using Pipeline.Tests.Shared;
using Xunit;

namespace Pipeline.Postgres.Tests;

public sealed class LocalPostgresTests(PostgresFixture fixture) : IDisposable
{
    private readonly TempDirectory _temp = new();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _temp.Dispose();

    /// <summary>A stopped, initialised cluster copied from the fixture's template (initdb takes seconds).</summary>
    private LocalPostgresOptions Options() => new(fixture.CreateDataDirectory(), Durable: false);

    /// <summary>An empty folder: the start runs initdb.</summary>
    private LocalPostgresOptions FreshOptions() => new(_temp.Combine("data"), Durable: false);

    private static async Task<T?> ScalarAsync<T>(string connectionString, string sql)
    {
        // No pooling: these tests stop and start servers under the connection strings.
        var noPool = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
        await using var connection = new NpgsqlConnection(noPool);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        return (T?)await command.ExecuteScalarAsync(Ct);
    }

    [Fact]
    public async Task Started_cluster_answers_queries_in_the_configured_database_on_loopback()
    {
        await using var server = await LocalPostgres.StartAsync(FreshOptions() with { Database = "orders" }, ct: Ct);

        Assert.Equal("orders", await ScalarAsync<string>(server.ConnectionString, "SELECT current_database()"));
        Assert.Equal(2, await ScalarAsync<int>(server.ConnectionString, "SELECT 1 + 1"));
        Assert.Equal("off", await ScalarAsync<string>(server.ConnectionString, "SHOW fsync"));
        var builder = new NpgsqlConnectionStringBuilder(server.ConnectionString);
        Assert.Equal("127.0.0.1", builder.Host);
        Assert.Equal(server.Port, builder.Port);
        Assert.Equal("postgres", builder.Username);
        Assert.True(File.Exists(Path.Combine(server.DataDirectory, "PG_VERSION")));
    }

    [Fact]
    public async Task Cluster_refuses_connections_without_the_password_or_with_a_wrong_one_on_tcp_and_the_socket()
    {
        await using var server = await LocalPostgres.StartAsync(FreshOptions(), ct: Ct);
        var withPassword = new NpgsqlConnectionStringBuilder(server.ConnectionString);
        var socket = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Host = server.DataDirectory + ".run" };

        Assert.False(string.IsNullOrEmpty(withPassword.Password));
        Assert.Equal(1, await ScalarAsync<int>(withPassword.ConnectionString, "SELECT 1"));
        Assert.Equal(1, await ScalarAsync<int>(socket.ConnectionString, "SELECT 1"));
        foreach (var builder in new[] { withPassword, socket })
        {
            foreach (var password in new[] { null, "wrong-password" })
            {
                var attempt = new NpgsqlConnectionStringBuilder(builder.ConnectionString) { Password = password };
                var error = await Assert.ThrowsAnyAsync<NpgsqlException>(() => ScalarAsync<int>(attempt.ConnectionString, "SELECT 1"));
                Assert.True(error is PostgresException { SqlState: PostgresErrorCodes.InvalidPassword } || error.Message.Contains("password", StringComparison.OrdinalIgnoreCase),
                    error.ToString());
            }
        }
    }

    [Fact]
    public async Task Superuser_password_is_kept_in_a_file_only_its_owner_can_read_and_survives_restarts()
    {
        var options = FreshOptions();
        string first;
        await using (var server = await LocalPostgres.StartAsync(options, ct: Ct))
        {
            first = new NpgsqlConnectionStringBuilder(server.ConnectionString).Password!;
            var file = server.PasswordFile("postgres");
            Assert.Equal(first, File.ReadAllText(file));
            if (!OperatingSystem.IsWindows())
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            Assert.DoesNotContain(first, File.ReadAllText(Path.Combine(server.DataDirectory, "pg_hba.conf")));
        }

        await using var again = await LocalPostgres.StartAsync(options, ct: Ct);

        Assert.Equal(first, new NpgsqlConnectionStringBuilder(again.ConnectionString).Password);
        Assert.Equal(1, await ScalarAsync<int>(again.ConnectionString, "SELECT 1"));
    }

    [Fact]
    public async Task Lost_password_file_stops_start_up_naming_the_file_instead_of_waiting()
    {
        var options = Options();
        File.WriteAllText(Path.Combine(options.DataDirectory, "pipeline-postgres.password"), "not-the-password");

        var error = await Assert.ThrowsAsync<LocalPostgresException>(() => LocalPostgres.StartAsync(options, ct: Ct));

        Assert.Contains("pipeline-postgres.password", error.Message);
        Assert.Contains("was lost or replaced", error.Message);
    }

    [Fact]
    public async Task Data_folder_made_with_trust_by_an_earlier_version_requires_a_password_after_start()
    {
        // What earlier versions left: trust for everyone, and no password file.
        var options = Options();
        File.Delete(Path.Combine(options.DataDirectory, "pipeline-postgres.password"));
        File.WriteAllText(Path.Combine(options.DataDirectory, "pg_hba.conf"), """
            local   all             all                                     trust
            host    all             all             127.0.0.1/32            trust
            host    all             all             ::1/128                 trust
            """);

        await using var server = await LocalPostgres.StartAsync(options, ct: Ct);

        Assert.Equal(1, await ScalarAsync<int>(server.ConnectionString, "SELECT 1"));
        var withoutPassword = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Password = null }.ConnectionString;
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => ScalarAsync<int>(withoutPassword, "SELECT 1"));
        Assert.DoesNotContain("trust", File.ReadAllText(Path.Combine(options.DataDirectory, "pg_hba.conf")));
        Assert.True(File.Exists(server.PasswordFile("postgres")));
    }

    [Fact]
    public async Task Second_start_on_the_same_data_directory_keeps_the_data_of_the_first()
    {
        var options = Options() with { Durable = true };
        await using (var first = await LocalPostgres.StartAsync(options, ct: Ct))
        {
            await ScalarAsync<object>(first.ConnectionString,
                "CREATE TABLE kept (id int PRIMARY KEY); INSERT INTO kept VALUES (42)");
        }

        await using var second = await LocalPostgres.StartAsync(options, ct: Ct);

        Assert.Equal(42, await ScalarAsync<int>(second.ConnectionString, "SELECT id FROM kept"));
    }

    [Fact]
    public async Task Stopped_cluster_refuses_connections_and_restarts_on_the_same_port()
    {
        await using var server = await LocalPostgres.StartAsync(Options(), ct: Ct);
        await ScalarAsync<object>(server.ConnectionString, "CREATE TABLE survives (id int); INSERT INTO survives VALUES (7)");
        var port = server.Port;

        await server.StopAsync(Ct);
        Assert.False(server.IsRunning);
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => ScalarAsync<int>(server.ConnectionString, "SELECT 1"));

        await server.RestartAsync(Ct);

        Assert.True(server.IsRunning);
        Assert.Equal(port, server.Port);
        Assert.Equal(7, await ScalarAsync<int>(server.ConnectionString, "SELECT id FROM survives"));
    }

    [Fact]
    public async Task Stale_pid_file_whose_process_is_not_postgres_does_not_block_the_next_start()
    {
        var options = Options();
        await using (var first = await LocalPostgres.StartAsync(options, ct: Ct))
        {
        }

        // As after a crash whose pid was since reused: the file names a live process that is not postgres (us).
        var pidFile = Path.Combine(options.DataDirectory, "postmaster.pid");
        await File.WriteAllTextAsync(pidFile,
            $"{Environment.ProcessId}\n{options.DataDirectory}\n0\n5432\n\n\n0 0\nready\n", Ct);

        await using var second = await LocalPostgres.StartAsync(options, ct: Ct);

        Assert.Equal(1, await ScalarAsync<int>(second.ConnectionString, "SELECT 1"));
    }

    [Fact]
    public async Task Start_after_the_server_was_killed_recovers_the_committed_data()
    {
        // Durable: with synchronous_commit off (Durable = false) the last commits before a kill are lost.
        var options = Options() with { Durable = true };
        var crashed = await LocalPostgres.StartAsync(options, ct: Ct);
        await ScalarAsync<object>(crashed.ConnectionString, "CREATE TABLE committed (id int); INSERT INTO committed VALUES (3)");
        var postmaster = int.Parse((await File.ReadAllLinesAsync(Path.Combine(options.DataDirectory, "postmaster.pid"), Ct))[0]);

        using (var process = System.Diagnostics.Process.GetProcessById(postmaster))
            process.Kill(); // SIGKILL: postmaster.pid stays behind
        await using var next = await LocalPostgres.StartAsync(options, ct: Ct);

        Assert.Equal(3, await ScalarAsync<int>(next.ConnectionString, "SELECT id FROM committed"));
        await next.StopAsync(Ct);
        await crashed.DisposeAsync(); // its server is long gone: no error, and the new one is not touched
    }

    [Fact]
    public async Task Server_left_running_on_the_data_directory_is_replaced_by_the_next_start()
    {
        var options = Options();
        var abandoned = await LocalPostgres.StartAsync(options, ct: Ct);

        await using var next = await LocalPostgres.StartAsync(options, ct: Ct);

        Assert.Equal(1, await ScalarAsync<int>(next.ConnectionString, "SELECT 1"));
        await next.StopAsync(Ct);
        await abandoned.DisposeAsync(); // finds nothing running: no error
    }

    [Fact]
    public async Task Joining_a_running_server_uses_it_as_it_is_and_leaves_it_running_when_done()
    {
        var options = Options();
        await using var running = await LocalPostgres.StartAsync(options, ct: Ct);
        await ScalarAsync<int>(running.ConnectionString, "CREATE TABLE kept AS SELECT 7 AS id; SELECT 1");

        await using (var joined = await LocalPostgres.StartAsync(options with { JoinRunning = true }, ct: Ct))
        {
            Assert.Equal(running.Port, joined.Port);
            Assert.False(joined.IsRunning);
            Assert.Equal(7, await ScalarAsync<int>(joined.ConnectionString, "SELECT id FROM kept"));
        }

        Assert.Equal(7, await ScalarAsync<int>(running.ConnectionString, "SELECT id FROM kept"));
    }

    [Fact]
    public async Task Joining_with_no_server_running_starts_one_of_its_own()
    {
        await using var started = await LocalPostgres.StartAsync(Options() with { JoinRunning = true }, ct: Ct);

        Assert.True(started.IsRunning);
        Assert.Equal(1, await ScalarAsync<int>(started.ConnectionString, "SELECT 1"));
    }

    [Fact]
    public async Task Missing_binaries_give_a_message_that_says_how_to_install_them()
    {
        var empty = Directory.CreateDirectory(_temp.Combine("empty-bin")).FullName;

        Assert.Null(LocalPostgres.FindBinDirectory(empty));
        var error = await Assert.ThrowsAsync<LocalPostgresException>(() =>
            LocalPostgres.StartAsync(FreshOptions() with { BinDirectory = empty }, ct: Ct));

        Assert.Contains("initdb, pg_ctl", error.Message);
        Assert.Contains(empty, error.Message);
        Assert.Contains("apt-get install -y postgresql", error.Message);
        Assert.Contains("PIPELINE_DB", error.Message);
        Assert.Contains("apt-get install -y postgresql", LocalPostgres.MissingBinariesMessage);
        Assert.Contains("/usr/lib/postgresql/*/bin or on PATH", LocalPostgres.MissingBinariesMessage);
    }

    [Fact]
    public void Installed_binaries_are_found_without_configuration()
    {
        var bin = LocalPostgres.FindBinDirectory();

        Assert.NotNull(bin);
        Assert.True(File.Exists(Path.Combine(bin, "initdb")));
        Assert.True(File.Exists(Path.Combine(bin, "pg_ctl")));
    }

    [Fact]
    public async Task Fixture_databases_are_new_and_separate()
    {
        var first = await fixture.CreateDatabaseAsync();
        var second = await fixture.CreateDatabaseAsync();
        await ScalarAsync<object>(first, "CREATE TABLE only_here (id int)");

        Assert.NotEqual(new NpgsqlConnectionStringBuilder(first).Database, new NpgsqlConnectionStringBuilder(second).Database);
        Assert.Equal(0L, await ScalarAsync<long>(second, "SELECT count(*) FROM pg_tables WHERE tablename = 'only_here'"));
        Assert.Equal(1L, await ScalarAsync<long>(first, "SELECT count(*) FROM pg_tables WHERE tablename = 'only_here'"));
    }

    [Fact]
    public async Task Fixture_dedicated_server_can_be_stopped_without_touching_the_shared_one()
    {
        await using var own = await fixture.StartDedicatedServerAsync();

        await own.StopAsync(Ct);

        Assert.NotEqual(fixture.Server.Port, own.Port);
        Assert.True(fixture.Server.IsRunning);
        Assert.Equal(1, await ScalarAsync<int>(fixture.Server.ConnectionString, "SELECT 1"));
    }
}
