using Pipeline.Actors.Sources.Simulator;
using Pipeline.Models.Cleaning;
using Pipeline.Models.Domain;
using static Pipeline.Actors.Tests.Sources.Simulator.SimulatorCompanies;

namespace Pipeline.Actors.Tests.Sources.Simulator;

public sealed class ConversationGeneratorTests
{
    private static readonly Lazy<List<SimulatedPost>> s_week = new(() =>
        Generator().Between(Origin.AddDays(-7), Origin).ToList());

    private static List<SimulatedPost> Week => s_week.Value;

    private static object Identity(SimulatedPost p) => (p.TimelineId, p.StatusId, p.AuthorHandle, p.Text, p.Kind, p.ReplyingTo, p.Likes);

    [Fact]
    public void Same_seed_writes_the_same_posts_with_the_same_ids()
    {
        var first = Generator().Between(Origin.AddDays(-2), Origin.AddMinutes(30)).Select(Identity).ToList();
        var again = Generator().Between(Origin.AddDays(-2), Origin.AddMinutes(30)).Select(Identity).ToList();
        var other = Generator(seed: 7).Between(Origin.AddDays(-2), Origin.AddMinutes(30)).Select(Identity).ToList();

        Assert.True(first.Count > 500);
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void A_minute_generated_on_its_own_equals_the_same_minute_generated_in_sequence()
    {
        var generator = Generator();
        var minute = ConversationGenerator.MinuteOf(Origin.AddHours(-30));
        var inSequence = generator.Between(Origin.AddHours(-31), Origin.AddHours(-29))
            .Where(p => ConversationGenerator.MinuteOf(p.AppearedAt) == minute).Select(Identity);

        Assert.Equal(inSequence, Generator().Minute(minute).Select(Identity));
    }

    [Fact]
    public void Timeline_ids_increase_with_time_and_carry_the_time_they_appeared()
    {
        var ids = Week.Select(p => p.TimelineId).ToList();

        Assert.Equal(ids.Order(), ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(Week, p => Assert.Equal(p.AppearedAt, ConversationGenerator.TimeOf(p.TimelineId)));
        Assert.All(Week.Where(p => p.Kind != SimulatedKind.Retweet), p => Assert.Equal(p.TimelineId, p.StatusId));
        // A native retweet shows an older original.
        Assert.All(Week.Where(p => p.Kind == SimulatedKind.Retweet), p => Assert.True(p.StatusId < p.TimelineId));
    }

    [Fact]
    public void Customer_posts_are_mostly_negative_with_some_praise_and_questions()
    {
        var customers = Week.Where(p => p.Kind is SimulatedKind.Customer or SimulatedKind.Reply).ToList();
        double Share(string sentiment) => customers.Count(p => p.Sentiment == sentiment) / (double)customers.Count;

        Assert.InRange(Share("negative"), 0.6, 0.85);
        Assert.InRange(Share("positive"), 0.04, 0.2);
        Assert.InRange(Share("neutral"), 0.08, 0.3);
        Assert.True(customers.Select(p => p.Theme).Distinct().Count() >= 12);
    }

    [Fact]
    public void The_conversation_has_replies_retweets_own_posts_spam_other_languages_and_irrelevant_mentions()
    {
        var kinds = Week.GroupBy(p => p.Kind).ToDictionary(g => g.Key, g => g.Count());

        foreach (var kind in Enum.GetValues<SimulatedKind>())
        {
            Assert.True(kinds.GetValueOrDefault(kind) >= 20, $"{kind}: {kinds.GetValueOrDefault(kind)} posts in a week");
        }

        Assert.Superset(new HashSet<string> { "en", "fr", "yo", "ha" }, Week.Select(p => p.Language).ToHashSet());
        Assert.All(Week.Where(p => p.Kind == SimulatedKind.ManualRetweet), p => Assert.StartsWith("RT @", p.Text));
        Assert.All(Week.Where(p => p.Kind == SimulatedKind.Reply), p => Assert.StartsWith("@", p.ReplyingTo));
        Assert.Contains(Week, p => p.Text.Contains('₦'));
        Assert.Contains(Week, p => p.Text.Contains("abeg", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Every_company_gets_posts_and_some_posts_name_two_companies()
    {
        foreach (var company in All)
        {
            Assert.True(Week.Count(p => p.Companies.Contains(company.Id)) >= 100, $"{company.Id} has too few posts");
        }

        Assert.Contains(Week, p => p.Companies.Count == 2);
    }

    [Fact]
    public void Each_kind_of_post_is_what_the_cleaning_rules_expect_of_it()
    {
        var relevance = new RelevanceMatcher(All);
        var words = All.ToDictionary(c => c.Id, c => c.Handles.Select(h => h.TrimStart('@')).Concat(c.SearchTerms).Append(c.DisplayName)
            .SelectMany(w => w.Split(' ')).Select(w => w.ToLowerInvariant()).ToHashSet());

        Assert.All(Week.Where(p => p.Kind == SimulatedKind.Spam), p => Assert.True(SpamRule.IsSpam(p.Text, words[p.Companies[0]]), p.Text));
        Assert.All(Week.Where(p => p.Kind == SimulatedKind.Empty), p => Assert.True(TextNormalizer.IsEmptyOfContent(p.Text), p.Text));
        Assert.All(Week.Where(p => p.Kind == SimulatedKind.Irrelevant), p => Assert.False(relevance.IsAbout(p.Companies[0], p.Text), p.Text));
        Assert.All(Week.Where(p => p.Kind == SimulatedKind.Customer), p =>
        {
            Assert.True(relevance.IsAbout(p.Companies[0], p.Text), p.Text);
            Assert.False(SpamRule.IsSpam(p.Text, words[p.Companies[0]]), p.Text);
            Assert.False(TextNormalizer.IsEmptyOfContent(p.Text), p.Text);
        });
        Assert.All(Week.Where(p => p.Kind == SimulatedKind.OwnPost), p =>
            Assert.Contains(All.First(c => c.Id == p.Companies[0]).Handles, h => h.TrimStart('@') == p.AuthorHandle));
    }

    [Fact]
    public void The_live_trickle_follows_the_live_rate_and_the_backlog_the_daily_rate()
    {
        var generator = Generator(perDay: 1440, perMinute: 30);
        var live = generator.Between(Origin, Origin.AddMinutes(60)).Count();
        var backlog = generator.Between(Origin.AddDays(-3), Origin).Count();

        Assert.InRange(live, 30 * 60 * 0.85, 30 * 60 * 1.15);
        Assert.InRange(backlog, 3 * 1440 * 0.85, 3 * 1440 * 1.15);
    }
}
