using Pipeline.Models.Domain;
using Pipeline.Models.Sentiment;

namespace Pipeline.Models.Tests.Sentiment;

/// <summary>
/// The scorers that say <see cref="ISentimentScorer.IsThreadSafe"/> (and are then shared by all the
/// sentiment stage's lanes) give, called from several threads at once, what they give one call at a time.
/// </summary>
public sealed class ConcurrentScoringTests
{
    private static readonly string[] Texts =
    [
        "@user thank you, my reversal came in minutes. great service!",
        "@user the app crashed again and my transfer failed. so frustrating",
        "@user what is the ussd code for checking my balance?",
        "@user debited twice, no refund after 3 weeks. never again http",
        "@user branch opens at 8am on monday",
        "@user smooth transfer today, well done guys 👏",
        "@user my card was swallowed by the atm at ikeja, nobody answers",
        "",
    ];

    [Fact]
    public void The_builtin_scorer_scores_the_same_from_eight_threads_at_once_as_sequentially()
    {
        using var scorer = BuiltInSentimentScorer.Load(Path.Combine(AppContext.BaseDirectory, "models", "sentiment"));

        AssertConcurrentMatchesSequential(scorer);
    }

    [Fact]
    public void The_onnx_scorer_scores_the_same_from_eight_threads_at_once_as_sequentially()
    {
        using var scorer = OnnxRobertaScorer.Open(RobertaFixture.Folder, new OnnxScorerOptions { IntraOpThreads = 1, BatchSize = 3 });

        AssertConcurrentMatchesSequential(scorer);
    }

    private static void AssertConcurrentMatchesSequential(ISentimentScorer scorer)
    {
        Assert.True(scorer.IsThreadSafe);
        // Each thread scores its own rotation of the texts, so concurrent calls see different batches.
        var batches = Enumerable.Range(0, 8)
            .Select(t => Enumerable.Range(0, 40).Select(i => Texts[(i + t) % Texts.Length] + (i % 3 == 0 ? "" : $" #{i}")).ToArray())
            .ToArray();
        var sequential = batches.Select(b => scorer.Score(b)).ToArray();

        var concurrent = new IReadOnlyList<SentimentScore>[batches.Length][];
        using var start = new Barrier(batches.Length);
        var threads = batches.Select((batch, t) => new Thread(() =>
        {
            start.SignalAndWait();
            concurrent[t] = Enumerable.Range(0, 5).Select(_ => scorer.Score(batch)).ToArray();
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        for (var t = 0; t < batches.Length; t++)
        {
            foreach (var repeat in concurrent[t])
            {
                Assert.Equal(sequential[t], repeat);
            }
        }
    }
}
