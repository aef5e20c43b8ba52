using System.Globalization;
using System.Text;
using Pipeline.Models.Domain;

namespace Pipeline.Actors.Sources.Nitter;

/// <summary>The search a Nitter instance runs for a company, as a URL.</summary>
public static class NitterSearch
{
    /// <summary>
    /// Every handle and term of the company, OR-ed: <c>(@gtbank OR gtbank OR "guaranty trust bank")</c>.
    /// Multi-word terms are quoted so that X matches the phrase, not each word anywhere in the post.
    /// </summary>
    public static string BuildQuery(Company company)
    {
        var terms = company.Handles
            .Select(h => h.Trim().TrimStart('@'))
            .Where(h => h.Length > 0)
            .Select(h => "@" + h)
            .Concat(company.SearchTerms.Select(Phrase).Where(t => t.Length > 0))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
        if (terms.Count == 0)
        {
            throw new ArgumentException($"Company '{company.Id}' has neither handles nor search terms to search for.", nameof(company));
        }

        return "(" + string.Join(" OR ", terms) + ")";
    }

    /// <summary><c>{instance}/search?f=tweets&amp;q=…[&amp;since=…][&amp;until=…][&amp;cursor=…]</c>, every value escaped.</summary>
    public static Uri BuildUrl(Uri instance, SearchRequest request)
    {
        var query = new StringBuilder("search?f=tweets&q=").Append(Uri.EscapeDataString(BuildQuery(request.Company)));
        if (request.Since is { } since)
        {
            // X's since is a whole UTC day; starting at the day's beginning can only add posts the sink already has.
            query.Append("&since=").Append(Day(since.UtcDateTime.Date));
        }

        if (request.Until is { } until)
        {
            // X's until is exclusive of the day it names: round up so a window ending mid-day keeps its last hours.
            var utc = until.UtcDateTime;
            query.Append("&until=").Append(Day(utc == utc.Date ? utc : utc.Date.AddDays(1)));
        }

        if (request.Cursor is { Length: > 0 } cursor)
        {
            query.Append("&cursor=").Append(Uri.EscapeDataString(cursor));
        }

        // A base without a trailing slash would lose its last segment (an instance served under /nitter).
        var root = instance.AbsoluteUri.EndsWith('/') ? instance : new Uri(instance.AbsoluteUri + "/");
        return new Uri(root, query.ToString());
    }

    private static string Phrase(string term)
    {
        var trimmed = term.Trim().Replace("\"", string.Empty, StringComparison.Ordinal);
        return trimmed.Any(char.IsWhiteSpace) ? $"\"{trimmed}\"" : trimmed;
    }

    private static string Day(DateTime day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
