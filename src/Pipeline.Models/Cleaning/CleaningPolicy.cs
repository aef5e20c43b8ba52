using Pipeline.Models.Language;

namespace Pipeline.Models.Cleaning;

/// <summary>What the cleaning stage keeps. Built from <c>pipeline.cleaning</c> settings.</summary>
/// <param name="Languages">
/// Languages kept (lower-case ISO 639-1 codes, <c>pcm</c> for Nigerian Pidgin and English/Pidgin code-mixed posts),
/// as the platform tags them or, when it does not, as <see cref="LanguageDetection"/> decides. Empty keeps every language.
/// </param>
/// <param name="KeepUndeterminedLanguage">
/// Keep posts whose language is undetermined: the platform could not tag them (<c>und</c>, <c>qme</c>, …) and the
/// identifier could not tell either (too short, emoji only, not sure enough).
/// </param>
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
    /// <summary>Whether and how posts without a platform tag are identified (<c>pipeline.cleaning.language-detection</c>).</summary>
    public LanguageDetectionSettings LanguageDetection { get; init; } = LanguageDetectionSettings.Default;

    public static CleaningPolicy Default { get; } = new(
        new HashSet<string>(StringComparer.OrdinalIgnoreCase) { LanguageCodes.English, LanguageCodes.Pidgin },
        KeepUndeterminedLanguage: true,
        DropOwnPosts: true,
        DropRetweets: false,
        DuplicateWindow: 50_000,
        new HashSet<string>(StringComparer.Ordinal) { "bank", "pls", "please", "sir", "ma", "hello", "hi" });

    /// <summary>Tags X and Nitter use when no language could be determined.</summary>
    public static IReadOnlySet<string> UndeterminedLanguageTags { get; } =
        new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "und", "qme", "qht", "qam", "zxx", "art", "" };
}
