using Akka.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Host.Database;
using Pipeline.Host.Settings;

namespace Pipeline.Host.Tests.Dashboard;

/// <summary>The whole service as <c>run</c> composes it, on a loopback port, with its own new database.</summary>
internal sealed class DashboardService : IAsyncDisposable
{
    private readonly TempDirectory _folder;
    private readonly PipelineDatabase _database;
    private readonly WebApplication _app;

    private DashboardService(TempDirectory folder, PipelineDatabase database, WebApplication app, Uri root)
    {
        _folder = folder;
        _database = database;
        _app = app;
        Root = root;
    }

    public Uri Root { get; }

    public static async Task<DashboardService> StartAsync(PostgresFixture postgres, string refreshInterval = "5s")
    {
        var folder = new TempDirectory();
        var config = ConfigurationFactory.ParseString($$"""
            pipeline.database.connection-string = "{{await postgres.CreateDatabaseAsync()}}"
            pipeline.import.inbox = "{{folder.Combine("inbox")}}"
            pipeline.import.files = []
            pipeline.dashboard.refresh-interval = {{refreshInterval}}
            """).WithFallback(SettingsLoader.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "pipeline.conf")), _ => null));
        var settings = SettingsLoader.Load(config);
        var database = await PipelineDatabase.OpenAsync(settings, NullLoggerFactory.Instance);
        var app = PipelineComposition.BuildService(settings, config, database.DataSource, ["http://127.0.0.1:0"]);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new DashboardService(folder, database, app, new Uri(address));
    }

    public Task WriteAsync(IReadOnlyList<Pipeline.Actors.Graph.PipelineItem> items) => DashboardData.WriteAsync(_database.DataSource, items);

    /// <summary>Runs <paramref name="write"/> on the service's own database (rows the sink would not write).</summary>
    public Task WithDataSourceAsync(Func<Npgsql.NpgsqlDataSource, Task> write) => write(_database.DataSource);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _database.DisposeAsync();
        _folder.Dispose();
    }
}
