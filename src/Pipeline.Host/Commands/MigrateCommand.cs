using Microsoft.Extensions.Logging;
using Pipeline.Host.Database;
using Pipeline.Host.Settings;

namespace Pipeline.Host.Commands;

/// <summary>
/// <c>pipeline migrate</c>: as the owner (PIPELINE_DB_OWNER, else PIPELINE_DB), applies the schema migrations, sets up
/// the writer and reporting logins and their grants, and exits: a deployment runs it once as the owner, then
/// <c>pipeline run</c> as the writer.
/// </summary>
public static class MigrateCommand
{
    public static async Task<int> ExecuteAsync(string? configPath, CancellationToken ct)
    {
        var settings = SettingsLoader.Load(SettingsLoader.LoadConfig(SettingsLoader.ResolveConfigPath(configPath)));
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).AddFilter("Npgsql", LogLevel.Warning));
        await using var database = await PipelineDatabase.OpenAsync(settings, loggers, ct);
        Console.WriteLine($"Schema is up to date on {database.Description}.");
        return ExitCodes.Ok;
    }
}
