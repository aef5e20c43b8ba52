using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pipeline.Actors.Storage;

namespace Pipeline.Postgres;

/// <summary>
/// A PostgreSQL cluster run from the local server binaries (<c>initdb</c>, <c>pg_ctl</c>): the tests' throwaway
/// database and the default run's embedded one.
/// </summary>
/// <remarks>
/// <para>Layout: the data folder is <see cref="DataDirectory"/>; beside it, <c>&lt;data&gt;.run/</c> holds the server
/// log (<c>postgres.log</c>) and the Unix socket. The server listens on 127.0.0.1 only and asks every client, on TCP
/// and on the socket, for the password of its role (SCRAM-SHA-256): another user or program on this machine cannot
/// connect without it either.</para>
/// <para>The superuser <c>postgres</c> gets a random password when the cluster is created; it is kept in
/// <c>&lt;data&gt;/pipeline-postgres.password</c> (mode 0600, owned like the data folder), and
/// <see cref="ConnectionString"/> carries it. initdb receives only its SCRAM verifier. Inside the data folder, it
/// travels with the cluster when the folder is copied or moved, and nothing else on the machine needs to know where
/// it is. A data folder created by an earlier version with trust authentication (no password file) is upgraded on
/// start: a password is made and set (as a verifier), pg_hba.conf is rewritten to scram-sha-256 and reloaded.</para>
/// <para>As root (dev containers and CI run as root, and PostgreSQL refuses to), every server command runs as the
/// <c>postgres</c> system user through <c>runuser -u postgres --</c>; both folders are handed to that user
/// (<c>chown -R</c>), and when it cannot reach them, the parent folders that lack it get the "others may
/// traverse" bit (<c>o+x</c>, not read), each change logged as a warning.</para>
/// <para>A server still running on the same data folder (left by a previous run that did not stop it) is stopped
/// (<c>pg_ctl stop -m fast</c>) and started again with this run's port and settings: its options are unknown, and
/// reusing it would silently run with the wrong ones. A <c>postmaster.pid</c> left by a crash (its process gone, a
/// zombie, or its pid since reused by another program) is removed once no process of the old server uses the data
/// folder; PostgreSQL then recovers from its WAL as usual. An instance only ever stops the server it started
/// itself.</para>
/// <para>After <see cref="StopAsync"/>/<see cref="RestartAsync"/>, idle pooled Npgsql connections are dead: the
/// first command on each fails (57P01, or an I/O error) and the next one opens a fresh connection.</para>
/// </remarks>
public sealed class LocalPostgres : IAsyncDisposable
{
    /// <summary>The message when no server binaries are found; names both ways out.</summary>
    public const string MissingBinariesMessage =
        "PostgreSQL server binaries (initdb, pg_ctl) were not found in /usr/lib/postgresql/*/bin or on PATH. " +
        "Install them (Debian/Ubuntu: apt-get install -y postgresql) or point pipeline.database.connection-string " +
        "(env PIPELINE_DB) at an existing server.";

