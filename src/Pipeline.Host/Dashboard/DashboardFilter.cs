using System.Globalization;

namespace Pipeline.Host.Dashboard;

/// <summary>What the dashboard's filters select: one company, a range of UTC days (both ends included), one topic.</summary>
public sealed record DashboardFilter(string? Company = null, DateOnly? From = null, DateOnly? To = null, int? Topic = null)
{
    public static DashboardFilter None { get; } = new();

    /// <summary>Reads <c>company</c>, <c>from</c>, <c>to</c> (yyyy-MM-dd) and <c>topic</c> from a query string; empty means no filter.</summary>
    /// <exception cref="DashboardRequestException">A value cannot be read; the message names the parameter.</exception>
    public static DashboardFilter Parse(IQueryCollection query)
    {
        var filter = new DashboardFilter(
            Value(query, "company"),
            Date(query, "from"),
            Date(query, "to"),
            Value(query, "topic") is { } topic
                ? int.TryParse(topic, NumberStyles.Integer, CultureInfo.InvariantCulture, out var id) ? id
                    : throw new DashboardRequestException($"topic: '{topic}' is not a topic id (a whole number)")
                : null);
        if (filter is { From: { } from, To: { } to } && from > to)
        {
            throw new DashboardRequestException($"from ({from:yyyy-MM-dd}) is after to ({to:yyyy-MM-dd})");
        }

        return filter;
    }

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>, or <paramref name="fallback"/> when absent.</summary>
    /// <exception cref="DashboardRequestException">The value is not such a number; the message names the parameter.</exception>
    public static int Number(IQueryCollection query, string name, int min, int max, int fallback) =>
        Value(query, name) is { } text
            ? int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max ? n
                : throw new DashboardRequestException($"{name}: '{text}' is not a number from {min} to {max}")
            : fallback;

    internal static string? Value(IQueryCollection query, string name) =>
        query.TryGetValue(name, out var values) && !string.IsNullOrWhiteSpace(values.ToString()) ? values.ToString().Trim() : null;

    private static DateOnly? Date(IQueryCollection query, string name) =>
        Value(query, name) is { } text
            ? DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) ? day
                : throw new DashboardRequestException($"{name}: '{text}' is not a date (yyyy-MM-dd)")
            : null;
}

/// <summary>A dashboard request the API cannot answer; the message says which parameter and why.</summary>
public sealed class DashboardRequestException(string message) : Exception(message);
