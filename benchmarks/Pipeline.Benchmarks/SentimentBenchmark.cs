using System.Diagnostics;
using Pipeline.Models.Cleaning;
using Pipeline.Models.Sentiment;

namespace Pipeline.Benchmarks;

/// <summary>
/// Built-in scorer throughput at several batch sizes, with two references measured in the same run:
/// featurisation alone (the floor the linear model adds to) and a word-unigram-only featurizer (what
/// a plain bag-of-words model would cost). Also prints the evaluation numbers and peak memory.
/// </summary>
public static class SentimentBenchmark
{
    public static void Run(string modelFolder, string textPath, string labelsPath, double seconds)
    {
        var data = LabelledSentimentFile.ReadPair(textPath, labelsPath)
            .Select(d => d with { Text = TextNormalizer.ForSentiment(TextNormalizer.DecodeEntities(d.Text)) }).ToArray();
        var texts = data.Select(d => d.Text).ToArray();
        using var scorer = BuiltInSentimentScorer.Load(modelFolder);
        Console.WriteLine($"model {scorer.ModelVersion}, {texts.Length:N0} tweets from {Path.GetFileName(textPath)}, {Environment.ProcessorCount} cores");

        var report = SentimentEvaluation.Evaluate(scorer, data, 1024);
        Console.WriteLine($"eval: macro recall {report.Metrics.MacroRecall:0.0000}, macro F1 {report.Metrics.MacroF1:0.0000}, weighted F1 {report.Metrics.WeightedF1:0.0000}, accuracy {report.Metrics.Accuracy:0.0000}");

        // The machine is shared: wall-clock rates move with the load, the thread's own CPU time does not.
        var single = new SentimentFeaturizer.Scratch();
        var (wall, cpu) = MeasureSingleThread(texts, seconds, text => scorer.ScoreOne(text, single));
        Console.WriteLine($"RESULT single-threaded {wall,10:N0} tweets/s wall clock, {cpu,10:N0} tweets per CPU-second of the scoring thread");

        var featurizer = scorer is { } s ? new SentimentFeaturizer(s.Metadata.Featurizer) : throw new InvalidOperationException();
        var unigrams = new SentimentFeaturizer(new SentimentFeaturizerOptions { HashBits = s.Metadata.Featurizer.HashBits, WordNgramLength = 1, CharWeight = 0, UseLexicon = false });
        var featuriseOnly = Measure(texts, seconds, batch => FeaturizeBatch(featurizer, batch));
        var unigramOnly = Measure(texts, seconds, batch => FeaturizeBatch(unigrams, batch));
        Console.WriteLine($"reference: featurisation alone (parallel) {featuriseOnly:N0} tweets/s; word unigrams only {unigramOnly:N0} tweets/s");
        foreach (var size in new[] { 1, 32, 256, 1024, 4096 })
        {
            var rate = Measure(texts, seconds, batch => scorer.Score(batch), size);
            Console.WriteLine($"RESULT batch={size,5} {rate,10:N0} tweets/s  ({rate / featuriseOnly:P0} of featurisation alone)");
        }

        Console.WriteLine($"peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024):N0} MiB, managed heap {GC.GetTotalMemory(false) / (1024.0 * 1024):N0} MiB");
    }

    /// <summary>One tweet at a time on this thread: tweets per wall-clock second and per second of this thread's CPU time.</summary>
    private static (double Wall, double Cpu) MeasureSingleThread(string[] texts, double seconds, Action<string> score)
    {
        foreach (var text in texts.Take(1000))
        {
            score(text);
        }

        long done = 0;
        var cpuBefore = ThreadCpu();
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed.TotalSeconds < seconds)
        {
            for (var i = 0; i < 1000; i++)
            {
                score(texts[(int)(done++ % texts.Length)]);
            }
        }

        var cpu = (ThreadCpu() - cpuBefore).TotalSeconds;
        return (done / watch.Elapsed.TotalSeconds, done / Math.Max(cpu, 1e-9));
    }

    private static TimeSpan ThreadCpu()
    {
        var id = GetCurrentThreadId();
        return Process.GetCurrentProcess().Threads.Cast<ProcessThread>().First(t => t.Id == id).TotalProcessorTime;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "gettid")]
    private static extern int GetCurrentThreadId();

    private static void FeaturizeBatch(SentimentFeaturizer featurizer, IReadOnlyList<string> batch) =>
        Parallel.For(0, batch.Count, () => new SentimentFeaturizer.Scratch(), (i, _, scratch) =>
        {
            featurizer.Featurize(batch[i], scratch);
            return scratch;
        }, _ => { });

    /// <summary>Tweets per second of <paramref name="work"/> over batches of <paramref name="batchSize"/>, after a warm-up.</summary>
    private static double Measure(string[] texts, double seconds, Action<IReadOnlyList<string>> work, int batchSize = 1024)
    {
        var batches = texts.Chunk(batchSize).ToArray();
        work(batches[0]);
        long done = 0;
        var watch = Stopwatch.StartNew();
        var b = 0;
        while (watch.Elapsed.TotalSeconds < seconds)
        {
            var batch = batches[b++ % batches.Length];
            work(batch);
            done += batch.Length;
        }

        return done / watch.Elapsed.TotalSeconds;
    }
}
