using System.Text.Json;

namespace Pipeline.Actors.Import;

/// <summary>Reads one JSON post object into a <see cref="PostRow"/> through the shared alias table.</summary>
internal static class JsonRow
{
    /// <summary>The row, or null when <paramref name="element"/> is not an object.</summary>
    public static PostRow? From(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var row = new PostRow();
        foreach (var property in Unwrap(element).EnumerateObject())
        {
            var value = property.Value;
            switch (value.ValueKind)
            {
                // One level of nesting, under dotted names: user.screen_name, public_metrics.like_count
                // (the column names pandas gives the same data in a CSV). Other objects carry nothing we keep.
                case JsonValueKind.Object when PostFields.IsNestedPrefix(property.Name):
                    foreach (var inner in value.EnumerateObject())
                    {
                        Offer(row, $"{property.Name}.{inner.Name}", inner.Value);
                    }

                    break;
                case JsonValueKind.Array when property.NameEquals("referenced_tweets"):
                    OfferReferences(row, property.Name, value);
                    break;
                default:
                    Offer(row, property.Name, value);
                    break;
            }
        }

        return row;
    }

    // X archives wrap every post as {"tweet": {...}}; a string "tweet" is a text column and stays.
    private static JsonElement Unwrap(JsonElement element) =>
        element.TryGetProperty("tweet", out var inner) && inner.ValueKind == JsonValueKind.Object ? inner : element;

    private static void Offer(PostRow row, string name, JsonElement value)
    {
        if (PostFields.Match(name) is var (field, rank) && Scalar(value) is { } text)
        {
            row.Offer(field, rank, name, text);
        }
    }

    // X API v2 says retweet/reply with [{"type": "retweeted", "id": "…"}]; keyed by type, they match like any column.
    private static void OfferReferences(PostRow row, string name, JsonElement references)
    {
        foreach (var reference in references.EnumerateArray())
        {
            if (reference.ValueKind == JsonValueKind.Object
                && reference.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
                && reference.TryGetProperty("id", out var id))
            {
                Offer(row, $"{name}.{type.GetString()}", id);
            }
        }
    }

    private static string? Scalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };
}
