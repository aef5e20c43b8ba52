using System.Security;
using System.Security.Cryptography;
using System.Text;

namespace Pipeline.Actors.Sources.Scraping;

/// <summary>Where a page that could not be parsed was saved, or why it was not.</summary>
internal sealed record DiagnosticsSaved(string? Path, string? Problem)
{
    /// <summary>For the quarantine entry and the status: the file, or that there is none and why.</summary>
    public string Describe() => Path is not null ? $"raw page saved to {Path}" : $"raw page not saved ({Problem})";
}

/// <summary>
/// Saves pages that could not be parsed for someone to look at. One file per scraper and page URL, rewritten when
/// the same page fails again, so a page that keeps failing for months takes one file, not one per attempt.
/// A folder that cannot be written (permissions, a full disk, a bad path) is reported, never thrown: the page is
/// quarantined all the same, and a scraper must not crash-loop over its diagnostics.
/// </summary>
internal static class PageDiagnostics
{
    public static string PathFor(string folder, string scraper, Uri url) =>
        System.IO.Path.Combine(folder, $"{scraper}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(url.AbsoluteUri)))[..16]}.html");

    public static DiagnosticsSaved Save(string folder, string scraper, Uri url, string body)
    {
        var path = PathFor(folder, scraper, url);
        try
        {
            Directory.CreateDirectory(folder);
            File.WriteAllText(path, body);
            return new DiagnosticsSaved(path, null);
        }
        // UnauthorizedAccessException is not an IOException; the others come from paths the settings allow.
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SecurityException or NotSupportedException or ArgumentException)
        {
            return new DiagnosticsSaved(null, $"{path}: {e.GetType().Name}: {e.Message}");
        }
    }
}
