using Microsoft.Extensions.Logging;
using Pipeline.Host.Database;

namespace Pipeline.Host.Commands;

/// <summary>
/// <c>pipeline migrate</c>: as the owner (PIPELINE_DB_OWNER, else PIPELINE_DB), applies the schema migrations, sets up
/// the writer and reporting logins and their grants, and exits: a deployment runs it once as the owner, then
/// <c>pipeline run</c> as the writer.
/// </summary>
public sealed class MigrateCommand : PipelineCommand
{
    public MigrateCommand()
        : base("migrate", "Apply the database schema migrations and exit.", LogLevel.Information) =>
        SetAction((_, context, ct) => ExecuteAsync(context, ct));

    public static async Task<int> ExecuteAsync(CommandContext context, CancellationToken ct)
    {
        await using var database = await PipelineDatabase.OpenAsync(context.Settings, context.Loggers, ct, joinRunningServer: true);
        Console.WriteLine($"Schema is up to date on {database.Description}.");
        return ExitCodes.Ok;
    }
}
