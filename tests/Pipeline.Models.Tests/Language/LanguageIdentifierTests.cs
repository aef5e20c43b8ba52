using Pipeline.Models.Language;

namespace Pipeline.Models.Tests.Language;

public sealed class LanguageIdentifierTests
{
    private static readonly LanguageIdentifier Identifier = new(LanguageDetectionSettings.Default);

    private static string? Code(string text) => Identifier.Identify(text).Code;

    [Theory]
    [InlineData("@gtbank I transferred N20,000 since morning and the money never reached the recipient, please reverse it")]
    [InlineData("Customer care kept me on hold for an hour. Terrible service")]
    [InlineData("Opened a new account with Kuda in five minutes, smooth experience")]
    public void English_complaints_and_praise_are_english(string text) => Assert.Equal(LanguageCodes.English, Code(text));

    [Theory]
    [InlineData("@gtbank una app don crash again, i no fit login since yesterday")]
    [InlineData("abeg wetin dey happen to opay today")]
    [InlineData("dem don collect my money comot for account, una no dey reply")]
    public void Pidgin_posts_are_pcm(string text) => Assert.Equal(LanguageCodes.Pidgin, Code(text));

    [Fact]
    public void English_with_pidgin_mixed_in_is_pcm()
    {
        Assert.Equal(LanguageCodes.Pidgin, Code("I have been calling your customer care since morning, abeg make una reverse my money"));
    }

    [Theory]
    [InlineData("Gagnez 500 000 FCFA en cliquant sur ce lien, offre limitée aujourd'hui seulement", "fr")]
    [InlineData("Bonjour Zenith Bank, mon virement n'est toujours pas arrivé après trois jours", "fr")]
    [InlineData("Gana dinero desde casa, haz clic aquí y recibe tu bono de bienvenida", "es")]
    [InlineData("Mi transferencia lleva tres días pendiente y nadie me da una respuesta", "es")]
    public void French_and_spanish_spam_is_told_with_confidence(string text, string expected)
    {
        var guess = Identifier.Identify(text);

        Assert.Equal(expected, guess.Code);
        Assert.True(guess.Confidence >= LanguageDetectionSettings.Default.MinConfidence, $"confidence {guess.Confidence}");
    }

    private const string SpanishWithPidginMarkers = "Cuidado con los mensajes que piden tu clave, es una estafa";

    [Fact]
    public void Spanish_that_shares_words_with_pidgin_is_spanish_to_the_full_models()
    {
        // "con" and "una" are Pidgin markers too; the full models are sure enough of Spanish to overrule them.
        var identifier = new LanguageIdentifier(LanguageDetectionSettings.For(LanguageDetectionMode.HighAccuracy));

        Assert.Equal("es", identifier.Identify(SpanishWithPidginMarkers).Code);
    }

    [Fact]
    public void Pidgin_markers_outweigh_the_trigram_models_certainty()
    {
        // The low-accuracy models are sure of a foreign language on Nigerian names and run-together handles too, so
        // there the markers win: a post kept as Pidgin costs less than a customer's post dropped as Swahili.
        Assert.Equal(LanguageDetectionMode.LowAccuracy, Identifier.Settings.Mode);
        Assert.Equal(LanguageCodes.Pidgin, Code(SpanishWithPidginMarkers));
        Assert.Equal(LanguageCodes.Pidgin, Code("na palmpay dey think dey disburse"));
    }

    [Theory]
    [InlineData("🙏🙏🙏")]
    [InlineData("😡😡 @gtbank 😭")]
    [InlineData("@gtbank ???")]
    [InlineData("help!!")]
    [InlineData("@opay_ng https://t.co/abc #fail 2000")]
    [InlineData("")]
    public void Emoji_only_and_one_word_posts_are_undetermined(string text) => Assert.Null(Code(text));

    [Fact]
    public void Mentions_links_hashtags_and_numbers_are_not_words()
    {
        Assert.Equal(["my", "card", "dont", "work"], LanguageText.Words("@ZenithBank my card don't work!! https://t.co/x #ZenithFail 😡 5000"));
    }

    [Fact]
    public void Detection_off_has_no_identifier()
    {
        Assert.Throws<ArgumentException>(() => new LanguageIdentifier(LanguageDetectionSettings.Off));
    }

    [Fact]
    public void Every_candidate_language_and_pidgin_is_a_known_code()
    {
        Assert.Contains("pcm", LanguageCodes.Known);
        Assert.Contains("yo", LanguageCodes.Known);
        Assert.DoesNotContain("eng", LanguageCodes.Known);
        Assert.All(LanguageCodes.Candidates, l => Assert.Contains(Lingua.LanguageInfo.IsoCode6391(l).ToString().ToLowerInvariant(), LanguageCodes.Known));
    }
}
