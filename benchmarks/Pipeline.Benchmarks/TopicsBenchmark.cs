using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Pipeline.Actors.Import;
using Pipeline.Models.Cleaning;
using Pipeline.Models.Topics;

namespace Pipeline.Benchmarks;

/// <summary>
/// The product's topic training (<see cref="TopicTrainer"/>, as <c>train-topics</c> runs it) against
/// gensim's LdaModel through tools/topic_anchor.py, in the same run: training time, c_v and u_mass as
/// the tool scores our topics.json, how far our C# coherence is from the tool's on the same topics,
/// and batch inference throughput of the saved model folder.
/// </summary>
public static class TopicsBenchmark
{
    public static async Task<int> RunAsync(
        string corpusPath, string anchorTool, string python, string outputDirectory, TopicTrainingSettings settings,
        IReadOnlySet<string> domainStopwords, int batchSize, double inferSeconds)
    {
        Directory.CreateDirectory(outputDirectory);
        var texts = new List<string>();
        var unreadable = 0;
        await foreach (var record in PostFileReader.ReadTextsAsync(corpusPath))
        {
            if (record.Text is { } text)
                texts.Add(text);
            else
                unreadable++;
        }

        Console.WriteLine($"read {texts.Count:N0} texts from {Path.GetFileName(corpusPath)} ({unreadable} unreadable records)");

        // The tool reads one document a line; decoded texts have no line breaks left.
        var corpusFile = Path.Combine(outputDirectory, "corpus.txt");
        await File.WriteAllLinesAsync(corpusFile, texts.Select(TextNormalizer.DecodeEntities));

        Console.WriteLine("gensim LdaModel (topic_anchor.py --models lda) ...");
        var gensimJson = Path.Combine(outputDirectory, "gensim.json");
        RunTool(python, anchorTool, corpusFile, "--models", "lda", "--json", gensimJson);
        using var gensim = JsonDocument.Parse(await File.ReadAllTextAsync(gensimJson));
        var gensimModel = gensim.RootElement.GetProperty("models").GetProperty("gensim_LdaModel");
        var gensimTrain = gensimModel.GetProperty("train_secs").GetDouble();
        var gensimCpu = gensimModel.GetProperty("train_cpu_secs").GetDouble();
        var gensimCV = gensimModel.GetProperty("c_v").GetDouble();
        var gensimUMass = gensimModel.GetProperty("u_mass").GetDouble();

        Console.WriteLine("ours (TopicTrainer) ...");
        var total = Stopwatch.StartNew();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var result = TopicTrainer.Train(texts, settings, new TopicTrainingOptions(DomainStopwords: domainStopwords));
        var ourTotal = total.Elapsed.TotalSeconds;
        // CPU seconds of the whole TopicTrainer.Train (tokenising and coherence included, so an upper bound
        // on the sampler's): on a shared machine wall time mostly measures the neighbours.
        var ourCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        var modelDirectory = Path.Combine(outputDirectory, "model");
        result.Save(modelDirectory);
        var metrics = result.Metrics;
        foreach (var topic in result.Model.Catalog.Topics)
        {
            Console.WriteLine($"  {topic.Id} ({topic.Share:P1}) {string.Join(' ', topic.TopWords.Take(10).Select(w => w.Word))}");
        }

        // The tool's input shape: the top-10 words of each topic, as our metrics score them.
        var ourTopicsFile = Path.Combine(outputDirectory, "ours.topics.json");
        await File.WriteAllTextAsync(ourTopicsFile, JsonSerializer.Serialize(new Dictionary<string, string[][]>
        {
            ["ours"] = result.Model.Catalog.Topics.Select(t => t.TopWords.Take(TopicTrainer.CoherenceTopN).Select(w => w.Word).ToArray()).ToArray(),
        }));
        var scoredJson = Path.Combine(outputDirectory, "ours.scored.json");
        RunTool(python, anchorTool, corpusFile, "--score-topics", ourTopicsFile, "--json", scoredJson);
        using var scored = JsonDocument.Parse(await File.ReadAllTextAsync(scoredJson));
        var toolOurs = scored.RootElement.GetProperty("external").GetProperty("ours");
        var toolCV = toolOurs.GetProperty("c_v").GetDouble();
        var toolUMass = toolOurs.GetProperty("u_mass").GetDouble();

        var (throughput, perCpuSecond, batches) = MeasureInference(modelDirectory, texts, domainStopwords, batchSize, inferSeconds);

        var rows = new (string Name, string Ours, string Reference, string Ratio)[]
        {
            ("training s", F(metrics.TrainingSeconds), F(gensimTrain), F(metrics.TrainingSeconds / gensimTrain, "0.00x")),
            ("training + tokenising + coherence s", F(ourTotal), "-", "-"),
            ("CPU s (ours: all of Train; gensim: training)", F(ourCpu), F(gensimCpu), F(ourCpu / gensimCpu, "0.00x")),
            ("c_v (topic_anchor.py)", F(toolCV, "0.0000"), F(gensimCV, "0.0000"), F(toolCV / gensimCV, "0.00x")),
            ("u_mass (topic_anchor.py)", F(toolUMass, "0.000"), F(gensimUMass, "0.000"), "-"),
            ("c_v (ours, C#)", F(metrics.CV ?? double.NaN, "0.0000"), F(toolCV, "0.0000") + " (tool, our topics)",
                "diff " + F((metrics.CV ?? double.NaN) - toolCV, "+0.00000;-0.00000")),
            ("u_mass (ours, C#)", F(metrics.UMass ?? double.NaN, "0.000"), F(toolUMass, "0.000") + " (tool, our topics)",
                "diff " + F((metrics.UMass ?? double.NaN) - toolUMass, "+0.00000;-0.00000")),
            ("c_npmi (ours, C#)", F(metrics.Npmi ?? double.NaN, "0.000"), "-", "-"),
            ("inference tweets/s", F(throughput, "N0"), "10,000 (target)", F(throughput / 10_000, "0.00x")),
            ("inference tweets per CPU second", F(perCpuSecond, "N0"), "-", "-"),
        };
        Console.WriteLine();
        Console.WriteLine($"corpus: {metrics.Documents:N0} docs, vocabulary {metrics.Vocabulary:N0}, {metrics.Tokens:N0} tokens; " +
                          $"{Environment.ProcessorCount} cores; inference {batches} batches of {batchSize}");
        Console.WriteLine($"settings: {metrics.Settings}");
        Console.WriteLine($"{"",-46}{"ours",-16}{"gensim LdaModel",-32}ratio");
        foreach (var row in rows)
        {
            Console.WriteLine($"{row.Name,-46}{row.Ours,-16}{row.Reference,-32}{row.Ratio}");
        }

        Console.WriteLine($"model folder: {Path.GetFullPath(modelDirectory)} (model.zip {new FileInfo(Path.Combine(modelDirectory, TopicModel.ModelFileName)).Length / 1024.0:N0} KiB)");
        return 0;
    }

