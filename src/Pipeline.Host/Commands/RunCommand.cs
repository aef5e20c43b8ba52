using Microsoft.Extensions.Logging;
using Pipeline.Host.Database;
using Pipeline.Host.Settings;

namespace Pipeline.Host.Commands;

/// <summary><c>pipeline run</c>: the long-running service.</summary>
public sealed class RunCommand : PipelineCommand
{
    public RunCommand()
        : base("run", "Run the service: import the configured files and the inbox, store to PostgreSQL, serve health on the management port.", LogLevel.Information) =>
        SetAction((_, context, _) => ExecuteAsync(context));

    public static async Task<int> ExecuteAsync(CommandContext context)
    {
        var settings = context.Settings;
        var logger = context.Loggers.CreateLogger("pipeline");
        logger.LogInformation("Configuration from {File}; watching {Count} companies", context.ConfigFile, settings.Companies.Count);

        return await ServeAsync(settings, context.Config, context.Loggers, logger, _ =>
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
