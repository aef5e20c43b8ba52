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
        {
            logger.LogInformation("Health on http://{Host}:{Port}/healthz/ready; inbox {Inbox}; Ctrl+C stops after committing in-flight batches",
                settings.Http.Host, settings.Http.Port, Path.GetFullPath(settings.Import.Inbox));
            return Task.CompletedTask;
        });
    }

    /// <summary>Opens the database, starts the service, reports it started, and serves until Ctrl+C drains it (run and demo).</summary>
    /// <param name="started">Runs once the service is up; what it returns is awaited after the service stopped (the demo's status display).</param>
    /// <param name="logging">Where the service's own logs go, if not to the console.</param>
    internal static async Task<int> ServeAsync(
        PipelineSettings settings, Akka.Configuration.Config config, ILoggerFactory loggers, ILogger logger, Func<WebApplication, Task> started,
        Action<ILoggingBuilder>? logging = null)
    {
        await using var database = await PipelineDatabase.OpenAsync(settings, loggers);
        await using var app = PipelineComposition.BuildService(settings, config, database.DataSource,
            connectionString: database.ConnectionString, logging: logging);
        await app.StartAsync();
        var alongside = started(app);
        await app.WaitForShutdownAsync();
        await alongside;
        logger.LogInformation("Stopped");
        return ExitCodes.Ok;
    }
}
