using Microsoft.Extensions.Logging;
using Pipeline.Host.Database;
using Pipeline.Host.Settings;

namespace Pipeline.Host.Commands;

/// <summary><c>pipeline migrate</c>: applies the schema migrations and exits.</summary>
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
