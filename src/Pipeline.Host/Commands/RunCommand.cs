using Microsoft.Extensions.Logging;
using Pipeline.Host.Database;
using Pipeline.Host.Settings;

namespace Pipeline.Host.Commands;

/// <summary><c>pipeline run</c>: the long-running service.</summary>
public static class RunCommand
{
    public static async Task<int> ExecuteAsync(string? configPath)
    {
        var configFile = SettingsLoader.ResolveConfigPath(configPath);
        var config = SettingsLoader.LoadConfig(configFile);
        var settings = SettingsLoader.Load(config);
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).AddFilter("Npgsql", LogLevel.Warning));
        var logger = loggers.CreateLogger("pipeline");
        logger.LogInformation("Configuration from {File}; watching {Count} companies", configFile, settings.Companies.Count);

        return await ServeAsync(settings, config, loggers, logger, _ =>
            logger.LogInformation("Health on http://{Host}:{Port}/healthz/ready; inbox {Inbox}; Ctrl+C stops after committing in-flight batches",
                settings.Http.Host, settings.Http.Port, Path.GetFullPath(settings.Import.Inbox)));
    }

    /// <summary>Opens the database, starts the service, reports it started, and serves until Ctrl+C drains it (run and demo).</summary>
    internal static async Task<int> ServeAsync(
        PipelineSettings settings, Akka.Configuration.Config config, ILoggerFactory loggers, ILogger logger, Action<WebApplication> started)
    {
        await using var database = await PipelineDatabase.OpenAsync(settings, loggers);
        await using var app = PipelineComposition.BuildService(settings, config, database.DataSource,
            connectionString: database.ConnectionString);
        await app.StartAsync();
        started(app);
        await app.WaitForShutdownAsync();
        logger.LogInformation("Stopped");
        return ExitCodes.Ok;
    }
}
