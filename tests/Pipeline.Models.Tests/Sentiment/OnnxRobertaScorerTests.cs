using Pipeline.Models.Domain;
using Pipeline.Models.Sentiment;
using Pipeline.Tests.Shared;

namespace Pipeline.Models.Tests.Sentiment;

/// <summary>The tiny fixture model with default options, opened once for the class (loading the vocabulary takes a moment).</summary>
public sealed class TinyScorerFixture : IDisposable
{
    public OnnxRobertaScorer Scorer { get; } = OnnxRobertaScorer.Open(RobertaFixture.Folder, new OnnxScorerOptions { IntraOpThreads = 1 });

    public void Dispose() => Scorer.Dispose();
}

public sealed class OnnxRobertaScorerTests(TinyScorerFixture fixture) : IClassFixture<TinyScorerFixture>
{
    private const float Tolerance = 1e-4f;

    private readonly OnnxRobertaScorer _scorer = fixture.Scorer;

    [Fact]
    public void Tiny_model_logits_equal_the_PyTorch_reference_in_one_batch()
    {
        var cases = RobertaFixture.ReferenceLogits();
        var ids = cases.Select(c => _scorer.Tokenizer.Encode(c.Text, _scorer.MaxTokens)).ToArray();

        var logits = _scorer.LogitsForTokenIds(ids);

        Assert.Equal(cases.Select(c => c.Ids), ids);
        for (var i = 0; i < cases.Count; i++)
        {
            AssertClose(cases[i].Logits, logits[i], cases[i].Text);
        }
    }

    [Fact]
    public void Tiny_model_logits_equal_the_PyTorch_reference_one_text_at_a_time()
    {
        foreach (var reference in RobertaFixture.ReferenceLogits())
        {
            var ids = _scorer.Tokenizer.Encode(reference.Text, _scorer.MaxTokens);

            var logits = _scorer.LogitsForTokenIds([ids]);

            AssertClose(reference.Logits, logits[0], reference.Text);
        }
    }

    [Fact]
    public void Small_sub_batches_give_the_reference_logits_in_input_order()
    {
        var cases = RobertaFixture.ReferenceLogits();
        using var scorer = OnnxRobertaScorer.Open(RobertaFixture.Folder, new OnnxScorerOptions { BatchSize = 3, IntraOpThreads = 1 });

        var logits = scorer.LogitsForTokenIds(cases.Select(c => c.Ids).ToArray());

        for (var i = 0; i < cases.Count; i++)
        {
            AssertClose(cases[i].Logits, logits[i], cases[i].Text);
        }
    }

    [Fact]
    public void Scores_come_back_in_input_order_when_the_batch_is_sorted_by_length_inside()
    {
        // Lengths deliberately out of order, and more texts than one sub-batch holds.
        string[] texts =
        [
            "the app has been down all day and nobody at the branch could tell me why, terrible service",
            "ok",
            "thank you for the quick reversal",
            "",
            "transfer failed twice, money debited both times, please help me now",
            "great",
            "why is the ussd code not working again today",
        ];
        using var scorer = OnnxRobertaScorer.Open(RobertaFixture.Folder, new OnnxScorerOptions { BatchSize = 2, SortByLength = true, IntraOpThreads = 1 });

        var batched = scorer.Score(texts);
        var oneByOne = texts.Select(t => scorer.Score([t])[0]).ToArray();

        Assert.Equal(texts.Length, batched.Count);
        for (var i = 0; i < texts.Length; i++)
        {
            Assert.Equal(oneByOne[i].Label, batched[i].Label);
            Assert.Equal(oneByOne[i].Negative, batched[i].Negative, 1e-5);
            Assert.Equal(oneByOne[i].Neutral, batched[i].Neutral, 1e-5);
            Assert.Equal(oneByOne[i].Positive, batched[i].Positive, 1e-5);
        }

        // Sanity: the texts do not all score alike, so a permutation would have been caught.
        Assert.True(batched.Select(s => Math.Round(s.Positive, 4)).Distinct().Count() > 3);
    }

    [Fact]
    public void Probabilities_are_the_softmax_of_the_logits_and_sum_to_one()
    {
        var cases = RobertaFixture.ReferenceLogits();
        var texts = cases.Select(c => c.Text.Trim()).ToArray();

        var scores = _scorer.Score(texts);
        var logits = _scorer.Logits(texts);

        for (var i = 0; i < texts.Length; i++)
        {
            var s = scores[i];
            Assert.Equal(1.0, s.Negative + s.Neutral + s.Positive, 1e-9);
            var expectedPositive = Math.Exp(logits[i][2]) / logits[i].Sum(l => Math.Exp(l));
            Assert.Equal(expectedPositive, s.Positive, 1e-6);
            var argmax = Array.IndexOf(logits[i], logits[i].Max());
            Assert.Equal((SentimentLabel)argmax, s.Label);
            Assert.Equal("onnx:roberta", s.ModelVersion);
        }
    }

