using Pipeline.Models.Cleaning;
using Pipeline.Models.Domain;
using static Pipeline.Models.Tests.Cleaning.TestCompanies;

namespace Pipeline.Models.Tests.Cleaning;

public sealed class PostCleanerTests
{
    private readonly PostCleaner _cleaner = new(CleaningPolicy.Default, TestCompanies.Directory);

    private CleanedPost Kept(RawPost post) =>
        Assert.IsType<CleaningOutcome.Kept>(_cleaner.Clean(post)).Post;

    private CleaningOutcome.Dropped Dropped(RawPost post) =>
        Assert.IsType<CleaningOutcome.Dropped>(_cleaner.Clean(post));

    [Fact]
    public void Html_entities_are_decoded_before_anything_else()
    {
        var kept = Kept(Post("@gtbank you people don debit me &#8358;5,000 twice &amp; no reversal &gt;:(", GtBank.Id));

        Assert.Equal("@gtbank you people don debit me ₦5,000 twice & no reversal >:(", kept.Text);
    }

    [Fact]
    public void Handle_matches_case_insensitively_as_a_whole_token()
    {
        Assert.Equal(GtBank.Id, Kept(Post("@GTBank_Help my transfer has been pending since morning", GtBank.Id)).Company);
        Assert.Equal(GtBank.Id, Kept(Post("Why is @GTBANK app always down on Fridays?", GtBank.Id)).Company);
    }

    [Fact]
    public void Handle_does_not_match_inside_a_longer_unlisted_handle()
    {
        var dropped = Dropped(Post("Apply now! @gtbank_careers is hiring graduate trainees", GtBank.Id));

        Assert.Equal(DropReason.NotRelevant, dropped.Reason);
        Assert.Equal(GtBank.Id, dropped.Company);
    }

    [Fact]
    public void Search_term_matches_whole_words_only()
    {
        Assert.Equal(GtBank.Id, Kept(Post("Guaranty Trust Bank reversed my money finally, thank God", GtBank.Id)).Company);
        Assert.Equal(DropReason.NotRelevant, Dropped(Post("gtbanking is not a word but gtbs is not either", GtBank.Id)).Reason);
    }

    [Fact]
    public void Relevance_is_checked_against_the_company_the_post_was_collected_for()
    {
        // The original OR-ed over every bank: a post about Opay collected for GTBank was kept as GTBank's.
        var dropped = Dropped(Post("opay transfer failed again, money don comot for my account", GtBank.Id));

        Assert.Equal(DropReason.NotRelevant, dropped.Reason);
    }

    [Fact]
    public void Reply_to_the_companys_handle_is_relevant_though_its_text_never_names_the_company()
    {
        // Nitter moves a reply's leading @mentions into its "Replying to" block, out of the text.
        const string text = "na two weeks now and the reversal never come, una no dey pick calls";
        var reply = Post(text, GtBank.Id) with { IsReply = true, ReplyingTo = ["GTBank_Help"] };

        Assert.Equal(GtBank.Id, Kept(reply).Company);
        Assert.Equal(DropReason.NotRelevant, Dropped(Post(text, GtBank.Id)).Reason);
        Assert.Equal(DropReason.NotRelevant, Dropped(Post(text, GtBank.Id) with { IsReply = true, ReplyingTo = ["some_friend"] }).Reason);
    }

    [Fact]
    public void Reply_without_a_company_goes_to_the_company_whose_handle_it_replies_to()
    {
        var reply = Post("still waiting for my refund since last week", company: null) with { IsReply = true, ReplyingTo = ["@gtbank"] };

        Assert.Equal(GtBank.Id, Kept(reply).Company);
    }

    [Fact]
    public void Post_without_a_company_is_assigned_the_first_company_it_mentions()
    {
        Assert.Equal(Access.Id, Kept(Post("Access Bank why una dey debit me for SMS wey I no receive")).Company);
        var nobody = Dropped(Post("Good morning Lagos, traffic on Third Mainland is crazy"));
        Assert.Equal(DropReason.NotRelevant, nobody.Reason);
        Assert.Null(nobody.Company);
    }

    [Fact]
    public void Duplicate_status_id_is_dropped_the_second_time()
    {
        var post = Post("@gtbank my card was swallowed by your ATM at Ikeja", GtBank.Id);

        Kept(post);
        Assert.Equal(DropReason.DuplicateId, Dropped(post with { Text = "edited" }).Reason);
    }

    [Fact]
    public void Exact_retweet_of_a_seen_text_is_dropped_but_a_first_retweet_is_kept()
    {
        Kept(Post("@opay_ng I was debited but the recipient never got the money", Opay.Id));

        var duplicate = Dropped(Post("RT @chioma_k: @opay_ng I was debited but the recipient never got the money", Opay.Id, isRetweet: true));
        var fresh = Kept(Post("RT @tunde: opay customer care has been amazing today", Opay.Id, isRetweet: true));

        Assert.Equal(DropReason.DuplicateRetweet, duplicate.Reason);
        Assert.Equal(Opay.Id, fresh.Company);
    }

