using System.Text.RegularExpressions;

namespace Pipeline.Models.Cleaning;

/// <summary>
/// Obvious spam only; borderline posts are kept, since a wrongly dropped complaint is worse
/// than a stray ad in a dashboard.
/// </summary>
public static partial class SpamRule
{
    private static readonly HashSet<string> AccountFiller = new(StringComparer.OrdinalIgnoreCase)
    {
        "acct", "acc", "account", "number", "no", "num", "name", "bank", "plc", "send", "to", "pls", "please",
        "via", "my", "is", "details", "ac",
    };

    /// <param name="companyWords">Words of the company's names and handles (ignored when measuring what is left).</param>
    public static bool IsSpam(string decodedText, IReadOnlySet<string> companyWords)
    {
        if (Hashtag().Count(decodedText) > 6 || Mention().Count(decodedText) > 8)
        {
            return true;
        }

        // "0123456789 Access Bank": a NUBAN account number with a bank name and next to nothing else.
        if (!AccountNumber().IsMatch(decodedText))
        {
            return false;
        }

        var rest = Link().Replace(Mention().Replace(decodedText, " "), " ");
        var words = Word().Matches(rest).Select(m => m.Value)
            .Count(w => !AccountFiller.Contains(w) && !companyWords.Contains(w.ToLowerInvariant()));
        return words < 3;
    }

    [GeneratedRegex(@"(?<!\d)\d{10}(?!\d)")]
    private static partial Regex AccountNumber();

    [GeneratedRegex(@"@\w+")]
    private static partial Regex Mention();

    [GeneratedRegex(@"#\w+")]
    private static partial Regex Hashtag();

    [GeneratedRegex(@"https?://\S+", RegexOptions.IgnoreCase)]
    private static partial Regex Link();

    [GeneratedRegex(@"\p{L}+")]
    private static partial Regex Word();
}
