using System.Diagnostics;
using System.Text.Json;
using Pipeline.Models.Topics;

namespace Pipeline.Benchmarks;

/// <summary>
/// Scores topics on a corpus (one document a line) the way tools/topic_anchor.py --score-topics
/// does, printing c_v, u_mass and c_npmi with the time taken, so the two can be set side by side.
/// </summary>
public static class CoherenceBenchmark
{
    public static void Run(string corpusPath, string topicsPath)
    {
        var topicSets = ReadTopicSets(topicsPath);
        var total = Stopwatch.StartNew();
        // File.ReadLines splits on \n, \r\n and \r, as Python's universal newlines do.
        var texts = File.ReadLines(corpusPath).Select(AnchorTokenizer.Tokenize).ToArray();
        var tokenized = total.Elapsed;
        Console.WriteLine($"docs={texts.Length} tokens={texts.Sum(t => t.Count)} tokenize {tokenized.TotalSeconds:F2}s");

        foreach (var (name, topics) in topicSets)
        {
            var watch = Stopwatch.StartNew();
            var scores = Coherence.All(topics, texts);
            Console.WriteLine(
                $"{name,-20} c_v={scores.CV:F10} u_mass={scores.UMass:F10} c_npmi={scores.Npmi:F10}  ({watch.Elapsed.TotalSeconds:F3}s)");
            Console.WriteLine($"  c_v per topic:    {string.Join(' ', scores.PerTopicCV.Select(v => v.ToString("F4")))}");
            Console.WriteLine($"  u_mass per topic: {string.Join(' ', scores.PerTopicUMass.Select(v => v.ToString("F4")))}");
            Console.WriteLine($"  c_npmi per topic: {string.Join(' ', scores.PerTopicNpmi.Select(v => v.ToString("F4")))}");
        }

        Console.WriteLine($"total {total.Elapsed.TotalSeconds:F2}s (tokenising included)");
    }

    // The same two shapes topic_anchor.py accepts: {"name": [[words]...]} or [[words]...].
    private static IReadOnlyList<(string Name, IReadOnlyList<IReadOnlyList<string>> Topics)> ReadTopicSets(string path)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        static IReadOnlyList<IReadOnlyList<string>> Topics(JsonElement e) =>
            e.EnumerateArray().Select(t => (IReadOnlyList<string>)t.EnumerateArray().Select(w => w.GetString()!).ToArray()).ToArray();

        return json.RootElement.ValueKind == JsonValueKind.Array
            ? [("external", Topics(json.RootElement))]
            : json.RootElement.EnumerateObject().Select(p => (p.Name, Topics(p.Value))).ToArray();
    }
}
