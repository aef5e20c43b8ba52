using System.Text;
using System.Text.Json;

namespace Pipeline.Models.Topics;

/// <summary>
/// <c>topics.json</c>: the catalog saved beside a trained model. Indented camelCase so people can read
/// it and review it in diffs; topics stay in model order because the position is the model's topic index.
/// </summary>
public static class TopicCatalogJson
{
    public const string FileName = "topics.json";

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        // Labels contain "–" and "&"; keep them readable instead of \u-escaped.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Serialize(TopicCatalog catalog) =>
        JsonSerializer.Serialize(Validated(catalog, "catalog"), Options) + "\n";

    /// <param name="fileName">Only used in error messages.</param>
    public static TopicCatalog Deserialize(string json, string fileName = FileName)
    {
        TopicCatalog? catalog;
        try
        {
            catalog = JsonSerializer.Deserialize<TopicCatalog>(json, Options);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $"{fileName}:{line + 1}" : fileName;
            throw new InvalidDataException($"{where}: {e.Message}", e);
        }

        return Validated(catalog ?? throw new InvalidDataException($"{fileName}: the file holds null instead of a catalog."), fileName);
    }

    public static void Write(string path, TopicCatalog catalog) =>
        File.WriteAllText(path, Serialize(catalog), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));

    public static TopicCatalog Read(string path) => Deserialize(File.ReadAllText(path, Encoding.UTF8), path);

    private static TopicCatalog Validated(TopicCatalog catalog, string source)
    {
        var ids = new HashSet<int>();
        foreach (var topic in catalog.Topics)
        {
            if (topic.Id < 0)
                throw new InvalidDataException($"{source}: topic id {topic.Id} is negative; {TopicDecision.UnclassifiedId} is reserved for Unclassified.");
            if (!ids.Add(topic.Id))
                throw new InvalidDataException($"{source}: topic id {topic.Id} appears twice.");
            if (string.IsNullOrWhiteSpace(topic.Label))
                throw new InvalidDataException($"{source}: topic {topic.Id} has no label.");
            if (!double.IsFinite(topic.Share) || topic.TopWords.Any(w => !double.IsFinite(w.Weight)))
                throw new InvalidDataException($"{source}: topic {topic.Id} has a share or word weight that is not a finite number.");
        }

        if (catalog.Decision?.Problems() is { Count: > 0 } problems)
            throw new InvalidDataException($"{source}: {string.Join("; ", problems)}.");
        return catalog;
    }
}
