using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Npgsql;
using Pipeline.Actors.Sources.Simulator;
using Pipeline.Host.Demo;
using Pipeline.Host.Settings;

namespace Pipeline.Tests.Shared.Service;

/// <summary>How <see cref="SimulatedService"/> runs the service.</summary>
/// <param name="HostDll">The program; null: <c>pipeline.dll</c> beside this program, else the Release build under src/.</param>
/// <param name="Logs">Folder for the children's logs, kept after the run; null: a temporary one, deleted with the rest.</param>
/// <param name="SimulatorClock">The simulator's clock (a <see cref="HorizonClock"/> stops its timeline at a cut-off).</param>
/// <param name="Demo">Changes to the shipped <c>pipeline.demo</c> (a smaller backlog, no faults…).</param>
/// <param name="ExtraConfig">HOCON appended after the demo's overrides (cluster timings…).</param>
public sealed record ServiceOptions(
    string? HostDll = null,
    string? Logs = null,
    TimeProvider? SimulatorClock = null,
    Func<DemoSettings, DemoSettings>? Demo = null,
    string ExtraConfig = "");

/// <summary>
/// What the soak, chaos and cluster benchmarks and the multi-node tests share: the demo's simulated Nitter instance in
/// this process, a settings file for <c>pipeline run</c> with what <see cref="DemoSettings.Apply"/> gives <c>pipeline demo</c>
/// (every company's scraper pointed at the simulator), and starts of the real program as child processes on one database.
/// </summary>
public sealed class SimulatedService : IAsyncDisposable
{
    /// <summary>The children's connections carry this name, so pg_stat_activity tells them from the caller's own.</summary>
    public const string ApplicationName = "pipeline-under-test";

    private readonly string _hostDll;
    private readonly string _logFolder;
    private readonly bool _keepLogs;
    private readonly string _connectionString;
    private int _starts;

    private SimulatedService(string repoRoot, string hostDll, string folder, string logFolder, bool keepLogs, string connectionString,
        SimulatorServer simulator, PipelineSettings settings, DemoSettings demo, PipelineSettings applied, string configFile)
    {
        RepositoryRoot = repoRoot;
        _hostDll = hostDll;
        Folder = folder;
        _logFolder = logFolder;
        _keepLogs = keepLogs;
        _connectionString = connectionString;
        Simulator = simulator;
        Settings = settings;
        Demo = demo;
        Applied = applied;
        ConfigFile = configFile;
    }

    public string RepositoryRoot { get; }

    public SimulatorServer Simulator { get; }

    /// <summary>The repository's settings as shipped (no environment overrides).</summary>
    public PipelineSettings Settings { get; }

    public DemoSettings Demo { get; }

    /// <summary>The settings the children run with: <see cref="Settings"/> pointed at the simulator, as the demo does.</summary>
    public PipelineSettings Applied { get; }

    public string Folder { get; }

    public string ConfigFile { get; }

    public string LogFolder => _logFolder;

