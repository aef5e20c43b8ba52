using System.CommandLine;
using Pipeline.Actors.Storage;
using Pipeline.Host.Database;
using Pipeline.Host.Http;

namespace Pipeline.Host.Commands;

/// <summary>
/// <c>pipeline forget --post ID | --author HANDLE</c>: removes the post, or every post of the author, from every table
/// and the diagnostics folder, and records tombstones so they are never stored again (docs/data.md). Connects as
/// <c>run</c> does; the running service's <c>POST /admin/forget</c> does the same. One audit row, caller the OS user.
/// </summary>
public sealed class ForgetCommand : PipelineCommand
{
    private readonly Option<long?> _post = new("--post") { Description = "The platform's id of the post to forget" };
    private readonly Option<string?> _author = new("--author") { Description = "The handle (with or without @) whose every post to forget" };
    private readonly Option<bool> _demo = DemoDatabaseOption();

    public ForgetCommand()
        : base("forget", "Delete a post or every post of an author from every table and diagnostics file, and keep them out for good (tombstones).", logsToStandardError: true)
    {
        Declare(_post, _author, _demo);
        SetAction((result, context, ct) => ExecuteAsync(
            context, result.GetValue(_post)?.ToString(System.Globalization.CultureInfo.InvariantCulture), result.GetValue(_author), ct, result.GetValue(_demo)));
    }

    public static async Task<int> ExecuteAsync(string? configPath, string? post, string? author, CancellationToken ct)
    {
        using var context = new CommandContext(configPath, logsToStandardError: true);
        return await ExecuteAsync(context, post, author, ct);
    }

    public static async Task<int> ExecuteAsync(CommandContext context, string? post, string? author, CancellationToken ct, bool demoDatabase = false)
    {
        var (subject, problem) = ForgetAudit.Subject(post, author);
        if (subject is null)
        {
            await Console.Error.WriteLineAsync($"pipeline forget: {problem} (--post ID or --author HANDLE)");
            return ExitCodes.BadInput;
        }

        var settings = context.SettingsFor(demoDatabase);
        await using var database = await PipelineDatabase.OpenAsync(settings, context.Loggers, ct, joinRunningServer: true);
        var keys = await PrivacyKeys.LoadAsync(database.DataSource, context.PrivacySecret, ct);
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