    private const string DebianRoot = "/usr/lib/postgresql";
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);
    private const int PgCtlWaitSeconds = 60;
    private const int MaxSocketPathLength = 100; // sun_path is 108 bytes; keep a margin

    private readonly LocalPostgresOptions _options;
    private readonly string _binDirectory;
    private readonly string _runDirectory;
    private readonly ServerUser _user;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _running;
    private int? _postmasterPid;
    private string _password = "";

    private LocalPostgres(LocalPostgresOptions options, string dataDirectory, string binDirectory, int port,
        ServerUser user, ILogger logger)
    {
        _options = options;
        DataDirectory = dataDirectory;
        _runDirectory = dataDirectory + ".run";
        _binDirectory = binDirectory;
        Port = port;
        _user = user;
        _logger = logger;
    }

    /// <summary>
    /// <c>Host=127.0.0.1;Port=…;Username=postgres;Password=…;Database=…</c>: the superuser, with its password. Never log it.
    /// </summary>
    public string ConnectionString => ConnectionStringFor(_options.Database);

    /// <summary>The loopback TCP port; the same across <see cref="StopAsync"/> / <see cref="RestartAsync"/>.</summary>
    public int Port { get; private set; }

    /// <summary>Full path of the data folder (PGDATA).</summary>
    public string DataDirectory { get; }

    /// <summary>The server log; its tail is quoted in start-up errors.</summary>
    public string LogFile => Path.Combine(_runDirectory, "postgres.log");

    /// <summary>Whether this instance has a server running (started and not stopped since).</summary>
    public bool IsRunning => _running;

    /// <summary>A connection string for another database of this cluster (same host, port and user).</summary>
    public string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = IPAddress.Loopback.ToString(),
            Port = Port,
            Username = ServerUser.Name,
            Password = _password,
            Database = database,
        }.ConnectionString;

    /// <summary>The file in the data folder that keeps the password of <paramref name="role"/> (see the remarks).</summary>
    public string PasswordFile(string role) => Path.Combine(DataDirectory, $"pipeline-{role}.password");

    /// <summary>
    /// The password kept for <paramref name="role"/> in the data folder, made (random) and kept on first use: how the
    /// program gives the logins it makes for itself (the embedded writer) a password that survives restarts.
    /// </summary>
    public string KeptPassword(string role) => ReadOrCreatePassword(PasswordFile(role));

    private static string ReadOrCreatePassword(string file)
    {
        if (File.Exists(file))
        {
            var kept = File.ReadAllText(file).Trim();
            if (kept.Length > 0)
                return kept;
        }

        var password = ScramVerifier.NewPassword();
        ServerUser.WritePrivateFile(file, password);
        return password;
    }

    /// <summary>
    /// The folder holding <c>initdb</c> and <c>pg_ctl</c>: <paramref name="configured"/> when given (and <c>null</c>
    /// when it lacks them: a configured folder is never second-guessed), else the highest version under
    /// <c>/usr/lib/postgresql/*/bin</c> (Debian, Ubuntu), else the folder of <c>pg_ctl</c> on PATH; <c>null</c> if none.
    /// </summary>
    public static string? FindBinDirectory(string? configured = null)
    {
        if (!string.IsNullOrWhiteSpace(configured))
            return HasServerBinaries(configured) ? Path.GetFullPath(configured) : null;

        foreach (var dir in DebianBinDirectoriesNewestFirst())
            if (HasServerBinaries(dir))
                return dir;

        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            if (HasServerBinaries(dir))
                return Path.GetFullPath(dir);

        return null;
    }

    /// <summary>
    /// Initialises the data folder if needed, starts the server, waits until it accepts connections and creates
    /// <see cref="LocalPostgresOptions.Database"/> if missing.
    /// </summary>
    /// <exception cref="LocalPostgresException">No binaries, no <c>postgres</c> user (as root), or the server did
    /// not come up; the message quotes the tool output or the log tail.</exception>
    public static async Task<LocalPostgres> StartAsync(LocalPostgresOptions options, ILogger? logger = null,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
            throw new LocalPostgresException("LocalPostgresOptions.DataDirectory is empty: name the folder for the PostgreSQL data.");
        if (string.IsNullOrWhiteSpace(options.Database))
            throw new LocalPostgresException("LocalPostgresOptions.Database is empty: name the database to create.");
        if (options.Port is { } p && p is <= 0 or > 65535)
            throw new LocalPostgresException($"LocalPostgresOptions.Port {p} is not a TCP port (1-65535).");

        logger ??= NullLogger.Instance;
        var dataDirectory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(options.DataDirectory));
        var binDirectory = ResolveBinDirectory(options.BinDirectory, dataDirectory);

        var user = await ServerUser.ForThisProcessAsync(logger, ct).ConfigureAwait(false);
        var server = new LocalPostgres(options, dataDirectory, binDirectory, options.Port ?? FreeLoopbackPort(),
            user, logger);
        await user.PrepareDirectoriesAsync(server.DataDirectory, server._runDirectory, ct).ConfigureAwait(false);
        await server.InitDbIfNeededAsync(ct).ConfigureAwait(false);

        await server._gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (!(options.JoinRunning && await server.TryJoinRunningServerAsync(ct).ConfigureAwait(false)))
                await server.StartServerAsync(mayPickAnotherPort: options.Port is null, ct).ConfigureAwait(false);
        }
        finally
        {
            server._gate.Release();
        }

        try
        {
            await server.RequirePasswordsAsync(ct).ConfigureAwait(false);
            await server.EnsureDatabaseAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return server;
    }

    /// <summary>Stops the server (<c>pg_ctl stop -m fast</c>: clients are disconnected) and waits until it is down.
    /// Does nothing when it is not running. Pooled Npgsql connections to it are broken afterwards.</summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await StopServerAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Starts the server again on the same port and data folder (after <see cref="StopAsync"/>; a running
    /// server is stopped first) and waits until it accepts connections.</summary>
    public async Task RestartAsync(CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_running)
                await StopServerAsync(ct).ConfigureAwait(false);
            await StartServerAsync(mayPickAnotherPort: false, ct).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops the server if running. The data folder is kept.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync().ConfigureAwait(false);
        }
        catch (LocalPostgresException e)
        {
            _logger.LogWarning(e, "Could not stop PostgreSQL on port {Port} ({DataDirectory})", Port, DataDirectory);
        }
    }

    // ---- start-up steps ------------------------------------------------------------------------------------

    private static string ResolveBinDirectory(string? configured, string dataDirectory)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return FindBinDirectory(configured) ?? throw new LocalPostgresException(
                $"PostgreSQL server binaries (initdb, pg_ctl) were not found in the configured folder '{configured}'. " +
                "Point it at the folder that holds them (Debian/Ubuntu: /usr/lib/postgresql/<version>/bin after " +
                "apt-get install -y postgresql) or point pipeline.database.connection-string (env PIPELINE_DB) at an existing server.");
        }

        // An existing cluster needs the binaries of its own major version: prefer them when installed.
        var versionFile = Path.Combine(dataDirectory, "PG_VERSION");
        if (File.Exists(versionFile))
        {
            var major = File.ReadAllText(versionFile).Trim();
            var matching = Path.Combine(DebianRoot, major, "bin");
            if (HasServerBinaries(matching))
                return matching;
        }

        return FindBinDirectory() ?? throw new LocalPostgresException(MissingBinariesMessage);
    }

    private async Task InitDbIfNeededAsync(CancellationToken ct)
    {
        if (File.Exists(Path.Combine(DataDirectory, "PG_VERSION")))
        {
            _logger.LogInformation("Reusing the PostgreSQL data folder {DataDirectory}", DataDirectory);
            // No password file: a cluster made by an earlier version with trust authentication; RequirePasswordsAsync
            // sets this password once the server is up.
            _password = ReadOrCreatePassword(PasswordFile(ServerUser.Name));
            return;
        }

        _logger.LogInformation("Creating a PostgreSQL cluster in {DataDirectory} with {Bin}", DataDirectory, _binDirectory);
        var password = ScramVerifier.NewPassword();
        // initdb reads the superuser's password from a file the server user can read; it gets the verifier only.
        var pwfile = Path.Combine(_runDirectory, "initdb.pwfile");
        ServerUser.WritePrivateFile(pwfile, ScramVerifier.Compute(password));
        try
        {
            await _user.HandOverAsync(pwfile, ct).ConfigureAwait(false);
            var result = await _user.RunAsync(Binary("initdb"),
                ["-D", DataDirectory, "-U", ServerUser.Name, "--auth=scram-sha-256", "--pwfile=" + pwfile, "-E", "UTF8", "--locale=C",
                    .. (_options.Durable ? Array.Empty<string>() : ["--no-sync"])], ct).ConfigureAwait(false);
            if (result.ExitCode != 0)
                throw new LocalPostgresException(
                    $"initdb failed for {DataDirectory} (exit code {result.ExitCode}):{Environment.NewLine}{result.Output}");
        }
        finally
        {
            File.Delete(pwfile);
        }

        ServerUser.WritePrivateFile(PasswordFile(ServerUser.Name), password);
        _password = password;
    }

    /// <summary>
    /// Upgrades a cluster whose pg_hba.conf still lets someone in without a password (made by an earlier version, or
    /// an upgrade cut short): sets the kept superuser password as a verifier, then allows only scram-sha-256 and
    /// reloads. Does nothing on a cluster that already requires passwords.
    /// </summary>
    private async Task RequirePasswordsAsync(CancellationToken ct)
    {
        var hba = Path.Combine(DataDirectory, "pg_hba.conf");
        if (!File.ReadLines(hba).Any(AllowsWithoutPassword))
            return;

        _logger.LogWarning("{Hba} lets clients in without a password (a cluster made by an earlier version); " +
            "setting a password for '{User}' (kept in {File}) and requiring scram-sha-256", hba, ServerUser.Name, PasswordFile(ServerUser.Name));
        await using var connection = new NpgsqlConnection(
            new NpgsqlConnectionStringBuilder(ConnectionStringFor("postgres")) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(ct).ConfigureAwait(false);
        // A verifier is only base64, digits, '$' and ':': safe inside a literal.
        await using (var alter = new NpgsqlCommand(
            $"ALTER ROLE {QuoteIdentifier(ServerUser.Name)} PASSWORD '{ScramVerifier.Compute(_password)}'", connection))
            await alter.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        // Rewriting keeps the file's owner (the server user) and mode.
        await File.WriteAllTextAsync(hba, ScramOnlyHba, ct).ConfigureAwait(false);
        await using var reload = new NpgsqlCommand("SELECT pg_reload_conf()", connection);
        await reload.ExecuteScalarAsync(ct).ConfigureAwait(false);
    }

    private const string ScramOnlyHba = """
        # Written by pipeline (LocalPostgres): every connection needs its role's password, sent as SCRAM-SHA-256.
        # TYPE  DATABASE        USER            ADDRESS                 METHOD
        local   all             all                                     scram-sha-256
        host    all             all             127.0.0.1/32            scram-sha-256
        host    all             all             ::1/128                 scram-sha-256
        local   replication     all                                     scram-sha-256
        host    replication     all             127.0.0.1/32            scram-sha-256
        host    replication     all             ::1/128                 scram-sha-256

        """;

    /// <summary>An active pg_hba.conf line whose method lets a client in without proving it knows a SCRAM password.</summary>
    private static bool AllowsWithoutPassword(string line)
    {
        var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > 0 && !fields[0].StartsWith('#')
            && fields.Any(f => f is "trust" or "peer" or "ident");
    }

    /// <summary>Caller holds <see cref="_gate"/>.</summary>
    private async Task StartServerAsync(bool mayPickAnotherPort, CancellationToken ct)
    {
        await ClearLeftoverServerAsync(ct).ConfigureAwait(false);

        const int attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            var logStart = ChildProcess.LogLength(LogFile);
            var result = await _user.RunAsync(Binary("pg_ctl"),
                ["-D", DataDirectory, "-l", LogFile, "-o", ServerOptions(), "-w", "-t",
                    PgCtlWaitSeconds.ToString(CultureInfo.InvariantCulture), "start"], ct).ConfigureAwait(false);
            if (result.ExitCode == 0)
                break;

            var log = ChildProcess.LogTail(LogFile, logStart);
            var portTaken = log.Contains("could not bind", StringComparison.OrdinalIgnoreCase)
                || log.Contains("Address already in use", StringComparison.OrdinalIgnoreCase);
            if (portTaken && mayPickAnotherPort && attempt < attempts)
            {
                var taken = Port;
                Port = FreeLoopbackPort();
                _logger.LogInformation("Port {Taken} was taken meanwhile; starting PostgreSQL on {Port}", taken, Port);
                continue;
            }

            throw new LocalPostgresException(
                $"PostgreSQL did not start on 127.0.0.1:{Port} from {DataDirectory} (pg_ctl exit code {result.ExitCode})" +
                (portTaken ? "; the port is in use by another process" : "") + "." + Environment.NewLine +
                result.Output + Environment.NewLine + "Server log (" + LogFile + "):" + Environment.NewLine + log);
        }

        _running = true;
        _postmasterPid = ReadPostmasterPid();
        try
        {
            await WaitUntilAcceptingAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            await StopServerAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        _logger.LogInformation("PostgreSQL is up on 127.0.0.1:{Port} ({DataDirectory})", Port, DataDirectory);
    }

    /// <summary>
    /// Makes sure no server of an earlier run holds the data folder. A postmaster still running on it is stopped
    /// (its port and settings are not ours). A <c>postmaster.pid</c> whose process is gone, a zombie, or another
    /// program that got the same pid since (common in containers after a crash) is stale: it is removed once no
    /// process of the old server is left (orphaned backends of a killed postmaster exit within moments).
    /// </summary>
    private async Task ClearLeftoverServerAsync(CancellationToken ct)
    {
        var pidFile = PidFile;
        if (!File.Exists(pidFile))
            return;

        var postmasterPid = ReadPostmasterPid();
        if (await IsServerRunningAsync(postmasterPid, ct).ConfigureAwait(false))
        {
            _logger.LogWarning(
                "A PostgreSQL server from an earlier run (pid {Pid}) is still running on {DataDirectory}; stopping it to start with this run's settings",
                postmasterPid, DataDirectory);
            var stop = await PgCtlStopAsync(ct).ConfigureAwait(false);
            if (stop.ExitCode != 0 && File.Exists(pidFile))
                throw new LocalPostgresException(
                    $"A PostgreSQL server from an earlier run is running on {DataDirectory} and could not be stopped:" +
                    Environment.NewLine + stop.Output);
            return;
        }

        if (ProcFileSystem)
        {
            var deadline = Stopwatch.StartNew();
            IReadOnlyList<int> orphans;
            while ((orphans = ClusterProcesses()).Count > 0)
            {
                if (deadline.Elapsed > TimeSpan.FromSeconds(15))
                    throw new LocalPostgresException(
                        $"The PostgreSQL server on {DataDirectory} died, but its processes {string.Join(", ", orphans)} " +
                        "still use the data folder; end them before starting it again.");
                await Task.Delay(TimeSpan.FromMilliseconds(100), ct).ConfigureAwait(false);
            }
        }

        _logger.LogWarning("Removing the stale {PidFile} (pid {Pid}) left by a server that is no longer running",
            pidFile, postmasterPid);
        File.Delete(pidFile);
        if (Directory.Exists(_runDirectory))
            foreach (var lockFile in Directory.EnumerateFiles(_runDirectory, ".s.PGSQL.*"))
                File.Delete(lockFile);
    }

    private string PidFile => Path.Combine(DataDirectory, "postmaster.pid");

    /// <summary>Whether the postmaster of <c>postmaster.pid</c> still runs on the data folder (not a stale file).</summary>
    private async Task<bool> IsServerRunningAsync(int? postmasterPid, CancellationToken ct)
    {
        if (ProcFileSystem)
            return postmasterPid is { } pid && ClusterProcesses().Contains(pid);
        var status = await _user.RunAsync(Binary("pg_ctl"), ["-D", DataDirectory, "status"], ct).ConfigureAwait(false);
        return status.ExitCode == 0;
    }

    /// <summary>
    /// With <see cref="LocalPostgresOptions.JoinRunning"/>: takes the port of a server already up on the data folder (line 4
    /// of <c>postmaster.pid</c>) instead of starting one. Not ours to stop: <see cref="_running"/> stays false, so
    /// <see cref="StopAsync"/> and <see cref="DisposeAsync"/> leave it up. Caller holds <see cref="_gate"/>.
    /// </summary>
    private async Task<bool> TryJoinRunningServerAsync(CancellationToken ct)
    {
        if (!File.Exists(PidFile) || !await IsServerRunningAsync(ReadPostmasterPid(), ct).ConfigureAwait(false))
            return false;
        string? portLine;
        try
        {
            portLine = File.ReadLines(PidFile).Skip(3).FirstOrDefault()?.Trim();
        }
        catch (IOException)
        {
            return false;
        }

        if (!int.TryParse(portLine, NumberStyles.Integer, CultureInfo.InvariantCulture, out var port))
            return false;
        Port = port;
        _logger.LogInformation("Joined the PostgreSQL server already running on 127.0.0.1:{Port} ({DataDirectory})", Port, DataDirectory);
        return true;
    }

    private static bool ProcFileSystem => OperatingSystem.IsLinux() && Directory.Exists("/proc/self");

    private int? ReadPostmasterPid()
    {
        try
        {
            var firstLine = File.ReadLines(PidFile).FirstOrDefault()?.Trim();
            return int.TryParse(firstLine, NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// Live (not zombie) processes whose working folder is the data folder: every PostgreSQL server process
    /// changes into its data folder, so these are the postmaster and backends of this cluster.
    /// </summary>
    private IReadOnlyList<int> ClusterProcesses()
    {
        var dataDirectory = ServerUser.RealPath(DataDirectory);
        var found = new List<int>();
        foreach (var procDir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(procDir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                continue;
            try
            {
                var cwd = new DirectoryInfo(Path.Combine(procDir, "cwd")).LinkTarget;
                if (cwd is null || !string.Equals(Path.TrimEndingDirectorySeparator(cwd), dataDirectory, StringComparison.Ordinal))
                    continue;
                var stat = File.ReadAllText(Path.Combine(procDir, "stat"));
                var state = stat[(stat.LastIndexOf(')') + 2)..].FirstOrDefault();
                if (state is not ('Z' or 'X'))
                    found.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentOutOfRangeException)
            {
                // gone meanwhile, or not ours to look at
            }
        }

        return found;
    }

    private string ServerOptions()
    {
        // pg_ctl hands -o to /bin/sh: quote every value.
        var options = new StringBuilder();
        options.Append("-p ").Append(Port.ToString(CultureInfo.InvariantCulture));
        var socketPath = Path.Combine(_runDirectory, ".s.PGSQL." + Port.ToString(CultureInfo.InvariantCulture));
        options.Append(" -k ").Append(ShellQuote(socketPath.Length <= MaxSocketPathLength ? _runDirectory : ""));
        var settings = new List<KeyValuePair<string, string>> { new("listen_addresses", "127.0.0.1") };
        if (!_options.Durable)
        {
            settings.Add(new("fsync", "off"));
            settings.Add(new("synchronous_commit", "off"));
            settings.Add(new("full_page_writes", "off"));
        }
        settings.AddRange(_options.ServerSettings);
        foreach (var (name, value) in settings)
            options.Append(" -c ").Append(ShellQuote(name + "=" + value));
        return options.ToString();
    }

    private async Task WaitUntilAcceptingAsync(CancellationToken ct)
    {
        var probe = new NpgsqlConnectionStringBuilder(ConnectionStringFor("postgres"))
        {
            Pooling = false,
            Timeout = 5,
        }.ConnectionString;
        var deadline = Stopwatch.StartNew();
        Exception? last = null;
        while (deadline.Elapsed < ReadyTimeout)
        {
            try
            {
                await using var connection = new NpgsqlConnection(probe);
                await connection.OpenAsync(ct).ConfigureAwait(false);
                await using var command = new NpgsqlCommand("SELECT 1", connection);
                await command.ExecuteScalarAsync(ct).ConfigureAwait(false);
                return;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidPassword)
            {
                // Waiting cannot help: the kept password is not the cluster's (the file was lost or replaced).
                throw new LocalPostgresException(
                    $"PostgreSQL on 127.0.0.1:{Port} refused the '{ServerUser.Name}' password kept in {PasswordFile(ServerUser.Name)}: " +
                    "the file was lost or replaced. Restore it from a backup of the data folder, or set that password " +
                    $"again (ALTER ROLE {ServerUser.Name} PASSWORD ...) while pg_hba.conf briefly allows 'local all all peer'.", e);
            }
            catch (Exception e) when ((e is NpgsqlException or IOException or TimeoutException) && !ct.IsCancellationRequested)
            {
                last = e;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), ct).ConfigureAwait(false);
        }

        throw new LocalPostgresException(
            $"PostgreSQL started but did not accept connections on 127.0.0.1:{Port} within {ReadyTimeout.TotalSeconds:0} s " +
            $"({last?.Message}). Server log ({LogFile}):{Environment.NewLine}{ChildProcess.LogTail(LogFile, 0)}", last!);
    }

    private async Task EnsureDatabaseAsync(CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(
            new NpgsqlConnectionStringBuilder(ConnectionStringFor("postgres")) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(ct).ConfigureAwait(false);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection);
        exists.Parameters.Add(new NpgsqlParameter { Value = _options.Database });
        if (await exists.ExecuteScalarAsync(ct).ConfigureAwait(false) is not null)
            return;

        _logger.LogInformation("Creating database {Database}", _options.Database);
        await using var create = new NpgsqlCommand($"CREATE DATABASE {QuoteIdentifier(_options.Database)}", connection);
        try
        {
            await create.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            // created meanwhile by someone else: fine
        }
    }

    /// <summary>Caller holds <see cref="_gate"/>.</summary>
    private async Task StopServerAsync(CancellationToken ct)
    {
        if (!_running)
            return;

        // Stop only the server this instance started: another instance on the same data folder may have replaced it.
        var pid = ReadPostmasterPid();
        if (pid is null || pid != _postmasterPid)
        {
            _running = false;
            if (pid is not null)
                _logger.LogWarning(
                    "PostgreSQL on {DataDirectory} was replaced by another instance (pid {Pid}); leaving that one running",
                    DataDirectory, pid);
            return;
        }

        var result = await PgCtlStopAsync(ct).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            var status = await _user.RunAsync(Binary("pg_ctl"), ["-D", DataDirectory, "status"], ct).ConfigureAwait(false);
            if (status.ExitCode == 0)
                throw new LocalPostgresException(
                    $"Could not stop PostgreSQL on port {Port} ({DataDirectory}):{Environment.NewLine}{result.Output}");
        }

        _running = false;
        _logger.LogInformation("PostgreSQL on port {Port} stopped", Port);
    }

    private Task<CommandResult> PgCtlStopAsync(CancellationToken ct) =>
        _user.RunAsync(Binary("pg_ctl"), ["-D", DataDirectory, "-m", "fast", "-w", "-t",
            PgCtlWaitSeconds.ToString(CultureInfo.InvariantCulture), "stop"], ct);

    // ---- helpers -------------------------------------------------------------------------------------------

    private string Binary(string name) => Path.Combine(_binDirectory, ExecutableName(name));

    private static string ExecutableName(string name) => OperatingSystem.IsWindows() ? name + ".exe" : name;

    private static bool HasServerBinaries(string directory) =>
        File.Exists(Path.Combine(directory, ExecutableName("initdb")))
        && File.Exists(Path.Combine(directory, ExecutableName("pg_ctl")));

    private static IEnumerable<string> DebianBinDirectoriesNewestFirst()
    {
        if (!Directory.Exists(DebianRoot))
            return [];
        return Directory.EnumerateDirectories(DebianRoot)
            .Select(dir => (Dir: dir, Version: VersionKey(Path.GetFileName(dir))))
            .Where(x => x.Version is not null)
            .OrderByDescending(x => x.Version)
            .Select(x => Path.Combine(x.Dir, "bin"));
    }

    private static Version? VersionKey(string name)
    {
        var parts = name.Split('.');
        if (parts.Length is 0 or > 2 || !parts.All(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
            return null;
        return new Version(int.Parse(parts[0], CultureInfo.InvariantCulture),
            parts.Length > 1 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : 0);
    }

    private static int FreeLoopbackPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    private static string ShellQuote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
