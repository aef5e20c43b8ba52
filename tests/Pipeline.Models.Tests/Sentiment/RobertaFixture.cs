using System.Text.Json;

namespace Pipeline.Models.Tests.Sentiment;

/// <summary>Paths and reference data of Fixtures/roberta (see its README.md).</summary>
internal static class RobertaFixture
{
    public static string Folder { get; } = Path.Combine(AppContext.BaseDirectory, "Fixtures", "roberta");

    public static string Vocab => Path.Combine(Folder, "vocab.json");

    public static string Merges => Path.Combine(Folder, "merges.txt");

    public static string Model => Path.Combine(Folder, "model.onnx");

    /// <summary>Rows of expected_ids.tsv, leading spaces kept.</summary>
    public static IReadOnlyList<(string Text, int[] Ids)> ExpectedIds() =>
        File.ReadAllLines(Path.Combine(Folder, "expected_ids.tsv"))
            .Where(line => line.Length > 0)
            .Select(line => line.Split('\t'))
            .Select(parts => (parts[0], parts[1].Split(' ').Select(int.Parse).ToArray()))
            .ToArray();

    public sealed record LogitsCase(string Text, int[] Ids, float[] Logits);

    /// <summary>reference_logits.json with each case's padding removed.</summary>
    public static IReadOnlyList<LogitsCase> ReferenceLogits()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "reference_logits.json")));
        return document.RootElement.GetProperty("cases").EnumerateArray().Select(c =>
        {
            var ids = c.GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var mask = c.GetProperty("attention_mask").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            return new LogitsCase(
                c.GetProperty("text").GetString()!,
                ids.Take(mask.Sum()).ToArray(),
                c.GetProperty("logits").EnumerateArray().Select(e => e.GetSingle()).ToArray());
        }).ToArray();
    }

    /// <summary>A copy of the fixture model folder that a test may change.</summary>
    public static void CopyModelFolder(string destination, params string[] files)
    {
        Directory.CreateDirectory(destination);
        foreach (var file in files.Length > 0 ? files : ["model.onnx", "vocab.json", "merges.txt"])
        {
            File.Copy(Path.Combine(Folder, file), Path.Combine(destination, file));
        }
    }
}
