using System.Text.Json;
using Pipeline.Actors.Json;

namespace Pipeline.Actors.Import;

/// <summary>Reads one JSON post object into a <see cref="PostRow"/> through the shared alias table.</summary>
internal static class JsonRow
{
    /// <summary>The row, or null with the reason when <paramref name="element"/> is not a post object we read.</summary>
    /// <param name="maxFields">Most properties read (<c>pipeline.limits.max-fields</c>), nested ones included.</param>
    public static PostRow? From(JsonElement element, int maxFields, out string? problem)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            problem = $"expected a JSON object, found {element.ValueKind.ToString().ToLowerInvariant()}";
            return null;
        }

        var post = Unwrap(element);
        // Checked before any property is read, so an object of 100,000 properties costs no more than its parse.
        var count = post.GetPropertyCount();
        if (count > maxFields)
        {
            problem = TooMany(count, maxFields);
            return null;
        }

        var row = new PostRow();
        foreach (var property in post.EnumerateObject())
        {
            if (Name(property) is not { } name)
            {
                continue;
            }

            var value = property.Value;
            switch (value.ValueKind)
            {
                // One level of nesting, under dotted names: user.screen_name, public_metrics.like_count
                // (the column names pandas gives the same data in a CSV). Other objects carry nothing we keep.
                case JsonValueKind.Object when PostFields.IsNestedPrefix(name):
                    count += value.GetPropertyCount();
                    if (count > maxFields)
                    {
                        problem = TooMany(count, maxFields);
                        return null;
                    }

                    foreach (var inner in value.EnumerateObject())
                    {
                        if (Name(inner) is { } innerName)
                        {
                            Offer(row, $"{name}.{innerName}", inner.Value);
                        }
                    }

                    break;
                case JsonValueKind.Array when property.NameEquals("referenced_tweets"):
                    OfferReferences(row, name, value);
                    break;
                default:
                    Offer(row, name, value);
                    break;
            }
        }

        problem = null;
        return row;
    }

    private static string TooMany(int count, int maxFields) =>
        $"the object has {count:N0} properties, more than pipeline.limits.max-fields ({maxFields:N0})";

    // A name with a lone surrogate escape ("\ud800") cannot be one of our aliases; reading it as a string would throw.
    private static string? Name(JsonProperty property)
    {
        try
        {
            return property.Name;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
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
                Offer(row, $"{name}.{type.GetStringLenient()}", id);
            }
        }
    }

    // A lone surrogate escape stays in the text (GetString would throw): the Clean stage repairs it and counts the post.
    private static string? Scalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetStringLenient(),
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };
}