    [Fact]
    public void Every_retweet_is_dropped_when_the_policy_says_so()
    {
        var cleaner = new PostCleaner(CleaningPolicy.Default with { DropRetweets = true }, TestCompanies.Directory);

        var outcome = cleaner.Clean(Post("RT @tunde: opay customer care has been amazing today", Opay.Id, isRetweet: true));

        Assert.Equal(DropReason.DuplicateRetweet, Assert.IsType<CleaningOutcome.Dropped>(outcome).Reason);
    }

    [Fact]
    public void Company_own_posts_are_dropped_by_default_and_kept_when_configured()
    {
        var own = Post("Dear customer, GTBank will never ask for your PIN. Stay safe.", GtBank.Id, author: "GTBank_Help");
        Assert.Equal(DropReason.OwnPost, Dropped(own).Reason);

        var keeping = new PostCleaner(CleaningPolicy.Default with { DropOwnPosts = false }, TestCompanies.Directory);
        Assert.IsType<CleaningOutcome.Kept>(keeping.Clean(own with { Id = new PostId(own.Id.Value + 7) }));
    }

    [Fact]
    public void Non_english_post_is_dropped_when_the_source_gives_its_language()
    {
        Assert.Equal(DropReason.NonEnglish, Dropped(Post("GTBank ne répond pas à mes messages", GtBank.Id, lang: "fr")).Reason);
        Assert.IsType<CleaningOutcome.Kept>(_cleaner.Clean(Post("gtbank abeg wetin dey happen", GtBank.Id, lang: "und")));
        Assert.IsType<CleaningOutcome.Kept>(_cleaner.Clean(Post("gtbank una app no dey work", GtBank.Id, lang: null)));
    }

    [Fact]
    public void Every_language_is_kept_when_none_is_configured()
    {
        var cleaner = new PostCleaner(CleaningPolicy.Default with { Languages = new HashSet<string>() }, TestCompanies.Directory);

        Assert.IsType<CleaningOutcome.Kept>(cleaner.Clean(Post("GTBank ne répond pas", GtBank.Id, lang: "fr")));
    }

    [Fact]
    public void Bare_account_number_with_a_bank_name_is_spam()
    {
        Assert.Equal(DropReason.Spam, Dropped(Post("0123456789 Access Bank", Access.Id)).Reason);
        Assert.Equal(DropReason.Spam, Dropped(Post("Acct no: 2098765432 access bank pls send", Access.Id)).Reason);
    }

    [Fact]
    public void Complaint_that_quotes_an_account_number_is_not_spam()
    {
        var kept = Kept(Post("Access Bank I sent 20k to 0123456789 on Monday and the money never arrived, help me", Access.Id));

        Assert.Equal(Access.Id, kept.Company);
    }

    [Fact]
    public void Hashtag_stuffing_is_spam()
    {
        Assert.Equal(DropReason.Spam,
            Dropped(Post("#opay #loan #fastloan #cash #naija #lagos #abuja #money get loan now", Opay.Id)).Reason);
    }

    [Fact]
    public void Post_with_nothing_but_mentions_and_links_is_empty_after_cleaning()
    {
        Assert.Equal(DropReason.EmptyAfterCleaning, Dropped(Post("@gtbank https://t.co/abc123", GtBank.Id)).Reason);
    }

    [Fact]
    public void Emoji_only_reply_is_kept_for_sentiment()
    {
        var kept = Kept(Post("@gtbank 😡😡😡", GtBank.Id));

        Assert.Equal("@user 😡😡😡", kept.SentimentText);
        Assert.Empty(kept.TopicTokens);
    }

    [Fact]
    public void Kept_post_carries_sentiment_text_and_topic_tokens()
    {
        var kept = Kept(Post("@gtbank_help Please my transfers are failing and charges keep coming https://t.co/x1", GtBank.Id));

        Assert.Equal("@user Please my transfers are failing and charges keep coming http", kept.SentimentText);
        Assert.Equal(["transfer", "failing", "charge", "keep", "coming"], kept.TopicTokens);
    }

    [Fact]
    public async Task Cleaner_shared_by_two_streams_lets_each_post_through_once()
    {
        var posts = Enumerable.Range(0, 20_000)
            .Select(i => Post($"@gtbank transfer {i} failed", GtBank.Id, id: 1_700_000_000_000_000_000 + i))
            .ToList();

        var outcomes = await Task.WhenAll(
            Task.Run(() => posts.Select(_cleaner.Clean).ToList()),
            Task.Run(() => posts.Select(_cleaner.Clean).ToList()));

        var all = outcomes.SelectMany(o => o).ToList();
        Assert.Equal(posts.Count, all.Count(o => o is CleaningOutcome.Kept));
        Assert.Equal(posts.Count, all.OfType<CleaningOutcome.Dropped>().Count(d => d.Reason == DropReason.DuplicateId));
    }
}
