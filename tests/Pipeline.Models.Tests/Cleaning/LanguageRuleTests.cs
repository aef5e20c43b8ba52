using Pipeline.Models.Cleaning;
using Pipeline.Models.Domain;
using Pipeline.Models.Language;
using static Pipeline.Models.Tests.Cleaning.TestCompanies;

namespace Pipeline.Models.Tests.Cleaning;

/// <summary>The language rule of <see cref="PostCleaner"/>: the platform's tag, or the identifier's decision when there is none.</summary>
public sealed class LanguageRuleTests
{
    private readonly PostCleaner _cleaner = new(CleaningPolicy.Default, TestCompanies.Directory);

    [Fact]
    public void Untagged_french_post_is_dropped_as_non_english_with_its_language()
    {
        var dropped = Assert.IsType<CleaningOutcome.Dropped>(_cleaner.Clean(
            Post("@gtbank Bonjour, mon virement n'est toujours pas arrivé après trois jours, c'est inadmissible", GtBank.Id, lang: null)));

        Assert.Equal((DropReason.NonEnglish, "fr"), (dropped.Reason, dropped.Language));
    }

    [Fact]
    public void Untagged_pidgin_post_is_kept_as_pcm()
    {
        var kept = Assert.IsType<CleaningOutcome.Kept>(_cleaner.Clean(Post("@gtbank una app don crash again, i no fit login since yesterday", GtBank.Id, lang: null)));

        Assert.Equal(LanguageCodes.Pidgin, kept.Post.Language);
    }

    [Fact]
    public void Post_x_tagged_english_that_reads_as_pidgin_is_pcm()
    {
        var kept = Assert.IsType<CleaningOutcome.Kept>(_cleaner.Clean(Post("gtbank abeg wetin dey happen to una app", GtBank.Id, lang: "en")));

        Assert.Equal(LanguageCodes.Pidgin, kept.Post.Language);
    }

    [Fact]
    public void Platform_tag_is_the_language_when_it_names_one()
    {
        Assert.Equal("en", Assert.IsType<CleaningOutcome.Kept>(_cleaner.Clean(Post("GTBank my transfer failed", GtBank.Id, lang: "en-GB"))).Post.Language);
        var dropped = Assert.IsType<CleaningOutcome.Dropped>(_cleaner.Clean(Post("GTBank obrigado pela ajuda", GtBank.Id, lang: "pt")));
        Assert.Equal((DropReason.NonEnglish, "pt"), (dropped.Reason, dropped.Language));
    }

    [Fact]
    public void Und_tagged_post_is_identified_by_its_text()
    {
        var dropped = Assert.IsType<CleaningOutcome.Dropped>(_cleaner.Clean(
            Post("GTBank Gana dinero desde casa, haz clic aquí y recibe tu bono de bienvenida", GtBank.Id, lang: "und")));

        Assert.Equal((DropReason.NonEnglish, "es"), (dropped.Reason, dropped.Language));
    }

    [Fact]
    public void Undetermined_post_is_kept_or_dropped_as_keep_undetermined_language_says()
    {
        var tooShort = Post("@gtbank 😡😡 help!!", GtBank.Id, lang: null);
        var strict = new PostCleaner(CleaningPolicy.Default with { KeepUndeterminedLanguage = false }, TestCompanies.Directory);

        var kept = Assert.IsType<CleaningOutcome.Kept>(_cleaner.Clean(tooShort));
        var dropped = Assert.IsType<CleaningOutcome.Dropped>(strict.Clean(tooShort));

        Assert.Null(kept.Post.Language);
        Assert.Equal((DropReason.NonEnglish, (string?)null), (dropped.Reason, dropped.Language));
    }

    [Fact]
    public void With_detection_off_an_untagged_post_is_kept_unchecked()
    {
        var off = new PostCleaner(CleaningPolicy.Default with { LanguageDetection = LanguageDetectionSettings.Off, KeepUndeterminedLanguage = false },
            TestCompanies.Directory);

        var kept = Assert.IsType<CleaningOutcome.Kept>(off.Clean(Post("@gtbank Bonjour, mon virement n'est toujours pas arrivé", GtBank.Id, lang: null)));

        Assert.Null(kept.Post.Language);
    }

    [Fact]
    public void Posts_dropped_for_other_reasons_carry_their_language_too()
    {
        var ownPost = Assert.IsType<CleaningOutcome.Dropped>(_cleaner.Clean(
            Post("Dear customers, our app will be down for maintenance tonight", GtBank.Id, author: "gtbank", lang: null)));

        Assert.Equal((DropReason.OwnPost, "en"), (ownPost.Reason, ownPost.Language));
    }

    [Fact]
    public void Pidgin_is_dropped_when_only_english_is_configured()
    {
        var englishOnly = new PostCleaner(CleaningPolicy.Default with { Languages = new HashSet<string> { "en" } }, TestCompanies.Directory);

        var dropped = Assert.IsType<CleaningOutcome.Dropped>(englishOnly.Clean(Post("@gtbank abeg wetin dey happen to una app", GtBank.Id, lang: null)));

        Assert.Equal((DropReason.NonEnglish, "pcm"), (dropped.Reason, dropped.Language));
    }
}
