using System.Collections.Concurrent;
using Lingua;
using LinguaLanguage = Lingua.Language;

namespace Pipeline.Models.Language;

/// <summary>How much of Lingua the identifier uses.</summary>
public enum LanguageDetectionMode
{
    /// <summary>No detection: a post keeps the platform's tag, and one without a tag is kept unchecked.</summary>
    Off,

    /// <summary>Lingua's trigram models only: less memory and faster, less sure on short texts.</summary>
    LowAccuracy,

    /// <summary>Lingua's unigram to fivegram models: the most accurate on tweet-length texts.</summary>
    HighAccuracy,
}

/// <summary>Settings of <see cref="LanguageIdentifier"/> (<c>pipeline.cleaning.language-detection</c>, <c>min-confidence</c>).</summary>
/// <param name="MinConfidence">
/// Lingua's probability (0–1, over the candidate languages) a language other than English needs before a post is said
/// to be in it. Below it the post is undetermined and kept per <c>keep-undetermined-language</c>: a customer's
/// English complaint lost is worse than a French post kept.
/// </param>
/// <param name="MinWords">Fewer words than this (after mentions, links, hashtags, numbers and emojis are taken out) are undetermined.</param>
public sealed record LanguageDetectionSettings(LanguageDetectionMode Mode, double MinConfidence, int MinWords)
{
    /// <summary>The shipped default: low accuracy, whose models fit in about 20 MB (docs/language.md).</summary>
    public static LanguageDetectionSettings Default { get; } = For(LanguageDetectionMode.LowAccuracy);

    public static LanguageDetectionSettings Off { get; } = Default with { Mode = LanguageDetectionMode.Off };

    /// <summary>A mode with its own default confidence (<see cref="DefaultMinConfidence"/>) and two words.</summary>
    public static LanguageDetectionSettings For(LanguageDetectionMode mode) => new(mode, DefaultMinConfidence(mode), 2);

    /// <summary>
    /// The two modes' probabilities are on different scales: the trigram models put 0.99 and more on almost any text,
    /// the full models rarely go past 0.9 on a tweet. Each threshold is where the share of English and Pidgin
    /// training posts and 2023 bank tweets dropped stops falling (`language-threshold` benchmark, docs/language.md).
    /// </summary>
    public static double DefaultMinConfidence(LanguageDetectionMode mode) => mode == LanguageDetectionMode.HighAccuracy ? 0.7 : 0.99;
}

/// <summary>What the identifier decided: an ISO 639-1 code or <see cref="LanguageCodes.Pidgin"/>; null when undetermined.</summary>
/// <param name="Confidence">Lingua's probability for the code, 1 for Pidgin by its markers, 0 when undetermined.</param>
public readonly record struct LanguageGuess(string? Code, double Confidence)
{
    public static LanguageGuess Undetermined => new(null, 0);
}

/// <summary>The language codes the pipeline speaks of.</summary>
public static class LanguageCodes
{
    public const string English = "en";

    /// <summary>Nigerian Pidgin (ISO 639-3; it has no two-letter code).</summary>
    public const string Pidgin = "pcm";

    /// <summary>
    /// The languages Lingua chooses among besides English: those a Nigerian bank's audience writes (Yoruba, Swahili
    /// and Somali from the continent; Hausa and Igbo Lingua does not have), the ones X's spam and the diaspora use,
    /// and the big non-Latin scripts (told by script, at no cost). Fewer candidates make Lingua faster and keep
    /// Nigerian English from being read as an unlikely language (Tagalog, Maori) it resembles by chance.
    /// </summary>
    public static IReadOnlyList<LinguaLanguage> Candidates { get; } =
    [
        LinguaLanguage.English, LinguaLanguage.French, LinguaLanguage.Spanish, LinguaLanguage.Portuguese, LinguaLanguage.German,
        LinguaLanguage.Italian, LinguaLanguage.Dutch, LinguaLanguage.Turkish, LinguaLanguage.Indonesian, LinguaLanguage.Yoruba,
        LinguaLanguage.Swahili, LinguaLanguage.Somali, LinguaLanguage.Arabic, LinguaLanguage.Russian, LinguaLanguage.Chinese,
        LinguaLanguage.Japanese, LinguaLanguage.Korean, LinguaLanguage.Hindi,
    ];

