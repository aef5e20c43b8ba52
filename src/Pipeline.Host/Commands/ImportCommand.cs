using System.Diagnostics;
using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Streams;
using Microsoft.Extensions.Logging;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Import;
using Pipeline.Actors.Storage;
using Pipeline.Host.Database;
using Pipeline.Host.Http;
using Pipeline.Host.Scoring;
using Pipeline.Host.Settings;
using Pipeline.Models.Domain;
using Spectre.Console;

namespace Pipeline.Host.Commands;

/// <summary>
/// <c>pipeline import FILE</c>: runs one file through the same graph as the service, shows a
/// progress bar, prints a summary and exits. Importing a file again stores nothing twice.
/// </summary>
public static class ImportCommand
{
    private const int ErrorsShown = 20;

    public static async Task<int> ExecuteAsync(string? configPath, FileInfo file)
    {
        if (!file.Exists)
        {
            throw new PostFileException(file.Name, null, $"file not found ({file.FullName})");
        }

        var config = SettingsLoader.LoadConfig(SettingsLoader.ResolveConfigPath(configPath));
        var settings = SettingsLoader.Load(config);
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        await using var database = await PipelineDatabase.OpenAsync(settings, loggers);

        var counters = new PipelineCounters();
        var sinkSettings = settings.Sink with { MaxAttempts = settings.ImportMaxAttempts };
        using var models = ScoringModels.Load(settings, SentimentScorers.Default);
        if (models.Topics is { } topics)
        {
            await TopicCatalogStore.PublishAsync(database.DataSource, topics.Current.Model.Catalog);
        }

        var graph = PipelineComposition.BuildGraph(settings, sinkSettings, database.DataSource, counters, loggers, models,
            privacySecret: PrivacySecret.FromEnvironment(Environment.GetEnvironmentVariable).Value);
        var errors = new List<QuarantineEntry>();
        var expected = CountRecords(file.FullName);

        // The summary is the output of this verb; the actor system only speaks up about problems.
        var system = ActorSystem.Create("pipeline-import",
            Akka.Configuration.ConfigurationFactory.ParseString("akka.loglevel = WARNING").WithFallback(config));
        try
        {
            var stopwatch = Stopwatch.StartNew();
            var (killSwitch, completion) = graph.Run(
                FileImportSource.FromFile(file.FullName, DateTimeOffset.UtcNow, settings.Limits),
                system.Materializer(),
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
            await system.Terminate();
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
