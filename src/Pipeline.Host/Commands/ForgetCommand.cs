using System.CommandLine;
using Microsoft.Extensions.Logging;
using Pipeline.Actors.Storage;
using Pipeline.Host.Database;
using Pipeline.Host.Http;
using Pipeline.Host.Settings;

namespace Pipeline.Host.Commands;

/// <summary>
/// <c>pipeline forget --post ID | --author HANDLE</c>: removes the post, or every post of the author, from every table
/// and the diagnostics folder, and records tombstones so they are never stored again (docs/data.md). Connects as
/// <c>run</c> does; the running service's <c>POST /admin/forget</c> does the same. One audit row, caller the OS user.
/// </summary>
public static class ForgetCommand
{
    public static Command Create(Option<string?> config)
    {
        var post = new Option<long?>("--post") { Description = "The platform's id of the post to forget" };
        var author = new Option<string?>("--author") { Description = "The handle (with or without @) whose every post to forget" };
        var command = new Command("forget", "Delete a post or every post of an author from every table and diagnostics file, and keep them out for good (tombstones).")
        {
            post, author,
        };
        command.SetAction((result, ct) => CommandGuard.RunAsync(() => ExecuteAsync(
            result.GetValue(config), result.GetValue(post)?.ToString(System.Globalization.CultureInfo.InvariantCulture), result.GetValue(author), ct)));
        return command;
    }

    public static async Task<int> ExecuteAsync(string? configPath, string? post, string? author, CancellationToken ct)
    {
        var (subject, problem) = ForgetAudit.Subject(post, author);
        if (subject is null)
        {
            await Console.Error.WriteLineAsync($"pipeline forget: {problem} (--post ID or --author HANDLE)");
            return ExitCodes.BadInput;
        }

        var settings = SettingsLoader.Load(SettingsLoader.LoadConfig(SettingsLoader.ResolveConfigPath(configPath)));
        using var loggers = CommandGuard.StandardErrorLoggers();
        await using var database = await PipelineDatabase.OpenAsync(settings, loggers, ct);
        var keys = await PrivacyKeys.LoadAsync(database.DataSource, PrivacySecret.FromEnvironment(Environment.GetEnvironmentVariable).Value, ct);
        var parameters = ForgetAudit.Parameters(keys, subject);
        ForgetReport report;
        try
        {
            report = await DataSubjects.ForgetAsync(database.DataSource, keys, subject, settings.Scraping.Diagnostics, ct);
        }
        catch (Exception e)
        {
            await AuditTrail.RecordAsync(database.DataSource, "forget", parameters, $"failed: {e.GetType().Name}", AuditTrail.CommandLineCaller(), CancellationToken.None);
            throw;
        }

        var outcome = ForgetAudit.Outcome(report);
        await AuditTrail.RecordAsync(database.DataSource, "forget", parameters, outcome, AuditTrail.CommandLineCaller(), ct);
        Console.WriteLine(outcome);
        return ExitCodes.Ok;
    }
}

/// <summary>
/// <c>pipeline export --author HANDLE [--out FILE]</c>: every stored item about the author as JSON lines (docs/data.md), to
/// standard output or a file. One audit row, caller the OS user; logs go to standard error, so the output is only the lines.
/// </summary>
public static class ExportCommand
{
    public static Command Create(Option<string?> config)
    {
        var author = new Option<string>("--author") { Description = "The handle (with or without @) whose stored items to export", Required = true };
        var output = new Option<FileInfo?>("--out") { Description = "File to write (default: standard output)" };
        var command = new Command("export", "Write every stored item about an author (posts, scores, quarantine entries) as JSON lines.")
        {
            author, output,
        };
        command.SetAction((result, ct) => CommandGuard.RunAsync(() => ExecuteAsync(result.GetValue(config), result.GetValue(author)!, result.GetValue(output), ct)));
        return command;
    }

    public static async Task<int> ExecuteAsync(string? configPath, string author, FileInfo? output, CancellationToken ct)
    {
        if (ForgetAudit.Subject(null, author) is not (DataSubject.Author subject, _))
        {
            await Console.Error.WriteLineAsync("pipeline export: --author needs a handle");
            return ExitCodes.BadInput;
        }

        var settings = SettingsLoader.Load(SettingsLoader.LoadConfig(SettingsLoader.ResolveConfigPath(configPath)));
        using var loggers = CommandGuard.StandardErrorLoggers();
        await using var database = await PipelineDatabase.OpenAsync(settings, loggers, ct);
        var keys = await PrivacyKeys.LoadAsync(database.DataSource, PrivacySecret.FromEnvironment(Environment.GetEnvironmentVariable).Value, ct);
        int lines;
        if (output is null)
        {
            lines = await DataSubjects.ExportAsync(database.DataSource, keys, subject, Console.Out, ct);
        }
        else
        {
            await using var writer = new StreamWriter(output.FullName, append: false, new System.Text.UTF8Encoding(false));
            lines = await DataSubjects.ExportAsync(database.DataSource, keys, subject, writer, ct);
        }

        var parameters = new { subject = "author", tombstone = Convert.ToHexStringLower(keys.AuthorTombstone(author))[..16], output = output?.FullName ?? "stdout" };
        await AuditTrail.RecordAsync(database.DataSource, "export", parameters, $"exported {lines} items", AuditTrail.CommandLineCaller(), ct);
        await Console.Error.WriteLineAsync($"pipeline export: {lines} items");
        return ExitCodes.Ok;
    }
}

/// <summary>What the data-subject verbs share with the others: errors as exit codes, logs kept off standard output.</summary>
internal static class CommandGuard
{
    public static async Task<int> RunAsync(Func<Task<int>> verb)
    {
        try
        {
            return await verb();
        }
        catch (Exception e) when (ExitCodes.For(e) is { } failure)
        {
            await Console.Error.WriteLineAsync($"pipeline: {failure.Message}");
            return failure.Code;
        }
    }

    public static ILoggerFactory StandardErrorLoggers() => LoggerFactory.Create(b => b
        .AddSimpleConsole(o => o.SingleLine = true)
        .AddFilter("Npgsql", LogLevel.Warning)
        .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
}
