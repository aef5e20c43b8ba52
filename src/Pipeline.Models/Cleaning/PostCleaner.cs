using System.IO.Hashing;
using System.Text;
using System.Text.RegularExpressions;
using Pipeline.Models.Domain;
using Pipeline.Models.Language;

namespace Pipeline.Models.Cleaning;

/// <summary>What cleaning decided for one post.</summary>
public abstract record CleaningOutcome(RawPost Raw)
{
    public sealed record Kept(CleanedPost Post) : CleaningOutcome(Post.Raw);

    /// <param name="Company">The company the post was collected or resolved for; null when it concerns none.</param>
    /// <param name="Language">The language cleaning decided, as <see cref="CleanedPost.Language"/>; null when undetermined or not looked at (duplicates).</param>
    public sealed record Dropped(RawPost Post, CompanyId? Company, DropReason Reason, string? Language = null) : CleaningOutcome(Post);
}

/// <summary>Something that decides what becomes of one post: a <see cref="PostCleaner"/> or one <see cref="CleaningRun"/> of it.</summary>
public interface IPostCleaner
{
    CleaningOutcome Clean(RawPost raw);
}

/// <summary>
/// Applies the cleaning rules in a fixed order (cheapest and most certain first) and
/// remembers recent ids and retweet texts for duplicate detection. Safe to share between
/// streams (file imports and the scrapers' graph run side by side): the duplicate windows
/// are guarded by a lock that is uncontended in the common case.
/// </summary>
/// <remarks>
/// A graph cleans through a <see cref="CleaningRun"/> (<see cref="BeginRun"/>), which adds an id to
/// the shared window only once its batch is committed; <see cref="Clean"/> on the cleaner itself
/// remembers at once, for callers whose cleaning is final (tests, benchmarks, one-off tools).
/// </remarks>
public sealed partial class PostCleaner : IPostCleaner, IDuplicateWindow
{
    private readonly CleaningPolicy _policy;
    private readonly CompanyDirectory _companies;
    private readonly RelevanceMatcher _relevance;
    private readonly Dictionary<CompanyId, HashSet<string>> _ownHandles;
    private readonly Dictionary<CompanyId, HashSet<string>> _companyWords;
    private readonly RecentlySeen<long> _seenIds;
    private readonly RecentlySeen<ulong> _seenTexts;
    private readonly LanguageIdentifier? _identifier;

