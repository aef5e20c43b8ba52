using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Streams;
using Npgsql;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Import;
using Pipeline.Actors.Storage;
using Pipeline.Models.Cleaning;
using Pipeline.Models.Domain;
using Pipeline.Tests.Shared;

namespace Pipeline.Benchmarks;

/// <summary>
/// Peak memory of a whole import (file → clean → PostgreSQL) for a small and a ten times
/// larger file, each in a fresh process so that peaks do not mix. Streaming means flat.
/// </summary>
public static class ImportMemoryBenchmark
{
    public static async Task RunAsync(int small, int large)
    {
        await using var postgres = await Postgres.StartAsync();
        var folder = Directory.CreateTempSubdirectory("pipeline-bench-import").FullName;
        try
        {
            Console.WriteLine($"{"rows",10} {"file MB",8} {"seconds",8} {"rows/s",10} {"peak RSS MB",12} {"peak GC heap MB",16}");
            foreach (var rows in new[] { small, large })
            {
                var file = Path.Combine(folder, $"tweets-{rows}.jsonl");
                SyntheticTweets.WriteJsonLines(file, SyntheticTweets.Generate(rows));
                await using (var truncate = postgres.DataSource.CreateCommand(
                    "TRUNCATE pipeline.scored_posts, pipeline.raw_posts, pipeline.drop_counts, pipeline.quarantine"))
                {
                    await truncate.ExecuteNonQueryAsync();
                }

                var result = await RunChildAsync(file, postgres.ConnectionString);
                Console.WriteLine($"{rows,10:N0} {new FileInfo(file).Length / 1e6,8:0.0} {result.Seconds,8:0.00} {rows / result.Seconds,10:N0} {result.PeakRssMb,12:0.0} {result.PeakHeapMb,16:0.0}");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The child side: import one file and print what memory it peaked at.</summary>
    public static async Task ImportOnceAsync(string file, string connectionString)
    {
        await using var dataSource = PipelineDataSource.Create(connectionString);
        var counters = new PipelineCounters();
        var graph = new PipelineGraph(
            new PostCleaner(CleaningPolicy.Default, new CompanyDirectory(SyntheticTweets.Companies)),
            [],
            new PostgresSink(new PostStore(dataSource), SinkSettings.Default, counters),
            SinkSettings.Default,
            counters);
        var system = ActorSystem.Create("bench");
        long peakHeap = 0;
        var stopwatch = Stopwatch.StartNew();
        var (_, completion) = graph.Run(FileImportSource.FromFile(file, DateTimeOffset.UtcNow), system.Materializer(),
            _ => peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(false)));
        await completion;
        var seconds = stopwatch.Elapsed.TotalSeconds;
        await system.Terminate();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"result seconds={seconds} peak_rss_kb={PeakRssKb()} peak_heap_bytes={peakHeap} read={counters.Read} stored={counters.NewPosts}"));
    }

    private static async Task<(double Seconds, double PeakRssMb, double PeakHeapMb)> RunChildAsync(string file, string connectionString)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardOutput = true,
            Environment = { ["PIPELINE_BENCH_DB"] = connectionString },
        };
        if (!Environment.ProcessPath!.EndsWith("Pipeline.Benchmarks", StringComparison.Ordinal))
        {
            start.ArgumentList.Add(typeof(ImportMemoryBenchmark).Assembly.Location);
        }

        start.ArgumentList.Add("import-once");
        start.ArgumentList.Add(file);
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var line = output.Split('\n').LastOrDefault(l => l.StartsWith("result ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException("import child failed: " + output);
        var values = line[7..].Split(' ').Select(kv => kv.Split('=')).ToDictionary(kv => kv[0], kv => double.Parse(kv[1], CultureInfo.InvariantCulture));
        return (values["seconds"], values["peak_rss_kb"] / 1024, values["peak_heap_bytes"] / 1024 / 1024);
    }

    private static long PeakRssKb()
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }
}
