using System.Text;
using Pipeline.Models.Cleaning;
using Pipeline.Models.Domain;
using Pipeline.Models.Text;

namespace Pipeline.Models.Tests.Cleaning;

public sealed class PostGuardTests
{
    private const string Emoji = "😡"; // a surrogate pair
    private static readonly DateTimeOffset Now = new(2024, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // Lone surrogates are built from char codes: xunit turns them into U+FFFD in attribute and theory data.
    private static readonly string High = ((char)0xD800).ToString();
    private static readonly string Low = ((char)0xDC00).ToString();

    private static RawPost Post(string text = "@gtbank my transfer failed", DateTimeOffset? created = null) => new(
        new PostId(1), new CompanyId("gtbank"), PostSource.Import, "42", "ada", text, created ?? Now.AddHours(-1),
        0, 0, 0, 0, "https://x.com/ada/status/1", "en", false, false, Now, ["gtbank"]);

    private static PostGuard Guard(int maxText = 25_000) =>
        new(InputLimits.Default with { MaxTextLength = maxText }, new FixedClock(Now));

    [Fact]
    public void A_clean_post_passes_as_the_same_instance_uncounted()
    {
        var post = Post();

        var accepted = Assert.IsType<GuardOutcome.Accepted>(Guard().Check(post));

        Assert.Same(post, accepted.Post);
        Assert.False(accepted.RepairedText);
        Assert.False(accepted.TruncatedText);
    }

    [Fact]
    public void A_lone_surrogate_in_any_string_becomes_the_replacement_character_and_is_reported()
    {
        var post = Post($"bad {High} text") with
        {
            AuthorHandle = "ada" + Low,
            AuthorId = High + "42",
            Url = "https://x.com/" + Low,
            Lang = "e" + High,
            Company = new CompanyId("gt" + Low),
            ReplyingTo = ["ok", "gt" + High],
        };

        var accepted = Assert.IsType<GuardOutcome.Accepted>(Guard().Check(post));

        var repaired = accepted.Post;
        Assert.True(accepted.RepairedText);
        Assert.Equal("bad \uFFFD text", repaired.Text);
        Assert.Equal("ada\uFFFD", repaired.AuthorHandle);
        Assert.Equal("\uFFFD42", repaired.AuthorId);
        Assert.Equal("https://x.com/\uFFFD", repaired.Url);
        Assert.Equal("e\uFFFD", repaired.Lang);
        Assert.Equal("gt\uFFFD", repaired.Company!.Value.Value);
        Assert.Equal(["ok", "gt\uFFFD"], repaired.ReplyingTo!);
        foreach (var value in new[] { repaired.Text, repaired.AuthorHandle, repaired.AuthorId!, repaired.Url!, repaired.Lang!, repaired.Company!.Value.Value }
            .Concat(repaired.ReplyingTo!))
        {
            StrictUtf8.GetBytes(value);
        }
    }

    [Fact]
    public void Nul_is_removed_without_counting_the_post_as_repaired()
    {
        var accepted = Assert.IsType<GuardOutcome.Accepted>(Guard().Check(Post("card\0 blocked") with { AuthorHandle = "a\0da" }));

        Assert.Equal(("card blocked", "ada"), (accepted.Post.Text, accepted.Post.AuthorHandle));
        Assert.False(accepted.RepairedText);
    }

    [Theory]
    [InlineData(19)]
    [InlineData(20)]
    [InlineData(21)]
    public void A_text_longer_than_the_limit_is_cut_never_inside_a_surrogate_pair_and_reported(int emojiAt)
    {
        var text = new string('x', emojiAt) + Emoji + new string('y', 30);

        var accepted = Assert.IsType<GuardOutcome.Accepted>(Guard(maxText: 21).Check(Post(text)));

        Assert.True(accepted.TruncatedText);
        Assert.Equal(SafeText.Truncate(text, 21), accepted.Post.Text);
        Assert.InRange(accepted.Post.Text.Length, 20, 21);
        Assert.False(SafeText.HasLoneSurrogate(accepted.Post.Text));
        Assert.False(accepted.RepairedText);
    }

    [Fact]
    public void A_text_exactly_at_the_limit_is_kept_whole()
    {
        var text = new string('x', 19) + Emoji;

        var accepted = Assert.IsType<GuardOutcome.Accepted>(Guard(maxText: 21).Check(Post(text)));

        Assert.Equal(text, accepted.Post.Text);
        Assert.False(accepted.TruncatedText);
    }

    [Theory]
    [InlineData("0001-01-01T00:00:00Z", "pipeline.limits.earliest-date")]
    [InlineData("2006-03-20T23:59:59Z", "pipeline.limits.earliest-date")]
    [InlineData("9999-12-31T00:00:00Z", "pipeline.limits.future-tolerance")]
    [InlineData("2024-06-02T12:00:01Z", "pipeline.limits.future-tolerance")]
    public void A_date_outside_the_limits_is_refused_with_the_setting_named(string created, string setting)
    {
        var refused = Assert.IsType<GuardOutcome.Refused>(Guard().Check(Post($"bad {High}", DateTimeOffset.Parse(created, System.Globalization.CultureInfo.InvariantCulture))));

        Assert.Contains(setting, refused.Problem);
        Assert.Contains(created[..10], refused.Problem);
        Assert.Equal("bad \uFFFD", refused.Post.Text); // repaired all the same: it is stored as a quarantine payload
    }

    [Theory]
    [InlineData("2006-03-21T00:00:00Z")]
    [InlineData("2024-06-02T12:00:00Z")]
    public void Dates_on_the_limits_are_accepted(string created)
    {
        Assert.IsType<GuardOutcome.Accepted>(Guard().Check(Post(created: DateTimeOffset.Parse(created, System.Globalization.CultureInfo.InvariantCulture))));
    }

    [Fact]
    public void Now_comes_from_the_clock()
    {
        var created = Now.AddDays(3);
        var guard = Guard();

        Assert.IsType<GuardOutcome.Refused>(guard.Check(Post(created: created)));
        Assert.IsType<GuardOutcome.Accepted>((guard with { Clock = new FixedClock(Now.AddDays(2)) }).Check(Post(created: created)));
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
