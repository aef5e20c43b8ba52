using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Import;
using Pipeline.Actors.Storage;
using Pipeline.Host;
using Pipeline.Host.Scoring;
using Pipeline.Host.Settings;
using Pipeline.Models.Cleaning;
using Pipeline.Models.Domain;
using Pipeline.Models.Language;
using Pipeline.Tests.Shared;

namespace Pipeline.Benchmarks;

/// <summary>
/// Posts/s of <c>pipeline import</c> of a CSV file, end to end (the real program as a child process, as
/// shipped, into a throwaway PostgreSQL), against the <c>scoring</c> verb's graph (clean → topic → sentiment
/// (lexicon) → sink) on the same posts in the same run, and the pieces in between that say where the
/// difference goes: the file reader alone, the reader and the cleaner, and the import's own graph (the
/// shipped topic and sentiment models) from memory.
/// </summary>
public static partial class ImportBenchmark
{
    private const string Truncate = "TRUNCATE pipeline.scored_posts, pipeline.raw_posts, pipeline.drop_counts, pipeline.quarantine";

    public static async Task RunAsync(int rows, int rounds, bool importOnly, string? pipelineDll, bool sqlProfile = false)
    {
        // Where the server's time goes: every statement, nested ones (triggers) too, and every function.
        await using var postgres = await Postgres.StartAsync(sqlProfile
            ? new Dictionary<string, string>
            {
                ["shared_preload_libraries"] = "pg_stat_statements",
                ["pg_stat_statements.track"] = "all",
                ["track_functions"] = "all",
            }
            : null);
        if (sqlProfile)
        {
            await using var extension = postgres.DataSource.CreateCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
            await extension.ExecuteNonQueryAsync();
        }

        using var system = ActorSystem.Create("bench", "akka.loglevel = WARNING");
        var materializer = system.Materializer();
        var folder = Directory.CreateTempSubdirectory("pipeline-bench-import").FullName;
        try
        {
            var generated = SyntheticTweets.Generate(rows).ToList();
            var file = Path.Combine(folder, "posts.csv");
            SyntheticTweets.WriteCsv(file, generated);
            var fetched = DateTimeOffset.UtcNow;
            var items = generated
                .Select((row, i) => (SourceItem)new SourceItem.Post(new RawPost(new PostId(row.Id), row.Company is null ? null : new CompanyId(row.Company),
                    PostSource.Import, "1", row.Author, row.Text, row.CreatedAt, row.Likes, row.Retweets, 0, 0, null, row.Lang,
                    row.IsRetweet, false, fetched), $"posts.csv:{i + 2}"))
                .ToList();

            // The settings and models the child runs with: pipeline.conf and models/ beside this program.
            var settings = SettingsLoader.Load(SettingsLoader.LoadConfig(Path.Combine(AppContext.BaseDirectory, "pipeline.conf")));
            using var shipped = ScoringModels.Load(settings, SentimentScorers.Default);
            if (settings.Cleaning.LanguageDetection.Mode != LanguageDetectionMode.Off)
            {
                new LanguageIdentifier(settings.Cleaning.LanguageDetection).Warm();
            }

            var lexicon = CleaningPolicy.Default with { LanguageDetection = LanguageDetectionSettings.Off };
            var benchModel = TestScoring.TopicModel("bench");
            var stage = new ScoringStageSettings(256, TimeSpan.FromMilliseconds(100), 2);
            Console.WriteLine($"{rows:N0} posts, CSV {new FileInfo(file).Length / 1e6:0.0} MB, {Environment.ProcessorCount} cores, {rounds} rounds (best kept)");

            var results = new List<(string Name, double Seconds, double PeakRssMb)>();
            var childCpu = new List<double>();
            var serverCpu = new List<double>();
            Task ImportGraph(Source<SourceItem, NotUsed> source) =>
                PipelineComposition.BuildGraph(settings, settings.Sink, postgres.DataSource, new PipelineCounters(), NullLoggerFactory.Instance, shipped)
                    .Run(source, materializer).Completion;
            Task CsvGraph() => ImportGraph(FileImportSource.FromFile(file, fetched, settings.Limits));

            // A child import always runs its graph in a cold process (code not yet compiled or tiered, heap not yet
            // grown); this process's first run of the same graph shows what that costs beside its later, warm runs.
            var (coldCsv, warmCsv) = (new List<(double Seconds, double Cpu)>(), new List<(double Seconds, double Cpu)>());
            if (!importOnly)
            {
                await TruncateAsync(postgres);
                coldCsv.Add(await TimeWithCpuAsync(CsvGraph));
                results.Add(("import's graph from the CSV file, cold (first run)", coldCsv[0].Seconds, 0));
            }

            for (var round = 1; round <= rounds; round++)
            {
                await TruncateAsync(postgres);
                if (sqlProfile)
                {
                    await using var reset = postgres.DataSource.CreateCommand("SELECT pg_stat_statements_reset(), pg_stat_reset()");
                    await reset.ExecuteNonQueryAsync();
                }

                var serverBefore = postgres.CpuSeconds();
                var child = await RunImportAsync(pipelineDll ?? Path.Combine(AppContext.BaseDirectory, "pipeline.dll"), file, postgres.ConnectionString);
                if (child.Read != rows)
                {
                    throw new InvalidOperationException($"pipeline import read {child.Read:N0} of {rows:N0} rows:\n{child.Output}");
                }

                results.Add(("pipeline import (child process, as shipped)", child.Seconds, child.PeakRssMb));
                childCpu.Add(child.CpuSeconds);
                // The child's backends end after it does; their CPU counts once the postmaster has reaped them.
                await Task.Delay(TimeSpan.FromSeconds(1));
                serverCpu.Add(postgres.CpuSeconds() - serverBefore);
                if (sqlProfile)
                {
                    await PrintSqlProfileAsync(postgres);
                }

                if (importOnly)
                {
                    continue;
                }

                await TruncateAsync(postgres);
                results.Add(("scoring graph (the scoring verb's: LDA + lexicon)", await TimeAsync(() =>
                {
                    var counters = new PipelineCounters();
                    var cleaner = new PostCleaner(lexicon, new CompanyDirectory(SyntheticTweets.Companies));
                    var graph = new PipelineGraph(cleaner, ScoringBenchmark.Stages(benchModel, stage, counters),
                        new PostgresSink(new PostStore(postgres.DataSource), SinkSettings.Default, counters), SinkSettings.Default, counters);
                    return graph.Run(Source.From(items), materializer).Completion;
                }), 0));

                await TruncateAsync(postgres);
                results.Add(("import's graph from memory (shipped models)", await TimeAsync(() => ImportGraph(Source.From(items))), 0));
                await TruncateAsync(postgres);
                warmCsv.Add(await TimeWithCpuAsync(CsvGraph));
                results.Add(("import's graph from the CSV file, in this process", warmCsv[^1].Seconds, 0));

                results.Add(("CSV reader alone", await TimeAsync(() =>
                    FileImportSource.FromFile(file, fetched, settings.Limits).RunWith(Sink.Ignore<SourceItem>(), materializer)), 0));

                results.Add(("CSV reader → clean (no scoring, no sink)", await TimeAsync(() =>
                {
                    var cleaner = new PostCleaner(settings.Cleaning, new CompanyDirectory(settings.Companies));
                    return FileImportSource.FromFile(file, fetched, settings.Limits)
                        .Clean(cleaner.BeginRun(), new PipelineCounters(), new PostGuard(settings.Limits, TimeProvider.System))
                        .RunWith(Sink.Ignore<PipelineItem>(), materializer);
                }), 0));

                results.Add(("import's graph from memory, no sink", await TimeAsync(() =>
                {
                    var counters = new PipelineCounters();
                    var cleaner = new PostCleaner(settings.Cleaning, new CompanyDirectory(settings.Companies));
                    return Source.From(items).Clean(cleaner.BeginRun(), counters).Score(shipped.Stages(counters))
                        .RunWith(Sink.Ignore<PipelineItem>(), materializer);
                }), 0));
            }

            var import = results.Where(r => r.Name.StartsWith("pipeline import", StringComparison.Ordinal)).MinBy(r => r.Seconds);
            var reference = importOnly ? import.Seconds : results.Where(r => r.Name.StartsWith("scoring graph", StringComparison.Ordinal)).Min(r => r.Seconds);
            Console.WriteLine();
            Console.WriteLine($"{"what",-52} {"best s",8} {"posts/s",10} {"vs scoring",11}");
            foreach (var group in results.GroupBy(r => r.Name))
            {
                var best = group.Min(r => r.Seconds);
                Console.WriteLine($"{group.Key,-52} {best,8:0.00} {rows / best,10:N0} {reference / best,11:0.00}");
            }

            Console.WriteLine();
            Console.WriteLine($"import / scoring: {reference / import.Seconds:0.00}; peak RSS of the import process: {results.Where(r => r.PeakRssMb > 0).Max(r => r.PeakRssMb):0} MB; " +
                $"peak RSS of this process: {PeakRssKb(Environment.ProcessId) / 1024.0:0} MB");
            Console.WriteLine($"CPU of the import process (user + system, start-up included), each round: {string.Join(", ", childCpu.Select(c => $"{c:0.0} s"))}; " +
                $"PostgreSQL's CPU (user + system, all its processes) during each: {string.Join(", ", serverCpu.Select(c => $"{c:0.0} s"))}; " +
                $"load average at the end: {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
            if (!importOnly)
            {
                string PerThousand(double cpu) => $"{cpu * 1_000_000 / rows:0} ms";
                Console.WriteLine($"CPU per 1,000 posts: the child import {PerThousand(childCpu.Min())} (start-up included); this process's graph from the CSV " +
                    $"file, first run {PerThousand(coldCsv[0].Cpu)}, later runs {string.Join(", ", warmCsv.Select(w => PerThousand(w.Cpu)))}");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task PrintSqlProfileAsync(Postgres postgres)
    {
        await using var statements = postgres.DataSource.CreateCommand("""
            SELECT round(total_exec_time::numeric / 1000, 2), calls, rows, left(regexp_replace(query, '\s+', ' ', 'g'), 110)
            FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 12
            """);
        await using (var reader = await statements.ExecuteReaderAsync())
        {
            Console.WriteLine($"{"s",7} {"calls",7} {"rows",9}  statement (nested ones included, so times overlap)");
            while (await reader.ReadAsync())
            {
                Console.WriteLine($"{reader.GetDecimal(0),7} {reader.GetInt64(1),7} {reader.GetInt64(2),9}  {reader.GetString(3)}");
            }
        }

        await using var functions = postgres.DataSource.CreateCommand(
            "SELECT funcname, calls, round(total_time::numeric / 1000, 2), round(self_time::numeric / 1000, 2) FROM pg_stat_user_functions ORDER BY total_time DESC LIMIT 5");
        await using var functionReader = await functions.ExecuteReaderAsync();
        while (await functionReader.ReadAsync())
        {
            Console.WriteLine($"function {functionReader.GetString(0)}: {functionReader.GetInt64(1)} calls, {functionReader.GetDecimal(2)} s total, {functionReader.GetDecimal(3)} s self");
        }
    }

    private static async Task TruncateAsync(Postgres postgres)
    {
        await using var truncate = postgres.DataSource.CreateCommand(Truncate);
        await truncate.ExecuteNonQueryAsync();
    }

    /// <summary>Wall seconds of <paramref name="work"/> and this process's CPU seconds (every thread) while it ran.</summary>
    private static async Task<(double Seconds, double Cpu)> TimeWithCpuAsync(Func<Task> work)
    {
        var cpu = CpuSeconds(Environment.ProcessId);
        var seconds = await TimeAsync(work);
        return (seconds, CpuSeconds(Environment.ProcessId) - cpu);
    }

    private static async Task<double> TimeAsync(Func<Task> work)
    {
        var stopwatch = Stopwatch.StartNew();
        await work();
        return stopwatch.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// <c>pipeline import FILE</c> from the build beside this program; the time is the one its summary gives
    /// (the graph's run, from the first row read to the last batch committed: start-up and model loading excluded).
    /// </summary>
    private static async Task<(double Seconds, long Read, double PeakRssMb, double CpuSeconds, string Output)> RunImportAsync(string pipelineDll, string file, string connectionString)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(file)!,
            Environment = { ["PIPELINE_DB"] = connectionString, ["COLUMNS"] = "200" },
        };
        start.Environment.Remove("PIPELINE_CONFIG");
        start.ArgumentList.Add(Path.GetFullPath(pipelineDll));
        start.ArgumentList.Add("import");
        start.ArgumentList.Add(file);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        var exited = process.WaitForExitAsync();
        long peak = 0;
        double cpu = 0;
        using (var sampler = new PeriodicTimer(TimeSpan.FromMilliseconds(50)))
        {
            while (!exited.IsCompleted)
            {
                peak = Math.Max(peak, PeakRssKb(process.Id));
                cpu = Math.Max(cpu, CpuSeconds(process.Id));
                await Task.WhenAny(exited, sampler.WaitForNextTickAsync().AsTask());
            }
        }

        await exited;
        var text = await output;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"pipeline import exited {process.ExitCode}:\n{text}\n{await error}");
        }

        return (Number(SecondsRow(), text), (long)Number(ReadRow(), text), peak / 1024.0, cpu, text);
    }

    private static double Number(Regex row, string output)
    {
        var match = row.Match(output);
        return match.Success
            ? double.Parse(match.Groups[1].Value.Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"no '{row}' in the import's summary:\n{output}");
    }

    [GeneratedRegex(@"\bseconds\W+([0-9][0-9.,]*)")]
    private static partial Regex SecondsRow();

    [GeneratedRegex(@"\bread\W+([0-9][0-9.,]*)")]
    private static partial Regex ReadRow();

    /// <summary>
    /// User + system CPU seconds the process has used so far (its whole life: start-up and model loading too). On a
    /// shared, overloaded machine this says more than wall time about what a change saves.
    /// </summary>
    private static double CpuSeconds(int pid)
    {
        try
        {
            // Fields after the parenthesised command name; utime and stime are the 12th and 13th of them, in clock ticks (100/s).
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    private static long PeakRssKb(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Gone between two samples.
            return 0;
        }
    }
}
