using System.Diagnostics;
using System.Globalization;
using Pipeline.Models.Cleaning;
using Pipeline.Models.Sentiment;
using Pipeline.Tests.Shared;

namespace Pipeline.Benchmarks;

/// <summary>
/// OnnxRobertaScorer tweets/s and peak memory by batch size and intra-op threads. Each setting runs
/// in a fresh process so that peaks do not mix; the in-run reference is tokenisation alone
/// (Cardiff preprocessing + BPE), the part of the work that does not depend on the network.
/// </summary>
public static class OnnxBenchmark
{
    public static async Task RunAsync(
        string modelFolder, string? textsFile, int count, IReadOnlyList<int> batchSizes, IReadOnlyList<int> threads, string optimization, int repeat)
    {
        var texts = LoadTexts(textsFile, count);
        var file = Path.Combine(Directory.CreateTempSubdirectory("pipeline-bench-onnx").FullName, "texts.txt");
        File.WriteAllLines(file, texts);
        try
        {
            var folder = OnnxModelFolder.Open(modelFolder);
            var tokenizer = RobertaTokenizer.FromFiles(folder.VocabPath, folder.MergesPath);
            var uptime = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "?";
            var lengths = texts.Select(t => tokenizer.Encode(TextNormalizer.ForSentiment(t), folder.MaxTokens ?? OnnxScorerOptions.DefaultMaxTokens).Length).Order().ToArray();
            var modelMb = new FileInfo(folder.ModelPath).Length / 1e6;
            Console.WriteLine($"model {folder.FolderPath} ({modelMb:0.0} MB), {texts.Count} texts from {textsFile ?? "synthetic tweets"}, " +
                $"tokens mean {lengths.Average():0.0} p50 {lengths[lengths.Length / 2]} p95 {lengths[(int)(lengths.Length * 0.95)]} max {lengths[^1]}, " +
                $"graph optimisation {optimization}, {Environment.ProcessorCount} logical cores, load average {uptime}");

            using (var check = OnnxRobertaScorer.Open(modelFolder))
            {
                // Same ids as benchmarks/tools/make_roberta_base_shape.py prints its PyTorch logits for.
                var logits = check.LogitsForTokenIds([[0, 31414, 232, 328, 2], [0, 20760, 2]]);
                Console.WriteLine("check: ONNX Runtime logits for [0 31414 232 328 2] and [0 20760 2]: " +
                    string.Join("  ", logits.Select(l => string.Join(' ', l.Select(v => v.ToString("0.000000", CultureInfo.InvariantCulture))))));
            }

            Console.WriteLine("reference (same process, alternating passes, best of each): tokenizer only = Cardiff preprocessing + BPE, 1 thread");
            Console.WriteLine($"{"batch",6} {"threads",8} {"tweets/s",10} {"tokenizer/s",12} {"ratio",7} {"CPU ms/tweet",13} {"tokenizer CPU ms",17} {"ms/batch",9} {"RSS loaded MB",14} {"peak RSS MB",12} {"peak GC heap MB",16} {"alloc KB/tweet",15}");
            foreach (var thread in threads)
            {
                foreach (var batch in batchSizes)
                {
                    var r = await RunChildAsync(modelFolder, file, batch, thread, optimization, repeat);
                    var rate = r["tweets"] / r["seconds"];
                    var tokenizerRate = r["tweets"] / r["tokenizer_seconds"];
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{batch,6} {thread,8} {rate,10:N1} {tokenizerRate,12:N0} {rate / tokenizerRate,7:0.000} {1000 * r["cpu_seconds"] / r["tweets"],13:0.000} {1000 * r["tokenizer_cpu_seconds"] / r["tweets"],17:0.000} {1000 * r["seconds"] / Math.Ceiling(r["tweets"] / batch),9:N1} " +
                        $"{r["loaded_rss_kb"] / 1024,14:N0} {r["peak_rss_kb"] / 1024,12:N0} {r["peak_heap_bytes"] / 1048576,16:N1} {r["allocated_bytes"] / r["tweets"] / 1024,15:N1}"));
                }
            }
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
    }

    /// <summary>
    /// The child side: after a warm-up, alternate a tokenizer-only pass and a scoring pass over all
    /// texts <paramref name="repeat"/> times (best of each kept, so a noisy neighbour hurts both
    /// alike), then print times and memory.
    /// </summary>
    public static void RunOnce(string modelFolder, string textsFile, int batch, int threads, string optimization, int repeat)
    {
        var texts = File.ReadAllLines(textsFile);
        using var scorer = OnnxRobertaScorer.Open(modelFolder, new OnnxScorerOptions
        {
            BatchSize = batch,
            IntraOpThreads = threads,
            GraphOptimization = OnnxScorerOptions.ParseGraphOptimization(optimization),
        });
        var loadedRss = PeakRssKb();

        // Warm-up (JIT tiers, BPE cache, ONNX Runtime's arena), longest texts first to size the arena.
        var warmUp = texts.OrderByDescending(t => t.Length).Take(Math.Max(batch, Math.Min(texts.Length, 256))).ToArray();
        ScorePass(scorer, warmUp, batch);

        var tokenizerSeconds = double.MaxValue;
        var scoreSeconds = double.MaxValue;
        var tokenizerCpu = double.MaxValue;
        var scoreCpu = double.MaxValue;
        using var self = Process.GetCurrentProcess();
        long peakHeap = 0;
        long allocated = 0;
        for (var pass = 0; pass < repeat; pass++)
        {
            var cpu = CpuSeconds(self);
            var watch = Stopwatch.StartNew();
            var sink = 0L;
            foreach (var text in texts)
            {
                sink += scorer.Tokenizer.Encode(TextNormalizer.ForSentiment(text), scorer.MaxTokens).Length;
            }

            tokenizerSeconds = Math.Min(tokenizerSeconds, watch.Elapsed.TotalSeconds);
            tokenizerCpu = Math.Min(tokenizerCpu, CpuSeconds(self) - cpu);
            GC.KeepAlive(sink);

            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            cpu = CpuSeconds(self);
            watch.Restart();
            peakHeap = Math.Max(peakHeap, ScorePass(scorer, texts, batch));
            scoreSeconds = Math.Min(scoreSeconds, watch.Elapsed.TotalSeconds);
            scoreCpu = Math.Min(scoreCpu, CpuSeconds(self) - cpu);
            allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"result tweets={texts.Length} seconds={scoreSeconds} tokenizer_seconds={tokenizerSeconds} cpu_seconds={scoreCpu} tokenizer_cpu_seconds={tokenizerCpu} loaded_rss_kb={loadedRss} " +
            $"peak_rss_kb={PeakRssKb()} peak_heap_bytes={peakHeap} allocated_bytes={allocated}"));
    }

    // CPU time is what a loaded, shared machine distorts least (wall time includes waiting for a core).
    private static double CpuSeconds(Process self)
    {
        self.Refresh();
        return self.TotalProcessorTime.TotalSeconds;
    }

    /// <summary>Scores in chunks of <paramref name="batch"/>, as the pipeline hands over GroupedWithin chunks; returns the largest GC heap seen.</summary>
    private static long ScorePass(OnnxRobertaScorer scorer, string[] texts, int batch)
    {
        long peakHeap = 0;
        for (var start = 0; start < texts.Length; start += batch)
        {
            scorer.Score(texts.AsSpan(start, Math.Min(batch, texts.Length - start)).ToArray());
            peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(forceFullCollection: false));
        }

        return peakHeap;
    }

    /// <summary>Synthetic bank tweets, two to a text so lengths are like real ones (~30–60 tokens), or one text a line from a file.</summary>
    private static IReadOnlyList<string> LoadTexts(string? textsFile, int count)
    {
        if (textsFile is not null)
        {
            return File.ReadLines(textsFile).Where(l => l.Trim().Length > 0).Take(count).ToArray();
        }

        var kept = SyntheticTweets.Generate(count * 4, seed: 2023).Where(r => r.Expected is null).Select(r => r.Text).ToArray();
        return Enumerable.Range(0, count).Select(i => kept[2 * i % kept.Length] + " " + kept[((2 * i) + 1) % kept.Length]).ToArray();
    }

    private static async Task<Dictionary<string, double>> RunChildAsync(string modelFolder, string textsFile, int batch, int threads, string optimization, int repeat)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (!Environment.ProcessPath!.EndsWith("Pipeline.Benchmarks", StringComparison.Ordinal))
        {
            start.ArgumentList.Add(typeof(OnnxBenchmark).Assembly.Location);
        }

        foreach (var argument in new[] { "onnx-once", modelFolder, textsFile, "--batch", $"{batch}", "--threads", $"{threads}", "--optimization", optimization, "--repeat", $"{repeat}" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var line = output.Split('\n').LastOrDefault(l => l.StartsWith("result ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"onnx child (batch {batch}, threads {threads}) failed: {output}{await errors}");
        return line[7..].Trim().Split(' ').Select(kv => kv.Split('=')).ToDictionary(kv => kv[0], kv => double.Parse(kv[1], CultureInfo.InvariantCulture));
    }

    private static long PeakRssKb()
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }
}
