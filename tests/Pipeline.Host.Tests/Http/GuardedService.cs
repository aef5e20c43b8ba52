using System.Net.NetworkInformation;
using System.Net.Sockets;
using Akka.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Host.Database;
using Pipeline.Host.Settings;

namespace Pipeline.Host.Tests.Http;

/// <summary>
/// The whole service on a fresh database, for the management port's guards: settings from HOCON overrides,
/// secrets from a dictionary (the seam <see cref="PipelineComposition.BuildService"/> reads them through, so
/// tests running side by side never share a process environment). Topics off and a lexicon scorer, so it starts quickly.
/// </summary>
internal sealed class GuardedService : IAsyncDisposable
{
    private readonly PipelineDatabase _database;
    private readonly WebApplication _app;

    private GuardedService(TempDirectory folder, PipelineDatabase database, WebApplication app)
    {
        Folder = folder;
        _database = database;
        _app = app;
        Root = RunningService.Root(app);
    }

    public const string AdminToken = "admin-token-7f3a";

    public TempDirectory Folder { get; }

    /// <summary><c>pipeline.http.models-root</c>: <c>models</c> in <see cref="Folder"/>.</summary>
    public string ModelsRoot => Folder.Combine("models");

    public Uri Root { get; }

    /// <summary>The service's database, as the run-time login sees it.</summary>
    public PipelineDatabase Database => _database;

    /// <summary>Settings as the test gives them on top of the shipped file, with the inbox and models root in <paramref name="folder"/>.</summary>
    public static Config Configure(TempDirectory folder, string connectionString, string hocon = "") =>
        ConfigurationFactory.ParseString($$"""
            pipeline.database.connection-string = "{{connectionString}}"
            pipeline.import.inbox = "{{folder.Combine("inbox")}}"
            pipeline.import.files = []
            pipeline.http.models-root = "{{folder.Combine("models")}}"
            pipeline.topics.enabled = off
            pipeline.sentiment.max-wait = 20ms
            {{hocon}}
            """).WithFallback(SettingsLoader.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "pipeline.conf")), _ => null));

    /// <param name="bind">The address to listen on (port chosen by the system); loopback unless given.</param>
    public static async Task<GuardedService> StartAsync(
        PostgresFixture postgres, string hocon = "", IReadOnlyDictionary<string, string>? environment = null, string bind = "127.0.0.1")
    {
        var folder = new TempDirectory();
        Directory.CreateDirectory(folder.Combine("models"));
        // "{folder}" in the test's HOCON stands for the service's folder (a diagnostics folder in it, say).
        var config = Configure(folder, await postgres.CreateDatabaseAsync(), hocon.Replace("{folder}", folder.Path, StringComparison.Ordinal));
        var settings = SettingsLoader.Load(config);
        var database = await PipelineDatabase.OpenAsync(settings, NullLoggerFactory.Instance);
        var host = bind.Contains(':', StringComparison.Ordinal) ? $"[{bind}]" : bind;
        var app = PipelineComposition.BuildService(settings, config, database.DataSource, [$"http://{host}:0"],
            database.ConnectionString, name => environment?.GetValueOrDefault(name),
            sentimentScorers: _ => new LexiconSentimentScorer("lexicon-guarded"));
        await app.StartAsync();
        return new GuardedService(folder, database, app);
    }

    /// <summary>This machine's first IPv4 address beyond loopback: a caller from it is not a loopback caller.</summary>
    public static string NetworkAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !System.Net.IPAddress.IsLoopback(a))
            ?.ToString()
        ?? throw new InvalidOperationException("this machine has no IPv4 address beyond loopback to call the service from");

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _database.DisposeAsync();
        Folder.Dispose();
    }
}
