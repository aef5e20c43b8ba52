using Pipeline.Models.Domain;
using Pipeline.Models.Sentiment;

namespace Pipeline.Models.Tests.Sentiment;

/// <summary>Nigerian Pidgin in the featurizer: negation, intensifiers, markers and the learned lexicon's features.</summary>
public sealed class PidginFeatureTests
{
    private static readonly SentimentFeaturizer Featurizer = new(new SentimentFeaturizerOptions { HashBits = 16 });

    private static float Dense(SentimentFeaturizer.Scratch scratch, int index)
    {
        var at = scratch.IndicesSpan.IndexOf(index);
        return at < 0 ? 0 : scratch.ValuesSpan[at];
    }

    [Fact]
    public void No_dey_keeps_dey_with_the_negation_and_marks_the_words_after_it()
    {
        var tokens = Featurizer.Tokenize("e no dey work, na wa");

        Assert.Equal(["e", "no", "dey", "work", ",", "na", "wa"], tokens.Select(t => t.Text));
        Assert.Equal([false, false, false, true, false, false, false], tokens.Select(t => t.Negated));
    }

    [Theory]
    [InlineData("i neva see am", "see")]
    [InlineData("notin dey work", "work")]
    [InlineData("dem no go pay am", "pay")]
    [InlineData("the app no fit load", "load")]
    public void Pidgin_negations_mark_the_verb_and_what_follows(string text, string firstNegated)
    {
        var tokens = Featurizer.Tokenize(text);

        var first = tokens.ToList().FindIndex(t => t.Negated);
        Assert.Equal(firstNegated, tokens[first].Text);
        Assert.All(tokens.Skip(first), t => Assert.True(t.Negated));
    }

    [Fact]
    public void Without_pidgin_features_neva_is_an_ordinary_word()
    {
        var plain = new SentimentFeaturizer(new SentimentFeaturizerOptions { HashBits = 16, Pidgin = false });

        Assert.All(plain.Tokenize("i neva see am"), t => Assert.False(t.Negated));
    }

    [Fact]
    public void A_pidgin_intensifier_after_a_word_boosts_it_instead_of_counting_as_negative()
    {
        var plain = new SentimentFeaturizer.Scratch();
        var boosted = new SentimentFeaturizer.Scratch();

        Featurizer.Featurize("the food sweet", plain);
        Featurizer.Featurize("the food sweet die", boosted);

        // Dense 0: positive valence sum, 1: negative valence sum. VADER alone scores "die" negative.
        Assert.True(Dense(boosted, 0) > Dense(plain, 0), $"{Dense(boosted, 0)} vs {Dense(plain, 0)}");
        Assert.Equal(0, Dense(boosted, 1));
    }

    [Fact]
    public void Pidgin_markers_and_complaint_cues_are_counted()
    {
        var pidgin = new SentimentFeaturizer.Scratch();
        var english = new SentimentFeaturizer.Scratch();

        Featurizer.Featurize("abeg wetin dey happen for this bank", pidgin);
        Featurizer.Featurize("what is happening at this bank please", english);

        Assert.Equal(3, pidgin.PidginMarkers);
        Assert.Equal(0, english.PidginMarkers);
        Assert.Equal(0.75f, Dense(pidgin, 14));       // min(3, 4) / 4
        Assert.Equal(1f, Dense(pidgin, 15));          // two or more markers
        Assert.Equal(2 / 3f, Dense(pidgin, 16), 6);   // abeg, wetin
        Assert.Equal(0, Dense(english, 14));
    }

    [Fact]
    public void Featurising_with_a_lexicon_equals_merging_its_features_into_the_vector_without_it()
    {
        var lexicon = PidginLexicon.Build(PidginLexiconTests.Tweets(Featurizer));
        var withLexicon = new SentimentFeaturizer(Featurizer.Options, pidginLexicon: lexicon);
        var text = "this bank no dey work, una don collect my money";
        var expected = new SentimentFeaturizer.Scratch();
        var plain = new SentimentFeaturizer.Scratch();

        withLexicon.Featurize(text, expected);
        Featurizer.Featurize(text, plain);
        var features = new float[SentimentFeaturizer.PidginLexiconFeatureCount];
        SentimentFeaturizer.PidginLexiconFeatures(plain.LastTokens, lexicon, features);
        var merged = BuiltInSentimentTrainer.Merge((plain.IndicesSpan.ToArray(), plain.ValuesSpan.ToArray()), features);

        Assert.Contains(features, f => f != 0);
        Assert.Equal(expected.IndicesSpan.ToArray(), merged.Indices);
        Assert.Equal(expected.ValuesSpan.ToArray(), merged.Values);
    }
}

