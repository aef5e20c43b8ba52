using Pipeline.Models.Topics;

namespace Pipeline.Models.Tests.Topics;

public sealed class LdaTrainerTests
{
    private static readonly string[] CardWords = ["card", "atm", "pin", "blocked", "swallowed", "machine"];
    private static readonly string[] TransferWords = ["transfer", "reversal", "debit", "pending", "beneficiary", "credited"];

    private static readonly LdaSettings TwoTopics = new()
    {
        NumberOfTopics = 2,
        Iterations = 100,
        AlphaSum = 0.2f,
        Beta = 0.05f,
        SummaryTermsPerTopic = 6,
        Seed = 7,
    };

    // Two themes that never share a word: any working LDA must put them in different topics.
    private static IReadOnlyList<IReadOnlyList<string>> TwoThemeCorpus()
    {
        var random = new Random(11);
        return Enumerable.Range(0, 200)
            .Select(i => i % 2 == 0 ? CardWords : TransferWords)
            .Select(words => (IReadOnlyList<string>)Enumerable.Range(0, 8).Select(_ => words[random.Next(words.Length)]).ToArray())
            .ToArray();
    }

    [Fact]
    public void Same_corpus_and_seed_give_the_same_topics_and_the_same_inference()
    {
        var corpus = TwoThemeCorpus();

        var first = LdaTrainer.Train(corpus, TwoTopics);
        var second = LdaTrainer.Train(corpus, TwoTopics);

        Assert.Equal(first.Topics.Select(t => t.Words), second.Topics.Select(t => t.Words));
        Assert.Equal(first.Topics.Select(t => t.Weights), second.Topics.Select(t => t.Weights));
        string[] probe = ["card", "pin", "transfer"];
        Assert.Equal(first.Infer(probe), second.Infer(probe));
    }

    [Fact]
    public void Two_obvious_themes_land_in_two_topics()
    {
        var model = LdaTrainer.Train(TwoThemeCorpus(), TwoTopics);

        var cardTopic = model.Topics.Single(t => t.Words.Take(3).All(CardWords.Contains));
        var transferTopic = model.Topics.Single(t => t.Words.Take(3).All(TransferWords.Contains));
        Assert.NotEqual(cardTopic.Id, transferTopic.Id);
        Assert.Equal(0.5, cardTopic.DocumentShare, 0.05);

        var card = model.Infer(["atm", "swallowed", "card", "pin"]);
        var transfer = model.Infer(["transfer", "reversal", "pending", "debit"]);
        Assert.True(card[cardTopic.Id] > 0.8f, $"card distribution: {string.Join(", ", card)}");
        Assert.True(transfer[transferTopic.Id] > 0.8f, $"transfer distribution: {string.Join(", ", transfer)}");
    }

    [Fact]
    public void Batch_inference_agrees_with_single_inference()
    {
        var corpus = TwoThemeCorpus();
        var model = LdaTrainer.Train(corpus, TwoTopics);

        var batch = model.InferBatch(corpus.Take(10).ToArray());

        Assert.Equal(corpus.Take(10).Select(model.Infer), batch);
    }

    [Fact]
    public void A_batch_larger_than_the_engine_batch_size_infers_the_same_as_engine_sized_batches()
    {
        var corpus = TwoThemeCorpus();
        var model = LdaTrainer.Train(corpus, TwoTopics);
        var documents = Enumerable.Range(0, LdaModel.CursorBatchSize + 1).Select(i => corpus[i % corpus.Count]).ToArray();

        var throughCursor = model.InferBatch(documents);
        var throughEngines = documents.Chunk(LdaModel.CursorBatchSize).SelectMany(model.InferBatch).ToArray();

        Assert.Equal(throughEngines, throughCursor);
    }

    [Fact]
    public void Batches_inferred_at_the_same_time_from_several_threads_get_the_same_distributions_as_one_after_another()
    {
        var corpus = TwoThemeCorpus();
        var model = LdaTrainer.Train(corpus, TwoTopics);
        var batches = corpus.Chunk(25).ToArray();
        var sequential = batches.Select(model.InferBatch).ToArray();

        var concurrent = new IReadOnlyList<float[]>[batches.Length];
        Parallel.For(0, batches.Length * 20, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            var result = model.InferBatch(batches[i % batches.Length]);
            if (i < batches.Length)
            {
                concurrent[i] = result;
            }
            else
            {
                Assert.Equal(sequential[i % batches.Length], result);
            }
        });

        Assert.Equal(sequential, concurrent);
    }

    [Fact]
    public void Empty_and_unknown_documents_infer_without_crashing_and_with_k_entries()
    {
        var model = LdaTrainer.Train(TwoThemeCorpus(), TwoTopics);

        var empty = model.Infer([]);
        var unknown = model.Infer(["zzz", "qqq"]);

        Assert.Equal(2, empty.Length);
        Assert.Equal(2, unknown.Length);
        // ML.NET gives a document with no known token all zeros, never a uniform vector, so
        // TopicDecision can tell it apart from a genuinely undecided one.
        Assert.All(empty, p => Assert.Equal(0f, p));
        Assert.All(unknown, p => Assert.Equal(0f, p));
    }
}