    public PostCleaner(CleaningPolicy policy, CompanyDirectory companies)
    {
        _policy = policy;
        _identifier = policy.LanguageDetection.Mode == LanguageDetectionMode.Off ? null : new LanguageIdentifier(policy.LanguageDetection);
        _companies = companies;
        _relevance = new RelevanceMatcher(companies.All);
        _ownHandles = companies.All.ToDictionary(
            c => c.Id,
            c => c.Handles.Select(h => h.TrimStart('@')).ToHashSet(StringComparer.OrdinalIgnoreCase));
        _companyWords = companies.All.ToDictionary(
            c => c.Id,
            c => c.Handles.Select(h => h.TrimStart('@'))
                .Concat(c.SearchTerms).Append(c.DisplayName)
                .SelectMany(w => w.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Select(w => w.ToLowerInvariant())
                .ToHashSet(StringComparer.Ordinal));
        _seenIds = new RecentlySeen<long>(policy.DuplicateWindow);
        _seenTexts = new RecentlySeen<ulong>(policy.DuplicateWindow);
    }

    private readonly Lock _seen = new();

    /// <summary>
    /// Loads the language identifier's models now (when detection is on) rather than on the first untagged post, so that
    /// a graph's first rows and a timed import do not pay for them (about a second of CPU, once per process).
    /// </summary>
    public void Warm() => _identifier?.Warm();

    internal CleaningPolicy Policy => _policy;

    /// <summary>Cleans one post and remembers its id (and retweet text) at once.</summary>
    public CleaningOutcome Clean(RawPost raw) => Clean(raw, this);

    /// <summary>Starts the cleaning of one materialisation of a graph; see <see cref="CleaningRun"/>.</summary>
    public CleaningRun BeginRun() => new(this);

    bool IDuplicateWindow.FirstId(long id)
    {
        lock (_seen)
        {
            return _seenIds.Add(id);
        }
    }

    bool IDuplicateWindow.FirstText(long id, ulong textKey)
    {
        lock (_seen)
        {
            return _seenTexts.Add(textKey);
        }
    }

    /// <summary>Whether the id or text is already in the committed windows (no change to them).</summary>
    internal bool Remembers(long? id, ulong? textKey)
    {
        lock (_seen)
        {
            return (id is { } i && _seenIds.Contains(i)) || (textKey is { } t && _seenTexts.Contains(t));
        }
    }

    /// <summary>Adds committed ids and texts to the shared windows, in the order they were cleaned.</summary>
    internal void Remember(IEnumerable<(long Id, ulong? TextKey)> committed)
    {
        lock (_seen)
        {
            foreach (var (id, textKey) in committed)
            {
                _seenIds.Add(id);
                if (textKey is { } key)
                {
                    _seenTexts.Add(key);
                }
            }
        }
    }

    internal CleaningOutcome Clean(RawPost raw, IDuplicateWindow window)
    {
        var text = TextNormalizer.DecodeEntities(raw.Text);
        // Nitter shows a reply's leading @mentions apart from its text (X keeps them in it); they
        // address the post all the same, so relevance reads them as the text's first words.
        var relevanceText = raw.ReplyingTo is { Count: > 0 } repliedTo
            ? string.Join(' ', repliedTo.Select(h => "@" + h.TrimStart('@'))) + " " + text
            : text;
        var company = raw.Company is { } given ? _companies.Find(given.Value) : _relevance.FirstCompanyIn(relevanceText);

        if (!window.FirstId(raw.Id.Value))
        {
            return new CleaningOutcome.Dropped(raw, company?.Id, DropReason.DuplicateId);
        }

        // Decided for every post that is stored (a duplicate id is not), so each row says its language, kept or not.
        var language = LanguageOf(raw.Lang, text);

        if (company is null)
        {
            return new CleaningOutcome.Dropped(raw, null, DropReason.NotRelevant, language);
        }

        if (_policy.DropOwnPosts && _ownHandles[company.Id].Contains(raw.AuthorHandle.TrimStart('@')))
        {
            return new CleaningOutcome.Dropped(raw, company.Id, DropReason.OwnPost, language);
        }

        if (!IsWantedLanguage(raw.Lang, language))
        {
            return new CleaningOutcome.Dropped(raw, company.Id, DropReason.NonEnglish, language);
        }

        if (!_relevance.IsAbout(company.Id, relevanceText))
        {
            return new CleaningOutcome.Dropped(raw, company.Id, DropReason.NotRelevant, language);
        }

        var firstTimeText = window.FirstText(raw.Id.Value, TextKey(text));

        if (raw.IsRetweet && (_policy.DropRetweets || !firstTimeText))
        {
            return new CleaningOutcome.Dropped(raw, company.Id, DropReason.DuplicateRetweet, language);
        }

        if (SpamRule.IsSpam(text, _companyWords[company.Id]))
        {
            return new CleaningOutcome.Dropped(raw, company.Id, DropReason.Spam, language);
        }

        if (TextNormalizer.IsEmptyOfContent(text))
        {
            return new CleaningOutcome.Dropped(raw, company.Id, DropReason.EmptyAfterCleaning, language);
        }

        var cleaned = new CleanedPost(
            raw,
            company.Id,
            text,
            TextNormalizer.ForSentiment(text),
            TextNormalizer.TopicTokens(text, _policy.DomainStopwords),
            language);
        return new CleaningOutcome.Kept(cleaned);
    }

    /// <summary>
    /// The post's language as the pipeline decides it: the platform's tag when it gives one (X's own detector sees
    /// more than the text), except that a post tagged English whose words read as Pidgin is Pidgin (X has no Pidgin
    /// and tags most of it <c>en</c>); without a tag, or with one that says undetermined (<c>und</c>), the identifier
    /// decides. Null when undetermined, or with detection off and no tag.
    /// </summary>
    private string? LanguageOf(string? platformTag, string text)
    {
        var tag = NormalTag(platformTag);
        if (tag is not null)
        {
            return _identifier is not null && tag == LanguageCodes.English && _identifier.IsPidgin(text) ? LanguageCodes.Pidgin : tag;
        }

        return _identifier?.Identify(text).Code;
    }

    /// <summary>The tag's primary language, lower-case (<c>en-GB</c> is <c>en</c>); null when the platform gave none or could not tell.</summary>
    private static string? NormalTag(string? tag)
    {
        if (tag is null || CleaningPolicy.UndeterminedLanguageTags.Contains(tag.Trim()))
        {
            return null;
        }

        var primary = tag.Trim().Split('-', '_')[0];
        return primary.Length == 0 ? null : primary.ToLowerInvariant();
    }

    private bool IsWantedLanguage(string? platformTag, string? language)
    {
        if (_policy.Languages.Count == 0)
        {
            return true;
        }

        if (language is null)
        {
            // With detection off, a post the source gave no tag was never looked at: kept, as before detection existed.
            return (platformTag is null && _identifier is null) || _policy.KeepUndeterminedLanguage;
        }

        return _policy.Languages.Contains(language);
    }

    /// <summary>A retweet's text without its "RT @someone:" prefix, case and spacing folded, hashed to 64 bits.</summary>
    private static ulong TextKey(string text)
    {
        var body = RetweetPrefix().Replace(text, string.Empty).ToLowerInvariant();
        return XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(body));
    }

    [GeneratedRegex(@"^RT @\w+:\s*", RegexOptions.IgnoreCase)]
    private static partial Regex RetweetPrefix();
}