    /// <param name="connectionString">The database every start writes to (never an embedded one of the child's own).</param>
    public static async Task<SimulatedService> StartAsync(string connectionString, ServiceOptions options)
    {
        var root = FindRepositoryRoot();
        var dll = Path.GetFullPath(options.HostDll ?? DefaultHostDll(root));
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} does not exist: build first (dotnet build Pipeline.sln -c Release) or pass --host-dll");
        }

        // The shipped settings, read without this shell's PIPELINE_* variables: the children get none of them either.
        var baseText = await File.ReadAllTextAsync(Path.Combine(root, "hocon", "pipeline.conf"));
        var config = SettingsLoader.Parse(baseText, _ => null);
        var settings = SettingsLoader.Load(config);
        var demo = SettingsLoader.LoadDemo(config);
        if (options.Demo is { } change)
        {
            demo = change(demo);
        }

        var folder = Directory.CreateTempSubdirectory("pipeline-rig-").FullName;
        SimulatorServer? simulator = null;
        try
        {
            simulator = await SimulatorServer.StartAsync(settings.Companies, demo.Simulation(DateTimeOffset.UtcNow), demo.Faults, clock: options.SimulatorClock);
            var applied = (demo with { Folder = folder }).Apply(settings, simulator.BaseUrl);
            var configFile = Path.Combine(folder, "pipeline.conf");
            await File.WriteAllTextAsync(configFile, baseText + Overrides(applied, demo) + "\n" + options.ExtraConfig + "\n");
            var logFolder = options.Logs is null ? Path.Combine(folder, "logs") : Path.GetFullPath(options.Logs);
            Directory.CreateDirectory(logFolder);
            return new SimulatedService(root, dll, folder, logFolder, options.Logs is not null, connectionString, simulator, settings, demo, applied, configFile);
        }
        catch
        {
            if (simulator is not null)
            {
                await simulator.DisposeAsync();
            }

            Directory.Delete(folder, recursive: true);
            throw;
        }
    }

    /// <summary>Starts the program once more (<c>pipeline run</c>, a fresh management port, its log in its own file).</summary>
    /// <param name="name">The node's name in logs and reports.</param>
    /// <param name="environment">PIPELINE_* settings of this start (a node's cluster port and seed nodes).</param>
    public ServiceProcess Launch(string name = "service", IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = RepositoryRoot,
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

        start.Environment["PIPELINE_DB"] = new NpgsqlConnectionStringBuilder(_connectionString) { ApplicationName = ApplicationName }.ConnectionString;
        var port = FreePort();
        start.Environment["PIPELINE_HTTP_PORT"] = port.ToString(CultureInfo.InvariantCulture);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var number = Interlocked.Increment(ref _starts);
        return ServiceProcess.Start(start, new Uri($"http://127.0.0.1:{port}/"), Path.Combine(_logFolder, $"{number:00}-{name}.log"), number, name);
    }

    /// <summary>
    /// Every post the simulator published from the collected window's start to <paramref name="cutoff"/>: a scraper's
    /// backfill starts at the UTC day (Nitter's since is a day) of its first start minus the backfill days.
    /// </summary>
    public GroundTruth Truth(DateTimeOffset firstStart, DateTimeOffset cutoff)
    {
        var generator = Simulator.Nitter.Timeline.Generator;
        var backfillFrom = firstStart.AddDays(-Applied.Scraping.BackfillDays).UtcDateTime.Date;
        var windowStart = generator.Settings.Start > backfillFrom ? generator.Settings.Start : new DateTimeOffset(backfillFrom, TimeSpan.Zero);
        return new GroundTruth(windowStart, cutoff, generator.Between(windowStart, cutoff.AddMilliseconds(1)).ToList());
    }

    public async ValueTask DisposeAsync()
    {
        await Simulator.DisposeAsync();
        try
        {
            if (_keepLogs)
            {
                Console.WriteLine($"service logs kept in {_logFolder}");
            }

            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The settings the demo gives its scrapers, written as overrides after the shipped file.</summary>
    private static string Overrides(PipelineSettings applied, DemoSettings demo)
    {
        var scraping = applied.Scraping;
        var text = new StringBuilder();
        text.Append("\n\n# Appended by the rig: what `pipeline demo` sets (DemoSettings.Apply), for `pipeline run`.\n");
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

    public static string Duration(TimeSpan value) => ((long)value.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";

    private static string Quote(string value) => JsonSerializer.Serialize(value);

    private static string DotnetHost() =>
        Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";

    /// <summary>The program copied beside the caller (the tests), else the Release build of the repository.</summary>
    private static string DefaultHostDll(string root)
    {
        var beside = Path.Combine(AppContext.BaseDirectory, "pipeline.dll");
        return File.Exists(beside) ? beside : Path.Combine(root, "src", "Pipeline.Host", "bin", "Release", "net10.0", "pipeline.dll");
    }

    /// <summary>The folder holding Pipeline.sln: above the working directory, else above the program.</summary>
    private static string FindRepositoryRoot()
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

/// <summary>What the simulator published in a window: the posts a complete collection stores, no more, no less.</summary>
public sealed record GroundTruth(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<SimulatedPost> Published)
{
    public HashSet<long> Ids { get; } = Published.Select(p => p.StatusId).ToHashSet();

    /// <summary>Each company's newest status id in the window: a scraper has caught up once it has committed it.</summary>
    public IReadOnlyDictionary<string, long> NewestByCompany { get; } = Published
        .SelectMany(p => p.Companies.Select(c => (Company: c.Value, p.StatusId)))
        .GroupBy(x => x.Company).ToDictionary(g => g.Key, g => g.Max(x => x.StatusId));

    /// <summary>For examples in a report: what the simulator wrote under an id (a native retweet shows its original's).</summary>
    public string Describe(long id) =>
        Published.Where(p => p.StatusId == id).Select(p => p.Kind.ToString()).Distinct().ToList() is { Count: > 0 } kinds
            ? $"{id} ({string.Join("+", kinds)})"
            : $"{id} (not on the timeline)";
}

/// <summary>The simulator's clock: real time until <see cref="Freeze"/>, then that moment for ever, so its timeline ends there.</summary>
public sealed class HorizonClock : TimeProvider
{
    private long _horizon = long.MaxValue;

    public override DateTimeOffset GetUtcNow()
    {
        var now = base.GetUtcNow();
        var horizon = Interlocked.Read(ref _horizon);
        return now.UtcTicks > horizon ? new DateTimeOffset(horizon, TimeSpan.Zero) : now;
    }

    public void Freeze(DateTimeOffset at) => Interlocked.Exchange(ref _horizon, at.UtcTicks);
}
