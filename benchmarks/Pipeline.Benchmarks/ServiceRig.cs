using System.Runtime.InteropServices;
using Pipeline.Host.Demo;
using Pipeline.Host.Settings;
using Pipeline.Tests.Shared.Service;

namespace Pipeline.Benchmarks;

/// <summary>
/// What the soak and chaos verbs run: a throwaway PostgreSQL, the demo's simulated Nitter instance in
/// this process, and the real service, <c>pipeline run</c> from the Release build, as a child process
/// collecting from the simulator with the demo's settings (the same as <see cref="DemoSettings.Apply"/>
/// gives <c>pipeline demo</c>): every company's scraper, clean, topic, sentiment and the sink.
/// The simulator and the child processes are <see cref="SimulatedService"/>, shared with the multi-node tests.
/// </summary>
public sealed class ServiceRig : IAsyncDisposable
{
    public const string ApplicationName = SimulatedService.ApplicationName;

    private ServiceRig(Postgres postgres, SimulatedService service)
    {
        Postgres = postgres;
        Service = service;
    }

    public Postgres Postgres { get; }

    public SimulatedService Service { get; }

    public SimulatorServer Simulator => Service.Simulator;

    /// <summary>The repository's settings as shipped (no environment overrides).</summary>
    public PipelineSettings Settings => Service.Settings;

    public DemoSettings Demo => Service.Demo;

    /// <summary>The settings the child runs with: <see cref="Settings"/> pointed at the simulator, as the demo does.</summary>
    public PipelineSettings Applied => Service.Applied;

    public string Folder => Service.Folder;

    public string ConfigFile => Service.ConfigFile;

    /// <param name="simulatorClock">The simulator's clock (the chaos verb stops its timeline at a cut-off).</param>
    /// <param name="logs">Folder for the child's logs, kept after the run; null: a temporary one, deleted with the rest.</param>
    public static Task<ServiceRig> StartAsync(string? hostDll, string? logs, TimeProvider? simulatorClock = null) =>
        StartAsync(new ServiceOptions(hostDll, logs, simulatorClock));

    public static async Task<ServiceRig> StartAsync(ServiceOptions options)
    {
        var postgres = await Postgres.StartAsync();
        try
        {
            return new ServiceRig(postgres, await SimulatedService.StartAsync(postgres.ConnectionString, options));
        }
        catch
        {
            await postgres.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the service once more (each start on a fresh management port, its log in its own file).</summary>
    public ServiceProcess Launch(string name = "service", IReadOnlyDictionary<string, string>? environment = null) => Service.Launch(name, environment);

    public async ValueTask DisposeAsync()
    {
        await Service.DisposeAsync();
        await Postgres.DisposeAsync();
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
}

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
