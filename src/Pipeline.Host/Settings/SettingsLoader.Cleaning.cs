using Akka.Configuration;
using Pipeline.Models.Cleaning;
using Pipeline.Models.Language;

namespace Pipeline.Host.Settings;

public static partial class SettingsLoader
{
    /// <summary>
    /// Reads <c>pipeline.cleaning</c>. Every language named must be one the pipeline can decide (an ISO 639-1 code
    /// Lingua knows, or <c>pcm</c>): a typo such as <c>eng</c> would otherwise drop every post as non-English.
    /// </summary>
    private static CleaningPolicy LoadCleaning(Reader reader, Config config)
    {
        const string languagesPath = "pipeline.cleaning.languages";
        var languages = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var language in LanguageList(reader, config, languagesPath))
        {
            var code = language.Trim().ToLowerInvariant();
            if (LanguageCodes.Known.Contains(code))
            {
                languages.Add(code);
            }
            else
            {
                reader.Problem($"{languagesPath}: \"{language}\" is not a language code the pipeline knows " +
                    "(an ISO 639-1 code such as en, fr, yo, or pcm for Nigerian Pidgin)");
            }
        }

        var mode = reader.Choice("pipeline.cleaning.language-detection", new Dictionary<string, LanguageDetectionMode>
        {
            ["high-accuracy"] = LanguageDetectionMode.HighAccuracy,
            ["low-accuracy"] = LanguageDetectionMode.LowAccuracy,
            ["off"] = LanguageDetectionMode.Off,
        });
        var detection = new LanguageDetectionSettings(
            mode,
            // Below a half another language could be likelier still: no decision worth dropping a post on.
            reader.DoubleOrAuto("pipeline.cleaning.min-language-confidence", 0.5, 1) ?? LanguageDetectionSettings.DefaultMinConfidence(mode),
            reader.Int("pipeline.cleaning.min-language-words", 1, 50));

        return new CleaningPolicy(
            languages,
            reader.Bool("pipeline.cleaning.keep-undetermined-language"),
            reader.Bool("pipeline.cleaning.drop-own-posts"),
            reader.Bool("pipeline.cleaning.drop-retweets"),
            reader.Int("pipeline.cleaning.duplicate-window", 1, 50_000_000),
            reader.StringList("pipeline.cleaning.domain-stopwords").Select(w => w.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal))
        {
            LanguageDetection = detection,
        };
    }

    /// <summary>A list, or one comma-separated string (the form an environment override gives).</summary>
    private static IEnumerable<string> LanguageList(Reader reader, Config config, string path)
    {
        if (!config.HasPath(path))
        {
            return [];
        }

        if (config.GetValue(path).IsArray())
        {
            return reader.StringList(path);
        }

        return (config.GetString(path) ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}