    /// <summary>
    /// The cleaning stage's domain stopwords from pipeline.conf. Environment override lines are dropped
    /// first: Akka's HOCON parser empties every value of an object that holds one.
    /// </summary>
    public static IReadOnlySet<string> DomainStopwords(string configPath)
    {
        var text = System.Text.RegularExpressions.Regex.Replace(File.ReadAllText(configPath), @"^.*\$\{\?.*$", string.Empty,
            System.Text.RegularExpressions.RegexOptions.Multiline);
        var config = Akka.Configuration.ConfigurationFactory.ParseString(text);
        return config.GetStringList("pipeline.cleaning.domain-stopwords").Select(w => w.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Classify in batches, as the topic stage will, on tokens the cleaning stage would have made.</summary>
    private static (double PerSecond, double PerCpuSecond, int Batches) MeasureInference(
        string modelDirectory, IReadOnlyList<string> texts, IReadOnlySet<string> stopwords, int batchSize, double seconds)
    {
        var model = TopicModel.Load(modelDirectory);
        var documents = texts.Select(t => TextNormalizer.TopicTokens(TextNormalizer.DecodeEntities(t), stopwords)).ToArray();
        var batches = documents.Chunk(batchSize).Select(b => (IReadOnlyList<IReadOnlyList<string>>)b).ToArray();
        model.Classify(batches[0]); // warm-up: the first call builds ML.NET's row cursors
        var watch = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        long scored = 0;
        var done = 0;
        while (watch.Elapsed.TotalSeconds < seconds || done < batches.Length)
        {
            scored += model.Classify(batches[done % batches.Length]).Count;
            done++;
        }

        return (scored / watch.Elapsed.TotalSeconds, scored / (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds, done);
    }

    private static void RunTool(string python, string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = false, UseShellExecute = false };
        start.ArgumentList.Add(tool);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {python}");
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{tool} exited with {process.ExitCode}");
    }

    private static string F(double value, string format = "0.00") => value.ToString(format, CultureInfo.InvariantCulture);
}