    /// <summary>Every code a setting may name: Pidgin and the ISO 639-1 code of every language Lingua knows.</summary>
    public static IReadOnlySet<string> Known { get; } = LanguageInfo.All()
        .Select(l => l.IsoCode6391().ToString().ToLowerInvariant())
        .Append(Pidgin)
        .ToHashSet(StringComparer.Ordinal);

    internal static string Code(LinguaLanguage language) => language.IsoCode6391().ToString().ToLowerInvariant();
}

/// <summary>
/// Says which language a post is written in: Nigerian Pidgin by its marker words (<see cref="PidginMarkers"/>),
/// anything else with Lingua over <see cref="LanguageCodes.Candidates"/>. Texts too short to tell, and texts Lingua is
/// not sure of, are undetermined. Lingua's models are loaded once per process and mode, on first use, and shared by
/// every identifier; the identifier is safe to share between threads.
/// </summary>
public sealed class LanguageIdentifier
{
    private static readonly ConcurrentDictionary<LanguageDetectionMode, Lazy<LanguageDetector>> Detectors = new();

    private readonly LanguageDetectionSettings _settings;
    private readonly PidginMarkers _pidgin;

    public LanguageIdentifier(LanguageDetectionSettings settings, PidginMarkers? pidgin = null)
    {
        if (settings.Mode == LanguageDetectionMode.Off)
        {
            throw new ArgumentException("An identifier needs a detection mode; Off means no identifier.", nameof(settings));
        }

        _settings = settings;
        _pidgin = pidgin ?? PidginMarkers.Shipped;
    }

    public LanguageDetectionSettings Settings => _settings;

    /// <summary>Loads the Lingua models this mode uses now rather than on the first post (start-up, benchmarks).</summary>
    public void Warm()
    {
        DetectorFor(LanguageDetectionMode.LowAccuracy).DetectLanguageOf("warm up the models");
        Detector.DetectLanguageOf("warm up the models");
    }

    private LanguageDetector Detector => DetectorFor(_settings.Mode);

    private static LanguageDetector DetectorFor(LanguageDetectionMode mode) =>
        Detectors.GetOrAdd(mode, m => new Lazy<LanguageDetector>(() => Build(m))).Value;

    public LanguageGuess Identify(string text)
    {
        var words = LanguageText.Words(text);
        if (words.Count < _settings.MinWords)
        {
            return LanguageGuess.Undetermined;
        }

        var (markers, _) = _pidgin.Count(words);
        if (markers >= PidginMarkers.DecisiveMarkers)
        {
            return new LanguageGuess(LanguageCodes.Pidgin, 1);
        }

        var pidgin = _pidgin.IsPidgin(words);
        if (IsPlainlyEnglish(words))
        {
            // English function words rule out the other candidates, so Lingua has nothing to add: English, or
            // English and Pidgin mixed, which is Pidgin.
            return new LanguageGuess(pidgin ? LanguageCodes.Pidgin : LanguageCodes.English, 1);
        }

        if (pidgin && _settings.Mode == LanguageDetectionMode.LowAccuracy)
        {
            // The trigram models are sure of something on almost any text (0.99 and up is common), so their verdict
            // cannot overrule Pidgin markers the way the full models' rare certainty can.
            return new LanguageGuess(LanguageCodes.Pidgin, 1);
        }

        var (language, confidence) = MostLikely(LanguageText.Letters(words));
        if (language is not (LinguaLanguage.English or LinguaLanguage.Unknown) && confidence >= _settings.MinConfidence
            && (language != LinguaLanguage.Yoruba || HasYorubaLetters(text)))
        {
            // Some Pidgin markers are words of other languages too (Spanish con, una; Yoruba ni, ti; Swahili na):
            // a text Lingua is sure is one of those is that language, not Pidgin. Lingua is almost never that sure
            // of a foreign language on Pidgin itself (docs/language.md).
            return new LanguageGuess(LanguageCodes.Code(language), confidence);
        }

        if (pidgin)
        {
            return new LanguageGuess(LanguageCodes.Pidgin, 1);
        }

        return language == LinguaLanguage.English ? new LanguageGuess(LanguageCodes.English, confidence) : LanguageGuess.Undetermined;
    }

