using Pipeline.Models.Sentiment;

namespace Pipeline.Models.Tests.Sentiment;

public sealed class SentimentFeaturizerTests
{
    private static readonly SentimentFeaturizer Featurizer = new(new SentimentFeaturizerOptions { HashBits = 16 });

    [Fact]
    public void Words_after_a_negation_are_marked_until_punctuation()
    {
        var tokens = Featurizer.Tokenize("I don't like it. Good though");

        Assert.Equal(["i", "don't", "like", "it", ".", "good", "though"], tokens.Select(t => t.Text));
        Assert.Equal([false, false, true, true, false, false, false], tokens.Select(t => t.Negated));
    }

    [Fact]
    public void Emoticons_stay_whole_emoji_stand_alone_and_elongations_collapse()
    {
        var tokens = Featurizer.Tokenize("soooo HAPPY :) 😍👍🏽 #winning!!!");

        Assert.Equal(["soo", "happy", ":)", "😍", "👍", "#winning", "!!"], tokens.Select(t => t.Text));
        Assert.True(tokens[0].Elongated);
        Assert.True(tokens[1].AllCaps);
    }

    [Fact]
    public void Feature_vectors_are_sorted_unique_and_within_the_dimension()
    {
        var scratch = new SentimentFeaturizer.Scratch();

        Featurizer.Featurize("Not happy with @user at all!! the app keeps crashing 😡 http", scratch);

        var indices = scratch.IndicesSpan.ToArray();
        Assert.NotEmpty(indices);
        Assert.Equal(indices.Order().Distinct(), indices);
        Assert.All(indices, i => Assert.InRange(i, 0, Featurizer.Dimension - 1));
    }

    [Theory]
    [InlineData(10)]
    [InlineData(18)]
    [InlineData(24)]
    public void Long_texts_with_repeated_ngrams_give_a_sorted_unique_vector_with_each_bucket_once(int hashBits)
    {
        // Hundreds of character n-grams (the radix-sorted path; 24 bits takes an odd number of passes), with repeats.
        var featurizer = new SentimentFeaturizer(new SentimentFeaturizerOptions { HashBits = hashBits });
        var text = string.Join(' ', Enumerable.Repeat("the transfer failed again and again, reverse my money now!!", 6));
        var scratch = new SentimentFeaturizer.Scratch();

        featurizer.Featurize(text, scratch);

        var indices = scratch.IndicesSpan.ToArray();
        Assert.Equal(indices.Order().Distinct(), indices);
        Assert.All(indices, i => Assert.InRange(i, 0, featurizer.Dimension - 1));
        // Six copies of one sentence hit the buckets of one copy, plus the word bigram joining two copies ("!! the").
        var once = new SentimentFeaturizer.Scratch();
        featurizer.Featurize("the transfer failed again and again, reverse my money now!!", once);
        var hashed = indices.Where(i => i >= SentimentFeaturizer.DenseCount).ToHashSet();
        var hashedOnce = once.IndicesSpan.ToArray().Where(i => i >= SentimentFeaturizer.DenseCount).ToList();
        Assert.Superset(hashedOnce.ToHashSet(), hashed);
        Assert.InRange(hashed.Count, hashedOnce.Count, hashedOnce.Count + 1);
    }

    [Fact]
    public void Lexicon_features_see_negation()
    {
        var plain = new SentimentFeaturizer.Scratch();
        var negated = new SentimentFeaturizer.Scratch();

        Featurizer.Featurize("good", plain);
        Featurizer.Featurize("not good", negated);

        // Dense feature 0 is the positive valence sum, 1 the negative one.
        Assert.Equal(0, plain.IndicesSpan[0]);
        Assert.Equal(1, negated.IndicesSpan[0]);
    }

    [Fact]
    public void An_empty_text_has_no_word_features()
    {
        var scratch = new SentimentFeaturizer.Scratch();

        Featurizer.Featurize("", scratch);

        Assert.All(scratch.IndicesSpan.ToArray(), i => Assert.True(i < SentimentFeaturizer.DenseCount));
    }
}
