using System.CommandLine;
using Pipeline.Actors.Storage;
using Pipeline.Host.Database;
using Pipeline.Host.Http;

namespace Pipeline.Host.Commands;

/// <summary>
/// <c>pipeline export --author HANDLE [--out FILE]</c>: every stored item about the author as JSON lines (docs/data.md), to
/// standard output or a file. One audit row, caller the OS user; logs go to standard error, so the output is only the lines.
/// </summary>
public sealed class ExportCommand : PipelineCommand
{
    private readonly Option<string> _author = new("--author") { Description = "The handle (with or without @) whose stored items to export", Required = true };
    private readonly Option<FileInfo?> _out = new("--out") { Description = "File to write (default: standard output)" };
    private readonly Option<bool> _demo = DemoDatabaseOption();

    public ExportCommand()
        : base("export", "Write every stored item about an author (posts, scores, quarantine entries) as JSON lines.", logsToStandardError: true)
    {
        Declare(_author, _out, _demo);
        SetAction((result, context, ct) => ExecuteAsync(context, result.GetValue(_author)!, result.GetValue(_out), ct, result.GetValue(_demo)));
    }

    public static async Task<int> ExecuteAsync(string? configPath, string author, FileInfo? output, CancellationToken ct)
    {
        using var context = new CommandContext(configPath, logsToStandardError: true);
        return await ExecuteAsync(context, author, output, ct);
    }

    public static async Task<int> ExecuteAsync(CommandContext context, string author, FileInfo? output, CancellationToken ct, bool demoDatabase = false)
    {
        if (ForgetAudit.Subject(null, author) is not (DataSubject.Author subject, _))
        {
            await Console.Error.WriteLineAsync("pipeline export: --author needs a handle");
            return ExitCodes.BadInput;
        }

        await using var database = await PipelineDatabase.OpenAsync(context.SettingsFor(demoDatabase), context.Loggers, ct, joinRunningServer: true);
        var keys = await PrivacyKeys.LoadAsync(database.DataSource, context.PrivacySecret, ct);
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

        await AuditTrail.RecordAsync(database.DataSource, "export", Parameters(keys, author, output), $"exported {lines} items", AuditTrail.CommandLineCaller(), ct);
        await Console.Error.WriteLineAsync($"pipeline export: {lines} items");
        return ExitCodes.Ok;
    }

    private static object Parameters(PrivacyKeys keys, string author, FileInfo? output) =>
        new { subject = "author", tombstone = Convert.ToHexStringLower(keys.AuthorTombstone(author))[..16], output = output?.FullName ?? "stdout" };
}
