using Akka.Configuration;
using Pipeline.Host.Settings;
using Pipeline.Models.Language;

namespace Pipeline.Host.Tests.Settings;

/// <summary><c>pipeline.cleaning</c>'s language settings: defaults, environment overrides and the problems that stop start-up.</summary>
public sealed class CleaningSettingsTests
{
    private static readonly string ShippedConf = Path.Combine(AppContext.BaseDirectory, "pipeline.conf");

    private static Config Shipped(string overrides = "", Func<string, string?>? environment = null) =>
        ConfigurationFactory.ParseString(overrides)
            .WithFallback(SettingsLoader.Parse(File.ReadAllText(ShippedConf), environment ?? (_ => null)));

    [Fact]
    public void Shipped_cleaning_keeps_english_and_pidgin_detected_in_low_accuracy_with_each_modes_own_confidence()
    {
        var cleaning = SettingsLoader.Load(Shipped()).Cleaning;
        var on = SettingsLoader.Load(Shipped(environment: new Dictionary<string, string> { ["PIPELINE_LANGUAGE_DETECTION"] = "high-accuracy" }.GetValueOrDefault)).Cleaning;

        Assert.Equal(["en", "pcm"], cleaning.Languages.Order());
        Assert.True(cleaning.KeepUndeterminedLanguage);
        Assert.Equal(new LanguageDetectionSettings(LanguageDetectionMode.LowAccuracy, 0.99, 2), cleaning.LanguageDetection);
        Assert.Equal(new LanguageDetectionSettings(LanguageDetectionMode.HighAccuracy, 0.7, 2), on.LanguageDetection);
    }

    [Fact]
    public void Languages_detection_mode_and_confidence_come_from_the_environment()
    {
        var environment = new Dictionary<string, string>
        {
            ["PIPELINE_LANGUAGES"] = "en, pcm, YO",
            ["PIPELINE_LANGUAGE_DETECTION"] = "low-accuracy",
            ["PIPELINE_MIN_LANGUAGE_CONFIDENCE"] = "0.95",
        };

        var cleaning = SettingsLoader.Load(Shipped(environment: environment.GetValueOrDefault)).Cleaning;

        Assert.Equal(["en", "pcm", "yo"], cleaning.Languages.Order());
        Assert.Equal(new LanguageDetectionSettings(LanguageDetectionMode.LowAccuracy, 0.95, 2), cleaning.LanguageDetection);
    }

    [Fact]
    public void Detection_is_chosen_in_the_file_too()
    {
        Assert.Equal(LanguageDetectionMode.Off, SettingsLoader.Load(Shipped("pipeline.cleaning.language-detection = off")).Cleaning.LanguageDetection.Mode);
    }

    [Theory]
    [InlineData("pipeline.cleaning.languages = [\"en\", \"eng\"]", "pipeline.cleaning.languages: \"eng\" is not a language code the pipeline knows")]
    [InlineData("pipeline.cleaning.languages = [\"english\"]", "pipeline.cleaning.languages: \"english\" is not a language code the pipeline knows")]
    [InlineData("pipeline.cleaning.language-detection = fast", "pipeline.cleaning.language-detection = \"fast\": must be one of high-accuracy, low-accuracy, off")]
    [InlineData("pipeline.cleaning.min-language-confidence = 0.3", "pipeline.cleaning.min-language-confidence = 0.3: must be auto or a number between 0.5 and 1")]
    [InlineData("pipeline.cleaning.min-language-confidence = sure", "pipeline.cleaning.min-language-confidence = \"sure\": must be auto or a number between 0.5 and 1")]
    [InlineData("pipeline.cleaning.min-language-words = 0", "pipeline.cleaning.min-language-words = 0: must be between 1 and 50")]
    public void Invalid_language_setting_stops_start_up_with_its_name_and_value(string hocon, string expected)
    {
        var error = Assert.Throws<SettingsException>(() => SettingsLoader.Load(Shipped(hocon)));

        Assert.Contains(error.Problems, p => p.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Unknown_language_from_the_environment_is_named_too()
    {
        var error = Assert.Throws<SettingsException>(() =>
            SettingsLoader.Load(Shipped(environment: new Dictionary<string, string> { ["PIPELINE_LANGUAGES"] = "en,xx" }.GetValueOrDefault)));

        Assert.Contains(error.Problems, p => p.StartsWith("pipeline.cleaning.languages: \"xx\" is not a language code", StringComparison.Ordinal));
    }
}