public sealed class PidginLexiconTests
{
    // Made-up tweets: "work" and "money" in both classes, "sweet" only positive, "wahala" only negative.
    private static readonly (string Text, SentimentLabel Label)[] Sample =
    [
        ("the app sweet well well", SentimentLabel.Positive),
        ("transfer sweet and fast", SentimentLabel.Positive),
        ("e sweet die the money land", SentimentLabel.Positive),
        ("this bank work for me", SentimentLabel.Positive),
        ("na wahala this bank", SentimentLabel.Negative),
        ("wahala everywhere my money", SentimentLabel.Negative),
        ("wahala no dey finish the app no work", SentimentLabel.Negative),
        ("my money don lost", SentimentLabel.Negative),
        ("the branch dey open", SentimentLabel.Neutral),
        ("the branch dey open today", SentimentLabel.Neutral),
        ("the branch dey open again", SentimentLabel.Neutral),
    ];

    internal static IEnumerable<(IReadOnlyList<SentimentToken>, SentimentLabel)> Tweets(SentimentFeaturizer featurizer) =>
        Sample.Select(s => (featurizer.Tokenize(s.Text), s.Label));

    private static readonly SentimentFeaturizer Featurizer = new(new SentimentFeaturizerOptions { HashBits = 16 });

    [Fact]
    public void Scores_are_smoothed_log_odds_of_positive_over_negative_tweets()
    {
        var lexicon = PidginLexicon.Build(Tweets(Featurizer));

        // 4 positive and 4 negative tweets; add-1 smoothing over 4 + 2.
        Assert.True(lexicon.TryGetScore("sweet", out var sweet));
        Assert.Equal(Math.Log(4.0 / 6) - Math.Log(1.0 / 6), sweet, 4);
        Assert.True(lexicon.TryGetScore("wahala", out var wahala));
        Assert.Equal(Math.Log(1.0 / 6) - Math.Log(4.0 / 6), wahala, 4);
        Assert.Equal((0, 3), lexicon.Counts["wahala"]);
        // "money": 1 positive, 2 negative tweets.
        Assert.True(lexicon.TryGetScore("money", out var money));
        Assert.Equal(Math.Log(2.0 / 6) - Math.Log(3.0 / 6), money, 4);
    }

    [Fact]
    public void Only_words_of_the_given_tweets_in_enough_of_them_enter_and_neutral_tweets_do_not_count()
    {
        var lexicon = PidginLexicon.Build(Tweets(Featurizer));

        Assert.False(lexicon.TryGetScore("refund", out _));   // in no tweet
        Assert.False(lexicon.TryGetScore("fast", out _));     // in one tweet only
        Assert.False(lexicon.TryGetScore("branch", out _));   // only in neutral tweets
        Assert.All(lexicon.Words, w => Assert.Contains(Sample, s => Featurizer.Tokenize(s.Text).Any(t => t.Text == w)));
    }

    [Fact]
    public void A_saved_lexicon_loads_with_the_same_scores()
    {
        var lexicon = PidginLexicon.Build(Tweets(Featurizer));
        var path = Path.Combine(Path.GetTempPath(), $"pidgin-lexicon-{Guid.NewGuid():N}.tsv");
        try
        {
            lexicon.Save(path);
            var loaded = PidginLexicon.Load(path);

            Assert.Equal(lexicon.Words.Order(), loaded.Words.Order());
            Assert.All(lexicon.Words, w =>
            {
                lexicon.TryGetScore(w, out var expected);
                loaded.TryGetScore(w, out var actual);
                Assert.Equal(expected, actual);
            });
        }
        finally
        {
            File.Delete(path);
        }
    }
}
