using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace Pipeline.Postgres;

/// <summary>
/// Which system user runs the server, and what that user may touch. PostgreSQL refuses to run as root, so as root (dev
/// containers and CI) every server command runs as <see cref="Name"/> through <c>runuser -u postgres --</c>, and the
/// cluster's folders are handed to that user; otherwise everything runs as the current user.
/// </summary>
internal sealed class ServerUser
{
    /// <summary>The PostgreSQL superuser role, and the system user that runs the server when we are root.</summary>
    public const string Name = "postgres";

    private readonly string? _runuser;
    private readonly ILogger _logger;

    private ServerUser(string? runuser, ILogger logger)
    {
        _runuser = runuser;
        _logger = logger;
    }

    /// <summary>Whether server commands run as <see cref="Name"/> (we are root) rather than as the current user.</summary>
    public bool IsOtherUser => _runuser is not null;

    /// <summary>The user for this process: the current one, or, as root, <see cref="Name"/> (which must exist).</summary>
    /// <exception cref="LocalPostgresException">Root, but no <c>runuser</c> or no <c>postgres</c> user.</exception>
    public static async Task<ServerUser> ForThisProcessAsync(ILogger logger, CancellationToken ct)
    {
        if (!IsRoot())
            return new ServerUser(runuser: null, logger);

        var runuser = FindExecutable("runuser", "/usr/sbin", "/sbin", "/usr/bin", "/bin")
            ?? throw new LocalPostgresException(
                "Running as root, PostgreSQL must run as another user, but 'runuser' (util-linux) was not found.");
        var id = await ChildProcess.RunAsync("id", ["-u", Name], ct).ConfigureAwait(false);
        if (id.ExitCode != 0)
            throw new LocalPostgresException(
                $"Running as root, PostgreSQL must run as the '{Name}' system user, which does not exist. " +
                "Install the server package (Debian/Ubuntu: apt-get install -y postgresql), which creates it, " +
                $"or add it (useradd --system {Name}).");
        return new ServerUser(runuser, logger);
    }

    /// <summary>Runs a command as the server user (through runuser when we are root).</summary>
    public Task<CommandResult> RunAsync(string file, IReadOnlyList<string> arguments, CancellationToken ct) =>
        _runuser is null
            ? ChildProcess.RunAsync(file, arguments, ct)
            : ChildProcess.RunAsync(_runuser, ["-u", Name, "--", file, .. arguments], ct);

    /// <summary>Gives a file we wrote to the server user (as root; a no-op otherwise).</summary>
    public Task HandOverAsync(string file, CancellationToken ct) =>
        _runuser is null ? Task.CompletedTask : ChildProcess.RunCheckedAsync("chown", [Name + ":", file], ct);

    /// <summary>
    /// Creates the data and run folders (private: 0700) if missing and, as root, hands them to the server user
    /// (<c>chown -R</c>); when it still cannot reach them, the parent folders that lack it get the "others may
    /// traverse" bit (<c>o+x</c>, not read), each change logged as a warning.
    /// </summary>
    public async Task PrepareDirectoriesAsync(string dataDirectory, string runDirectory, CancellationToken ct)
    {
        if (!Directory.Exists(dataDirectory))
        {
            // The parents are created with the default mode; the data folder itself must be private to the server.
            Directory.CreateDirectory(Path.GetDirectoryName(dataDirectory)!);
            CreatePrivateDirectory(dataDirectory);
        }

        if (!Directory.Exists(runDirectory))
            CreatePrivateDirectory(runDirectory);

        if (_runuser is null || OperatingSystem.IsWindows())
            return;

        foreach (var dir in new[] { dataDirectory, runDirectory })
            await ChildProcess.RunCheckedAsync("chown", ["-R", Name + ":", dir], ct).ConfigureAwait(false);

        if (await CanUseDirectoriesAsync(dataDirectory, runDirectory, ct).ConfigureAwait(false))
            return;

        // The server user cannot reach the folders: some parent is closed to "others" (a temp folder made with
        // mode 0700, or a home folder). Let others traverse it (x only: they still cannot list it).
        for (var dir = Path.GetDirectoryName(dataDirectory); dir is not null; dir = Path.GetDirectoryName(dir))
        {
            var mode = File.GetUnixFileMode(dir);
            if (mode.HasFlag(UnixFileMode.OtherExecute))
                continue;
            File.SetUnixFileMode(dir, mode | UnixFileMode.OtherExecute);
            _logger.LogWarning(
                "Made {Directory} traversable by others (o+x) so that the '{User}' server user can reach {DataDirectory}",
                dir, Name, dataDirectory);
        }

        if (!await CanUseDirectoriesAsync(dataDirectory, runDirectory, ct).ConfigureAwait(false))
            throw new LocalPostgresException(
                $"The '{Name}' user, which runs the server when the pipeline runs as root, cannot write to " +
                $"{dataDirectory} or {runDirectory} even after chown and o+x on the parent folders " +
                "(a read-only or special file system?). Choose a data folder elsewhere (for example under /var/tmp).");
    }

    private async Task<bool> CanUseDirectoriesAsync(string dataDirectory, string runDirectory, CancellationToken ct)
    {
        var result = await RunAsync("test", ["-w", dataDirectory, "-a", "-x", dataDirectory,
            "-a", "-w", runDirectory, "-a", "-x", runDirectory], ct).ConfigureAwait(false);
        return result.ExitCode == 0;
    }

    /// <summary>Writes a file only its owner can read (0600 from the start: never readable by others, even briefly).</summary>
    public static void WritePrivateFile(string file, string content)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(file, options))
        using (var writer = new StreamWriter(stream))
            writer.Write(content);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private static void CreatePrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
            Directory.CreateDirectory(path);
        else
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>The first <paramref name="name"/> on PATH or, failing that, in <paramref name="extraDirectories"/>.</summary>
    private static string? FindExecutable(string name, params string[] extraDirectories)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(extraDirectories)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
    }

    /// <summary><paramref name="path"/> with every symbolic link resolved (as the kernel shows a process's working
    /// folder), or unchanged when it cannot be resolved.</summary>
    public static string RealPath(string path)
    {
        try
        {
            var resolved = realpath(path, IntPtr.Zero);
            if (resolved == IntPtr.Zero)
                return path;
            try
            {
                return Marshal.PtrToStringUTF8(resolved) ?? path;
            }
            finally
            {
                free(resolved);
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return path;
        }
    }

    private static bool IsRoot()
    {
        if (OperatingSystem.IsWindows())
            return false;
        try
        {
            return geteuid() == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return Environment.UserName == "root";
        }
    }

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint geteuid();

    [DllImport("libc", EntryPoint = "realpath")]
    private static extern IntPtr realpath([MarshalAs(UnmanagedType.LPUTF8Str)] string path, IntPtr resolved);

    [DllImport("libc", EntryPoint = "free")]
    private static extern void free(IntPtr pointer);
}
