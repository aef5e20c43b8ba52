using Pipeline.Models.Domain;

namespace Pipeline.Actors.Tests.Sources.Nitter;

/// <summary>The Nitter pages under <c>Fixtures/Nitter</c> (copied next to the test assembly) and the values they go with.</summary>
internal static class NitterFixtures
{
    public const string Page1 = "search_page1.html";
    public const string Layout2025 = "search_item_nitter_2025_11_layout.html";
    public const string NoMoreItems = "search_no_more_items.html";
    public const string NoItemsFound = "search_no_items_found.html";
    public const string RateLimited = "error_rate_limited.html";

    public const string Page1Cursor = "DAADDAABCgABGdSyNtHEtIcKAAIZ1LI20cR0AAgAAwAAAAIAAA";

    public static readonly Uri PageUrl = new("https://nitter.example/search?f=tweets&q=northwind+bank+app");
    public static readonly CompanyId NorthwindId = new("northwind");
    public static readonly DateTimeOffset FetchedAt = new(2024, 11, 26, 8, 0, 0, TimeSpan.Zero);

    public static readonly Company Northwind = new(
        NorthwindId, "Northwind Bank", ["@NorthwindBank", "@NorthwindHelp"], ["northwind", "northwind bank"], "NG", "Banking");

    public static string Read(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Nitter", name));

    /// <summary>Replaces the first occurrence only: a quote repeats markup of the post it quotes.</summary>
    public static string ReplaceFirst(this string text, string old, string replacement)
    {
        var at = text.IndexOf(old, StringComparison.Ordinal);
        if (at < 0)
        {
            throw new ArgumentException($"'{old}' is not in the fixture.", nameof(old));
        }

        return string.Concat(text.AsSpan(0, at), replacement, text.AsSpan(at + old.Length));
    }
}
