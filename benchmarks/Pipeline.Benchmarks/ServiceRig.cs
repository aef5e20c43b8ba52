using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Npgsql;
using Pipeline.Actors.Sources.Scraping;
using Pipeline.Host.Demo;
using Pipeline.Host.Settings;

namespace Pipeline.Benchmarks;

/// <summary>
/// What the soak and chaos verbs run: a throwaway PostgreSQL, the demo's simulated Nitter instance in
/// this process, and the real service, <c>pipeline run</c> from the Release build, as a child process
/// collecting from the simulator with the demo's settings (the same as <see cref="DemoSettings.Apply"/>
/// gives <c>pipeline demo</c>): every company's scraper, clean, topic, sentiment and the sink.
/// </summary>
public sealed class ServiceRig : IAsyncDisposable
{
    /// <summary>The child's connections carry this name, so pg_stat_activity tells them from the benchmark's own.</summary>
    public const string ApplicationName = "pipeline-under-test";

    private readonly string _repoRoot;
    private readonly string _hostDll;
    private readonly string _logFolder;
    private readonly bool _keepLogs;
    private int _starts;

    private ServiceRig(string repoRoot, string hostDll, string folder, string logFolder, bool keepLogs, Postgres postgres,
        SimulatorServer simulator, PipelineSettings settings, DemoSettings demo, PipelineSettings applied, string configFile)
    {
        _repoRoot = repoRoot;
        _hostDll = hostDll;
        Folder = folder;
        _logFolder = logFolder;
        _keepLogs = keepLogs;
        Postgres = postgres;
        Simulator = simulator;
        Settings = settings;
        Demo = demo;
        Applied = applied;
        ConfigFile = configFile;
    }

    public Postgres Postgres { get; }

    public SimulatorServer Simulator { get; }

    /// <summary>The repository's settings as shipped (no environment overrides).</summary>
    public PipelineSettings Settings { get; }

    public DemoSettings Demo { get; }

    /// <summary>The settings the child runs with: <see cref="Settings"/> pointed at the simulator, as the demo does.</summary>
    public PipelineSettings Applied { get; }

    public string Folder { get; }

    public string ConfigFile { get; }

