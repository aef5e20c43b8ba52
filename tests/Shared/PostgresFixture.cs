using Npgsql;
using Pipeline.Postgres;
using Xunit;

namespace Pipeline.Tests.Shared;

/// <summary>
/// One throwaway PostgreSQL cluster (temp folder, fsync off) for a whole test assembly. Tests isolate by database:
/// each asks <see cref="CreateDatabaseAsync"/> for a brand-new one.
/// </summary>
/// <remarks>
/// <para>Shared source: test projects link <c>tests/Shared/*.cs</c> and register the fixture once per assembly with
/// <c>[assembly: AssemblyFixture(typeof(PostgresFixture))]</c>; test classes take it in their constructor.</para>
/// <para>Outage tests must not stop <see cref="Server"/>: other test classes run in parallel against it. They take
/// their own cluster from <see cref="StartDedicatedServerAsync"/> and stop/restart that one.</para>
/// <para>initdb costs seconds on a small machine, so it runs once: the fixture keeps a stopped template cluster and
/// every other cluster (<see cref="Server"/>, dedicated ones, <see cref="CreateDataDirectory"/>) starts from a copy.
/// The clusters live in memory (<c>/dev/shm</c>) when it has room: copying a cluster there takes a tenth of a
/// second, on the disk of a small VM seconds.</para>
/// <para>A test run that dies (crash, kill, debugger stop) cannot stop its servers nor delete its folder; the next
/// fixture does it: it kills the postmasters left in the folders of runs whose process is gone and deletes them.</para>
/// </remarks>
public sealed class PostgresFixture : IAsyncLifetime
{
    private readonly DirectoryInfo _root = CreateRoot();
    private readonly List<LocalPostgres> _dedicated = [];
    private LocalPostgres? _server;
    private NpgsqlDataSource? _admin;

    /// <summary>The shared cluster. Read it, create databases on it; do not stop it.</summary>
    public LocalPostgres Server => _server ?? throw new InvalidOperationException("The PostgreSQL fixture is not initialised.");

    private string TemplateDirectory => Path.Combine(_root.FullName, "template");

    public async ValueTask InitializeAsync()
    {
        CleanUpAfterDeadRuns();
        await using (var template = await LocalPostgres.StartAsync(Options(TemplateDirectory)))
            await template.StopAsync();
        _server = await LocalPostgres.StartAsync(Options(CreateDataDirectory()));
        _admin = NpgsqlDataSource.Create(_server.ConnectionStringFor("postgres"));
    }

    /// <summary>
    /// A new folder under this fixture's temp folder holding an initialised, stopped cluster (with the
    /// <c>pipeline</c> database), ready for <see cref="LocalPostgres.StartAsync"/>. Deleted with the fixture.
    /// </summary>
    public string CreateDataDirectory()
    {
        var target = Path.Combine(_root.FullName, "cluster-" + Guid.NewGuid().ToString("N")[..12]);
        CopyDirectory(TemplateDirectory, target);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return target;
    }

    /// <summary>A connection string for a new, empty database with a unique name on <see cref="Server"/>.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "test_" + Guid.NewGuid().ToString("N");
        await using var create = _admin!.CreateCommand($"CREATE DATABASE \"{name}\"");
        await create.ExecuteNonQueryAsync();
        return Server.ConnectionStringFor(name);
    }

    /// <summary>
    /// A separate cluster of the caller's own (same fast settings, folder under this fixture's temp folder), for tests
    /// that stop and restart the database. Stopped and deleted with the fixture if the caller does not dispose it.
    /// </summary>
    public async Task<LocalPostgres> StartDedicatedServerAsync(string database = "pipeline")
    {
        var server = await LocalPostgres.StartAsync(Options(CreateDataDirectory()) with { Database = database });
        lock (_dedicated)
            _dedicated.Add(server);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        if (_admin is not null)
            await _admin.DisposeAsync();
        LocalPostgres[] dedicated;
        lock (_dedicated)
            dedicated = [.. _dedicated];
        foreach (var server in dedicated)
            await server.DisposeAsync();
        if (_server is not null)
            await _server.DisposeAsync();
        try
        {
            _root.Delete(recursive: true);
        }
        catch (IOException)
        {
            // best effort: a temp folder
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private const string RootPrefix = "pipeline-tests-pg-";
    private const string OwnerFile = "owner.pid";
    private const string Memory = "/dev/shm";

    private static DirectoryInfo CreateRoot()
    {
        DirectoryInfo? root = null;
        try
        {
            if (OperatingSystem.IsLinux() && Directory.Exists(Memory) && new DriveInfo(Memory).AvailableFreeSpace >= 2L << 30)
                root = Directory.CreateDirectory(Path.Combine(Memory, RootPrefix + Guid.NewGuid().ToString("N")[..12]));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            // fall back to the temp folder
        }

        root ??= Directory.CreateTempSubdirectory(RootPrefix);
        File.WriteAllText(Path.Combine(root.FullName, OwnerFile), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return root;
    }

    /// <summary>Best effort, Linux only: folders of dead test runs, and the servers still running in them.</summary>
    private void CleanUpAfterDeadRuns()
    {
        if (!OperatingSystem.IsLinux())
            return;
        foreach (var parent in new[] { Memory, Path.GetTempPath() }.Where(Directory.Exists).Distinct())
        {
            foreach (var root in Directory.EnumerateDirectories(parent, RootPrefix + "*"))
            {
                try
                {
                    if (root == _root.FullName || !int.TryParse(File.ReadAllText(Path.Combine(root, OwnerFile)), out var owner)
                        || Directory.Exists($"/proc/{owner}"))
                        continue;
                    foreach (var pidFile in Directory.EnumerateFiles(root, "postmaster.pid", SearchOption.AllDirectories))
                        if (int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), out var pid) && IsPostgres(pid))
                        {
                            using var postmaster = System.Diagnostics.Process.GetProcessById(pid);
                            postmaster.Kill(); // its backends follow it
                        }
                    Directory.Delete(root, recursive: true);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
                {
                    // someone else's, or going away meanwhile
                }
            }
        }
    }

    private static bool IsPostgres(int pid)
    {
        var comm = $"/proc/{pid}/comm";
        return File.Exists(comm) && File.ReadAllText(comm).Trim() == "postgres";
    }

    private static void CopyDirectory(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source))
            File.Copy(file, Path.Combine(target, Path.GetFileName(file))); // keeps the Unix mode
        foreach (var directory in Directory.EnumerateDirectories(source))
            CopyDirectory(directory, Path.Combine(target, Path.GetFileName(directory)));
    }

    private static LocalPostgresOptions Options(string dataDirectory) =>
        new(dataDirectory, Durable: false)
        {
            // Every test database gets its own connection pool; leave room for many idle pooled connections.
            ServerSettings = new Dictionary<string, string> { ["max_connections"] = "300" },
        };
}