    /// <summary>
    /// Nigerian names read as Yoruba to Lingua: without this, giveaway replies that are only a customer's name
    /// (<c>first bank adeniran abiodun adewale</c>, 0.7 % of the 2023 bank tweets) were dropped as Yoruba. A Yoruba
    /// verdict therefore needs a letter only Yoruba's spelling has (ẹ, ọ, ṣ, or a dot below); Yoruba written without
    /// them is undetermined, and kept.
    /// </summary>
    private static bool HasYorubaLetters(string text)
    {
        foreach (var c in text)
        {
            if (c is 'ẹ' or 'Ẹ' or 'ọ' or 'Ọ' or 'ṣ' or 'Ṣ' or '\u0323')
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Two distinct English function words that no other Latin-script candidate uses as a word (<c>the</c>, <c>you</c>,
    /// <c>have</c>; not <c>a</c>, <c>in</c>, <c>is</c>, <c>of</c>, <c>me</c>, <c>was</c>, <c>im</c>, <c>can</c>, <c>her</c>,
    /// which French, Spanish, Dutch, German or Turkish share) settle a post as English without Lingua: most English
    /// posts and none of the benchmark's foreign ones (docs/language.md). It spares Lingua's cost (about a millisecond
    /// a post in high-accuracy mode) on them.
    /// </summary>
    private static bool IsPlainlyEnglish(List<string> words)
    {
        string? first = null;
        foreach (var word in words)
        {
            if (EnglishOnlyWords.Contains(word) && word != first)
            {
                if (first is not null)
                {
                    return true;
                }

                first = word;
            }
        }

        return false;
    }

    private static readonly HashSet<string> EnglishOnlyWords = new(
        """
        the and you your this that with what have has been are were they them their there these those would could should
        will just about from which when where why how who not dont cant ive its it for my our we she his him be than then
        because still yet please thanks thank only also very much more any some every into after before again since until
        while being had did does doesnt didnt wont isnt arent wasnt havent hasnt
        """.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries),
        StringComparer.Ordinal);

    /// <summary>Whether a post the platform tagged English (or anything else) is in fact Pidgin.</summary>
    public bool IsPidgin(string text) => _pidgin.IsPidgin(LanguageText.Words(text));

    /// <remarks>
    /// In high-accuracy mode the low-accuracy models answer first: when they say English, that stands (on the
    /// benchmark files they never called a foreign post English), and only the rest pay for the full models, about
    /// ten times dearer. The answer is then the high-accuracy one at little more than the low-accuracy cost.
    /// </remarks>
    private (LinguaLanguage Language, double Confidence) MostLikely(string letters)
    {
        if (_settings.Mode == LanguageDetectionMode.HighAccuracy)
        {
            var quick = MostLikely(DetectorFor(LanguageDetectionMode.LowAccuracy), letters);
            if (quick.Language == LinguaLanguage.English)
            {
                return quick;
            }
        }

        return MostLikely(Detector, letters);
    }

    private static (LinguaLanguage Language, double Confidence) MostLikely(LanguageDetector detector, string letters)
    {
        var best = (Language: LinguaLanguage.Unknown, Confidence: 0.0);
        foreach (var (language, confidence) in detector.ComputeLanguageConfidenceValues(letters))
        {
            if (confidence > best.Confidence)
            {
                best = (language, confidence);
            }
        }

        return best;
    }

    private static LanguageDetector Build(LanguageDetectionMode mode)
    {
        var builder = LanguageDetectorBuilder.FromLanguages([.. LanguageCodes.Candidates]).WithPreloadedLanguageModels();
        return (mode == LanguageDetectionMode.LowAccuracy ? builder.WithLowAccuracyMode() : builder).Build();
    }
}