    /// <param name="simulatorClock">The simulator's clock (the chaos verb stops its timeline at a cut-off).</param>
    /// <param name="logs">Folder for the child's logs, kept after the run; null: a temporary one, deleted with the rest.</param>
    public static async Task<ServiceRig> StartAsync(string? hostDll, string? logs, TimeProvider? simulatorClock = null)
    {
        var root = RepositoryRoot();
        var dll = Path.GetFullPath(hostDll ?? Path.Combine(root, "src", "Pipeline.Host", "bin", "Release", "net10.0", "pipeline.dll"));
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} does not exist: build first (dotnet build Pipeline.sln -c Release) or pass --host-dll");
        }

        // The shipped settings, read without this shell's PIPELINE_* variables: the child gets none of them either.
        var baseConfigFile = Path.Combine(root, "hocon", "pipeline.conf");
        var baseText = await File.ReadAllTextAsync(baseConfigFile);
        var config = SettingsLoader.Parse(baseText, _ => null);
        var settings = SettingsLoader.Load(config);
        var demo = SettingsLoader.LoadDemo(config);

        var folder = Directory.CreateTempSubdirectory("pipeline-rig-").FullName;
        Postgres? postgres = null;
        SimulatorServer? simulator = null;
        try
        {
            postgres = await Postgres.StartAsync();
            simulator = await SimulatorServer.StartAsync(settings.Companies, demo.Simulation(DateTimeOffset.UtcNow), demo.Faults, clock: simulatorClock);
            var applied = (demo with { Folder = folder }).Apply(settings, simulator.BaseUrl);
            var configFile = Path.Combine(folder, "pipeline.conf");
            await File.WriteAllTextAsync(configFile, baseText + Overrides(applied, demo));
            var logFolder = logs is null ? Path.Combine(folder, "logs") : Path.GetFullPath(logs);
            Directory.CreateDirectory(logFolder);
            return new ServiceRig(root, dll, folder, logFolder, logs is not null, postgres, simulator, settings, demo, applied, configFile);
        }
        catch
        {
            if (simulator is not null)
            {
                await simulator.DisposeAsync();
            }

            if (postgres is not null)
            {
                await postgres.DisposeAsync();
            }

            Directory.Delete(folder, recursive: true);
            throw;
        }
    }

    /// <summary>Starts the service once more (each start on a fresh management port, its log in its own file).</summary>
    public ServiceProcess Launch()
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = _repoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(_hostDll);
        start.ArgumentList.Add("run");
        start.ArgumentList.Add("--config");
        start.ArgumentList.Add(ConfigFile);
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("PIPELINE_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        // The throwaway database, never an embedded one of the child's own.
        start.Environment["PIPELINE_DB"] = new NpgsqlConnectionStringBuilder(Postgres.ConnectionString) { ApplicationName = ApplicationName }.ConnectionString;
        var port = FreePort();
        start.Environment["PIPELINE_HTTP_PORT"] = port.ToString(CultureInfo.InvariantCulture);
        var number = Interlocked.Increment(ref _starts);
        return ServiceProcess.Start(start, new Uri($"http://127.0.0.1:{port}/"), Path.Combine(_logFolder, $"service-{number:00}.log"), number);
    }

    public async ValueTask DisposeAsync()
    {
        await Simulator.DisposeAsync();
        await Postgres.DisposeAsync();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }

        if (_keepLogs)
        {
            Console.WriteLine($"service logs kept in {_logFolder}");
        }
    }

    /// <summary>Rows stored so far: every collected post (raw) and the kept ones (scored).</summary>
    public async Task<(long Raw, long Scored)> StoredAsync(CancellationToken ct)
    {
        await using var command = Postgres.DataSource.CreateCommand(
            "SELECT (SELECT count(*) FROM pipeline.raw_posts), (SELECT count(*) FROM pipeline.scored_posts)");
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>Backends of the service (by application name) and of anyone on the database, this benchmark included.</summary>
    public async Task<(long Service, long All)> ConnectionsAsync(CancellationToken ct)
    {
        await using var command = Postgres.DataSource.CreateCommand("""
            SELECT count(*) FILTER (WHERE application_name = @name), count(*)
            FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'
            """);
        command.Parameters.AddWithValue("name", ApplicationName);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>The settings the demo gives its scrapers, written as overrides after the shipped file.</summary>
    private static string Overrides(PipelineSettings applied, DemoSettings demo)
    {
        var scraping = applied.Scraping;
        var text = new StringBuilder();
        text.Append("\n\n# Appended by the benchmark: what `pipeline demo` sets (DemoSettings.Apply), for `pipeline run`.\n");
        text.Append("pipeline.import.files = []\n");
        text.Append("pipeline.import.inbox = ").Append(Quote(applied.Import.Inbox)).Append('\n');
        text.Append("pipeline.scraping.backfill-days = ").Append(scraping.BackfillDays.ToString(CultureInfo.InvariantCulture)).Append('\n');
        text.Append("pipeline.scraping.poll-interval = ").Append(Duration(demo.PollInterval)).Append('\n');
        text.Append("pipeline.scraping.request-interval = ").Append(Duration(demo.RequestInterval)).Append('\n');
        text.Append("pipeline.scraping.diagnostics = ").Append(Quote(scraping.Diagnostics)).Append('\n');
        text.Append("pipeline.scraping.nitter.enabled = on\n");
        text.Append("pipeline.scraping.nitter.instances = [")
            .AppendJoin(", ", scraping.Nitter.Instances.Select(i => Quote(i.ToString()))).Append("]\n");
        text.Append("pipeline.scraping.nitter.concurrency-per-instance = ")
            .Append(scraping.Nitter.ConcurrencyPerInstance.ToString(CultureInfo.InvariantCulture)).Append('\n');
        text.Append("pipeline.scraping.x-api.enabled = off\n");
        return text.ToString();
    }

    private static string Duration(TimeSpan value) => ((long)value.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";

    private static string Quote(string value) => JsonSerializer.Serialize(value);

    private static string DotnetHost() =>
        Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The folder holding Pipeline.sln: above the working directory, else above the program.</summary>
    private static string RepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Pipeline.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("Pipeline.sln not found above the working directory or the program: run from the repository");
    }
}

/// <summary>One start of the service as a child OS process, and what can be read about it from outside.</summary>
public sealed class ServiceProcess : IDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Lock _logLock = new();

    private ServiceProcess(Process process, Uri root, string logFile, int number)
    {
        _process = process;
        Root = root;
        LogFile = logFile;
        Number = number;
        _log = new StreamWriter(logFile, append: false, Encoding.UTF8) { AutoFlush = true };
    }

    public Uri Root { get; }

    public string LogFile { get; }

    /// <summary>1 for the first start, 2 for the first restart…</summary>
    public int Number { get; }

    public int Pid => _process.Id;

    public DateTimeOffset StartedAt { get; private set; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static ServiceProcess Start(ProcessStartInfo start, Uri root, string logFile, int number)
    {
        var process = new Process { StartInfo = start };
        ServiceProcess? service = null;
        process.OutputDataReceived += (_, e) => service?.Write(e.Data);
        process.ErrorDataReceived += (_, e) => service?.Write(e.Data);
        service = new ServiceProcess(process, root, logFile, number);
        service.StartedAt = DateTimeOffset.UtcNow;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    /// <summary>SIGKILL (what <see cref="Process.Kill()"/> sends on Unix): no drain, no shutdown hooks.</summary>
    public async Task KillAsync()
    {
        try
        {
            _process.Kill();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        await _process.WaitForExitAsync();
    }

    public Task WaitForExitAsync(CancellationToken ct) => _process.WaitForExitAsync(ct);

    /// <summary>Every scraper's status, or null while the service does not answer (starting, or gone).</summary>
    public async Task<IReadOnlyList<ScraperStatus>?> SourcesAsync(CancellationToken ct)
    {
        try
        {
            return await Http.GetFromJsonAsync<List<ScraperStatus>>(new Uri(Root, "status/sources"), Json, ct);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>The numeric lines of <c>/metrics</c> by name (labels included), or null while the service does not answer.</summary>
    public async Task<IReadOnlyDictionary<string, double>?> MetricsAsync(CancellationToken ct)
    {
        string text;
        try
        {
            text = await Http.GetStringAsync(new Uri(Root, "metrics"), ct);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return null;
        }

        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            var space = line.LastIndexOf(' ');
            if (line.Length == 0 || line[0] == '#' || space < 0)
            {
                continue;
            }

            if (double.TryParse(line.AsSpan(space + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                values[line[..space]] = value;
            }
        }

        return values;
    }

    /// <summary>Resident memory, threads and open file descriptors, from /proc.</summary>
    public ProcessResources? Resources()
    {
        try
        {
            long rssKb = 0, threads = 0;
            foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rssKb = long.Parse(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                }
                else if (line.StartsWith("Threads:", StringComparison.Ordinal))
                {
                    threads = long.Parse(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                }
            }

            var handles = Directory.EnumerateFileSystemEntries($"/proc/{Pid}/fd").LongCount();
            return new ProcessResources(rssKb * 1024, threads, handles);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The last lines the service wrote, for a failure report.</summary>
    public string Tail(int lines)
    {
        lock (_logLock)
        {
            _log.Flush();
        }

        try
        {
            using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n');
            return string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException e)
        {
            return $"(log not readable: {e.Message})";
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
        lock (_logLock)
        {
            _log.Dispose();
        }
    }

    private void Write(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_logLock)
        {
            try
            {
                _log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // Lines still arriving after the log was closed: the process is being torn down.
            }
        }
    }
}

public sealed record ProcessResources(long RssBytes, long Threads, long OpenHandles);

/// <summary>
/// SIGINT (Ctrl+C) and SIGTERM cancel the returned token instead of ending the process, so a verb that
/// owns a child process, a PostgreSQL server and temporary folders can stop and remove them first.
/// </summary>
public sealed class Termination : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;

    public Termination()
    {
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    public CancellationToken Token => _cts.Token;

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
        _cts.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        if (!_cts.IsCancellationRequested)
        {
            Console.Error.WriteLine($"{context.Signal}: stopping the service, PostgreSQL and temporary files…");
            _cts.Cancel();
        }
    }
}
