namespace Pipeline.Models.Cleaning;

/// <summary>What the cleaning stage keeps. Built from <c>pipeline.cleaning</c> settings.</summary>
/// <param name="Languages">Language tags kept when the source gives one (lower-case, e.g. <c>en</c>). Empty keeps every language.</param>
/// <param name="KeepUndeterminedLanguage">Keep posts the platform could not tag (<c>und</c>, <c>qme</c>, …): short pidgin posts often land there.</param>
/// <param name="DropOwnPosts">Drop posts written by one of the company's official handles.</param>
/// <param name="DropRetweets">Drop every retweet, not just retweets of a text already seen.</param>
/// <param name="DuplicateWindow">How many recent ids and retweet texts are remembered for duplicate detection.</param>
/// <param name="DomainStopwords">Banking chatter that carries no topic (bank, account, pls…), on top of English stopwords.</param>
public sealed record CleaningPolicy(
    IReadOnlySet<string> Languages,
    bool KeepUndeterminedLanguage,
    bool DropOwnPosts,
    bool DropRetweets,
    int DuplicateWindow,
    IReadOnlySet<string> DomainStopwords)
{
    public static CleaningPolicy Default { get; } = new(
        new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "en" },
        KeepUndeterminedLanguage: true,
        DropOwnPosts: true,
        DropRetweets: false,
        DuplicateWindow: 50_000,
        new HashSet<string>(StringComparer.Ordinal) { "bank", "pls", "please", "sir", "ma", "hello", "hi" });

    /// <summary>Tags X and Nitter use when no language could be determined.</summary>
    public static IReadOnlySet<string> UndeterminedLanguageTags { get; } =
        new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "und", "qme", "qht", "qam", "zxx", "art", "" };
}
