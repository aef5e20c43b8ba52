using System.Text.Json;

namespace Pipeline.Models.Topics;

/// <summary><c>metrics.json</c> beside a trained model: indented camelCase, read by people and by the model card.</summary>
public static class TopicMetricsJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Serialize(TopicTrainingMetrics metrics) => JsonSerializer.Serialize(metrics, Options) + "\n";

    public static TopicTrainingMetrics Deserialize(string json, string fileName = TopicTrainingResult.MetricsFileName)
    {
        try
        {
            return JsonSerializer.Deserialize<TopicTrainingMetrics>(json, Options)
                ?? throw new InvalidDataException($"{fileName}: the file holds null instead of metrics.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{fileName}: {e.Message}", e);
        }
    }
}
