using Pipeline.Actors.Storage;
using Microsoft.Extensions.Logging;
using Pipeline.Host.Database;
using Pipeline.Host.Retention;

namespace Pipeline.Host.Commands;

/// <summary>
/// <c>pipeline purge</c>: one retention run now with the configured periods (<c>pipeline.retention</c>), as the scheduled
/// purge does it (same lock: it waits for no running service, it skips while one purges), then prints what it removed.
/// </summary>
public sealed class PurgeCommand : PipelineCommand
{
    public PurgeCommand()
        : base("purge", "Remove the stored posts, dropped posts and quarantine entries past their pipeline.retention period now, print what went and exit.", LogLevel.Information) =>
        SetAction((_, context, ct) => ExecuteAsync(context, Console.Out, ct));

    public static async Task<int> ExecuteAsync(string? configPath, TextWriter output, CancellationToken ct)
    {
        using var context = new CommandContext(configPath);
        return await ExecuteAsync(context, output, ct);
    }

    public static async Task<int> ExecuteAsync(CommandContext context, TextWriter output, CancellationToken ct)
    {
        var settings = context.Settings;
        if (!settings.Retention.Enabled)
        {
            await output.WriteLineAsync("Every pipeline.retention period is forever: nothing to purge.");
            return ExitCodes.Ok;
        }

        var loggers = context.Loggers;
        await using var database = await PipelineDatabase.OpenAsync(settings, loggers, ct, joinRunningServer: true);
        var job = new RetentionJob(settings.Retention, database.DataSource, new RetentionStatus(settings.Retention), loggers.CreateLogger<RetentionJob>(),
            audit: (run, token) => run.AuditAsync(database.DataSource, AuditTrail.CommandLineCaller(), token));
        var run = await job.RunAsync(Environment.MachineName, RetentionRun.RequestedTrigger, ct);
        await output.WriteLineAsync($"Retention on {database.Description}: {run.Sentence()}.");
        return run.Outcome == RetentionOutcome.Failed ? ExitCodes.DatabaseUnavailable : ExitCodes.Ok;
    }
}
