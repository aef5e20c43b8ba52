using System.CommandLine;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Streams;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Import;
using Pipeline.Actors.Storage;
using Pipeline.Host.Database;
using Pipeline.Host.Http;
using Pipeline.Host.Scoring;
using Pipeline.Models.Domain;
using Spectre.Console;

namespace Pipeline.Host.Commands;

/// <summary>
/// <c>pipeline import FILE</c>: runs one file through the same graph as the service, shows a
/// progress bar, prints a summary and exits. Importing a file again stores nothing twice.
/// </summary>
public sealed class ImportCommand : PipelineCommand
{
    private const int ErrorsShown = 20;

    private readonly Argument<FileInfo> _file = new("file") { Description = "A CSV (header-mapped), JSON lines or X archive tweets.js file" };

    public ImportCommand()
        : base("import", "Import one file through the cleaning stage into PostgreSQL, print a summary and exit.")
    {
        Add(_file);
        SetAction((result, context, _) => ExecuteAsync(context, result.GetValue(_file)!));
    }

    public static async Task<int> ExecuteAsync(string? configPath, FileInfo file)
    {
        using var context = new CommandContext(configPath);
        return await ExecuteAsync(context, file);
    }

    public static async Task<int> ExecuteAsync(CommandContext context, FileInfo file)
    {
        if (!file.Exists)
        {
            throw new PostFileException(file.Name, null, $"file not found ({file.FullName})");
        }

        var settings = context.Settings;
        await using var database = await PipelineDatabase.OpenAsync(settings, context.Loggers, joinRunningServer: true);

        var counters = new PipelineCounters();
        using var models = ScoringModels.Load(settings, SentimentScorers.Default);
        if (models.Topics is { } topics)
        {
            await TopicCatalogStore.PublishAsync(database.DataSource, topics.Current.Model.Catalog);
        }

        var errors = new List<QuarantineEntry>();
        var expected = CountRecords(file.FullName);

        using var host = PipelineComposition.BuildImport(settings, context.Config, database.DataSource, counters, context.Loggers, models, context.PrivacySecret);
        await host.StartAsync();
        try
        {
            var stopwatch = Stopwatch.StartNew();
            var (killSwitch, completion) = host.Services.GetRequiredService<PipelineGraph>().Run(
                FileImportSource.FromFile(file.FullName, DateTimeOffset.UtcNow, settings.Limits),
                host.Services.GetRequiredService<ActorSystem>().Materializer(),
                batch =>
                {
                    lock (errors)
                    {
                        errors.AddRange(batch.Items.OfType<PipelineItem.Quarantined>().Select(q => q.Entry).Take(ErrorsShown - errors.Count));
                    }
                });

            var interrupted = false;
            void Interrupt()
            {
                interrupted = true;
                killSwitch.Shutdown();
            }

            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; Interrupt(); });
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; Interrupt(); });

            await AnsiConsole.Progress()
                .AutoClear(true)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .StartAsync(async progress =>
                {
                    var task = progress.AddTask($"Importing {file.Name}", maxValue: Math.Max(expected, 1));
                    while (!completion.IsCompleted)
                    {
                        task.Value = Math.Min(counters.CommittedItems, task.MaxValue);
                        await Task.WhenAny(completion, Task.Delay(200));
                    }

                    task.Value = task.MaxValue;
                });

            await completion;
            PrintSummary(file, counters, stopwatch.Elapsed, errors, interrupted);
            return interrupted ? ExitCodes.Interrupted : ExitCodes.Ok;
        }
        finally
        {
            // Coordinated shutdown, as the service's host runs it.
            await host.StopAsync();
        }
    }

    /// <summary>Records in the file, for the progress bar only (one line per record is the common case).</summary>
    private static long CountRecords(string path)
    {
        long lines = 0;
        using var stream = File.OpenRead(path);
        Span<byte> buffer = stackalloc byte[64 * 1024];
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            lines += buffer[..read].Count((byte)'\n');
        }

        return Path.GetExtension(path).Equals(".csv", StringComparison.OrdinalIgnoreCase) ? Math.Max(lines - 1, 0) : lines;
    }

    private static void PrintSummary(FileInfo file, PipelineCounters counters, TimeSpan elapsed, IReadOnlyList<QuarantineEntry> errors, bool interrupted)
    {
        foreach (var error in errors)
        {
            Console.Error.WriteLine(error.Error.StartsWith(error.Location, StringComparison.Ordinal) ? error.Error : $"{error.Location}: {error.Error}");
        }

        if (counters.Quarantined > errors.Count)
        {
            Console.Error.WriteLine($"… and {counters.Quarantined - errors.Count} more in pipeline.quarantine");
        }

        var table = new Table().Title(interrupted ? $"{file.Name} (interrupted)" : file.Name).AddColumn("").AddColumn(new TableColumn("count").RightAligned());
        table.AddRow("read", counters.Read.ToString("N0"));
        table.AddRow("kept", counters.Kept.ToString("N0"));
        foreach (var (reason, count) in counters.Dropped.Where(d => d.Value > 0).OrderByDescending(d => d.Value))
        {
            table.AddRow($"dropped: {reason.ToSnakeCase()}", count.ToString("N0"));
        }

        table.AddRow("quarantined", counters.Quarantined.ToString("N0"));
        table.AddRow("stored (new posts)", counters.NewPosts.ToString("N0"));
        table.AddRow("seconds", elapsed.TotalSeconds.ToString("0.0"));
        table.AddRow("items/s", (counters.Read / Math.Max(elapsed.TotalSeconds, 0.001)).ToString("N0"));
        AnsiConsole.Write(table);
    }
}
