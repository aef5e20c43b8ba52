using System.CommandLine;
using Microsoft.Extensions.Logging;
using Pipeline.Host.Database;
using Pipeline.Host.Retention;
using Pipeline.Host.Settings;

namespace Pipeline.Host.Commands;

/// <summary>
/// <c>pipeline purge</c>: one retention run now with the configured periods (<c>pipeline.retention</c>), as the scheduled
/// purge does it (same lock: it waits for no running service, it skips while one purges), then prints what it removed.
/// </summary>
public static class PurgeCommand
{
    /// <param name="config">The program's recursive <c>--config</c> option.</param>
    public static Command Create(Option<string?> config)
    {
        var command = new Command("purge", "Remove the stored posts, dropped posts and quarantine entries past their pipeline.retention period now, print what went and exit.");
        command.SetAction(async (result, ct) =>
        {
            try
            {
                return await ExecuteAsync(result.GetValue(config), Console.Out, ct);
            }
            catch (Exception e) when (ExitCodes.For(e) is { } failure)
            {
                await Console.Error.WriteLineAsync($"pipeline: {failure.Message}");
                return failure.Code;
            }
        });
        return command;
    }

    public static async Task<int> ExecuteAsync(string? configPath, TextWriter output, CancellationToken ct)
    {
        var settings = SettingsLoader.Load(SettingsLoader.LoadConfig(SettingsLoader.ResolveConfigPath(configPath)));
        if (!settings.Retention.Enabled)
        {
            await output.WriteLineAsync("Every pipeline.retention period is forever: nothing to purge.");
            return ExitCodes.Ok;
        }

        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).AddFilter("Npgsql", LogLevel.Warning));
        await using var database = await PipelineDatabase.OpenAsync(settings, loggers, ct);
        var job = new RetentionJob(settings.Retention, database.DataSource, new RetentionStatus(settings.Retention), loggers.CreateLogger<RetentionJob>(),
            // AUDIT (issue 16): the same pipeline.audit writer as RetentionHosting's, caller = the local user.
            audit: null);
        var run = await job.RunAsync(Environment.MachineName, RetentionRun.RequestedTrigger, ct);
        await output.WriteLineAsync($"Retention on {database.Description}: {run.Sentence()}.");
        return run.Outcome == RetentionOutcome.Failed ? ExitCodes.DatabaseUnavailable : ExitCodes.Ok;
    }
}