    [Fact]
    public void A_3000_token_tweet_is_truncated_and_scored()
    {
        var tweet = string.Join(' ', Enumerable.Range(0, 3000).Select(i => i % 2 == 0 ? "bad" : "service"));
        var truncated = _scorer.Tokenizer.Encode(tweet, _scorer.MaxTokens);

        var score = _scorer.Score([tweet, "fine"]);
        var logits = _scorer.Logits([tweet]);

        Assert.Equal(512, _scorer.MaxTokens);
        Assert.Equal(512, truncated.Length);
        Assert.Equal(RobertaTokenizer.EndId, truncated[^1]);
        Assert.Equal(_scorer.LogitsForTokenIds([truncated])[0], logits[0]);
        Assert.Equal(1.0, score[0].Negative + score[0].Neutral + score[0].Positive, 1e-9);
    }

    [Fact]
    public void Empty_and_blank_texts_score_as_begin_end_only()
    {
        var empty = RobertaFixture.ReferenceLogits().Single(c => c.Text.Length == 0);

        var logits = _scorer.Logits(["", "   "]);
        var scores = _scorer.Score([""]);

        Assert.Equal([0, 2], empty.Ids);
        AssertClose(empty.Logits, logits[0], "empty");
        AssertClose(empty.Logits, logits[1], "blank");
        Assert.Equal(1.0, scores[0].Negative + scores[0].Neutral + scores[0].Positive, 1e-9);
    }

    [Fact]
    public void Concurrent_calls_on_one_scorer_give_the_same_scores_as_sequential_ones()
    {
        var texts = RobertaFixture.ReferenceLogits().Select(c => c.Text).Concat(["@user thank you", "network is down again http"]).ToArray();
        var expected = _scorer.Score(texts);

        var results = new IReadOnlyList<SentimentScore>[8];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => results[i] = _scorer.Score(texts));

        Assert.All(results, r => Assert.Equal(expected, r));
    }

    [Fact]
    public void An_empty_batch_gives_no_scores()
    {
        Assert.Empty(_scorer.Score([]));
    }

    [Fact]
    public void Cardiff_preprocessing_is_applied_and_already_preprocessed_text_is_unchanged()
    {
        var raw = _scorer.Logits(["@gtbank_help my transfer https://t.co/abc is stuck"]);
        var cleaned = _scorer.Logits(["@user my transfer http is stuck"]);

        Assert.Equal(cleaned[0], raw[0]);
        Assert.NotEqual(_scorer.LogitsForTokenIds([_scorer.Tokenizer.Encode("@gtbank_help my transfer https://t.co/abc is stuck", 512)])[0], raw[0]);
    }

    [Fact]
    public void Config_json_sets_the_label_order_the_token_limit_and_the_model_version()
    {
        using var temp = new TempDirectory();
        var folder = temp.Combine("exported");
        RobertaFixture.CopyModelFolder(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), """
            {"_name_or_path": "cardiffnlp/twitter-roberta-base-sentiment-latest",
             "id2label": {"0": "positive", "1": "neutral", "2": "negative"},
             "max_position_embeddings": 130}
            """);
        using var reordered = OnnxRobertaScorer.Open(folder);

        var logits = reordered.Logits(["Hello world!"])[0];
        var score = reordered.Score(["Hello world!"])[0];

        Assert.Equal(128, reordered.MaxTokens);
        Assert.Equal("onnx:twitter-roberta-base-sentiment-latest", reordered.ModelVersion);
        Assert.Equal(Math.Exp(logits[0]) / logits.Sum(l => Math.Exp(l)), score.Positive, 1e-6);
        Assert.Equal(Math.Exp(logits[2]) / logits.Sum(l => Math.Exp(l)), score.Negative, 1e-6);
    }

    [Fact]
    public void The_older_models_LABEL_0_to_2_mean_negative_neutral_positive()
    {
        using var temp = new TempDirectory();
        var folder = temp.Combine("twitter-roberta-base-sentiment");
        RobertaFixture.CopyModelFolder(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), """{"id2label": {"0": "LABEL_0", "1": "LABEL_1", "2": "LABEL_2"}, "max_position_embeddings": 514}""");

        var opened = OnnxModelFolder.Open(folder);

        Assert.Equal([SentimentLabel.Negative, SentimentLabel.Neutral, SentimentLabel.Positive], opened.LabelsByIndex);
        Assert.Equal(512, opened.MaxTokens);
        Assert.Equal("twitter-roberta-base-sentiment", opened.ModelName);
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var c = 0; c < expected.Length; c++)
        {
            Assert.True(Math.Abs(expected[c] - actual[c]) <= Tolerance, $"'{what}' class {c}: expected {expected[c]}, got {actual[c]}");
        }
    }
}
