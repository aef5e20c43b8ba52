using System.Diagnostics;
using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Storage;
using Pipeline.Models.Cleaning;
using Pipeline.Models.Domain;
using Pipeline.Models.Language;
using Pipeline.Models.Topics;
using Pipeline.Tests.Shared;

namespace Pipeline.Benchmarks;

/// <summary>
/// What the scoring stages cost: posts/s of clean → sink (the reference) against
/// clean → topic → sentiment (lexicon) → sink, and clean → topic → sentiment alone, in the same run
/// on the same server. The topic model is a small LDA trained on the synthetic tweets.
/// The language identifier's share is measured on the same posts without their platform tag (as Nitter
/// delivers them, so every post goes through detection), with detection off and on.
/// </summary>
public static class ScoringBenchmark
{
    public static async Task RunAsync(int rows, int batchSize, int parallelism)
    {
        using var system = ActorSystem.Create("bench", "akka.loglevel = WARNING");
        var materializer = system.Materializer();
        await using var postgres = await Postgres.StartAsync();
        await CompanyCatalog.SyncAsync(postgres.DataSource, SyntheticTweets.Companies);
        var fetched = DateTimeOffset.UtcNow;
        var items = SyntheticTweets.Generate(rows)
            .Select((row, i) => (SourceItem)new SourceItem.Post(new RawPost(new PostId(7_000_000_000 + i), row.Company is null ? null : new CompanyId(row.Company),
                PostSource.Import, "1", row.Author, row.Text, row.CreatedAt, row.Likes, row.Retweets, 0, 0, null, row.Lang,
                row.IsRetweet, false, fetched), "bench"))
            .ToList();
        var untagged = items.Select(i => i is SourceItem.Post p ? p with { Raw = p.Raw with { Lang = null } } : i).ToList();
        var withoutDetection = CleaningPolicy.Default with { LanguageDetection = LanguageDetectionSettings.Off };
        var withDetection = CleaningPolicy.Default;
        // Lingua's models load once per process, on first use: not part of any round.
        new LanguageIdentifier(withDetection.LanguageDetection).Warm();
        var model = TestScoring.TopicModel("bench");
        var stage = new ScoringStageSettings(batchSize, TimeSpan.FromMilliseconds(100), parallelism);
        Console.WriteLine($"{rows:N0} posts, scoring batch {batchSize}, {parallelism} parallel batches, {Environment.ProcessorCount} cores");

        var results = new List<(string Name, double Seconds)>();
        for (var round = 1; round <= 3; round++)
        {
            results.Add(("clean → sink", await RunAsync(postgres, items, withoutDetection, materializer, _ => [], toDatabase: true)));
            results.Add(("clean → topic → sentiment → sink", await RunAsync(postgres, items, withoutDetection, materializer, c => Stages(model, stage, c), toDatabase: true)));
            results.Add(("clean → topic → sentiment (no sink)", await RunAsync(postgres, items, withoutDetection, materializer, c => Stages(model, stage, c), toDatabase: false)));
            results.Add(("topic inference only (one thread)", TopicOnly(model, items, batchSize)));
            results.Add(("untagged: clean → topic → sentiment → sink", await RunAsync(postgres, untagged, withoutDetection, materializer, c => Stages(model, stage, c), toDatabase: true)));
            results.Add(("untagged: clean → language → topic → sentiment → sink", await RunAsync(postgres, untagged, withDetection, materializer, c => Stages(model, stage, c), toDatabase: true)));
            results.Add(("untagged: clean → language (no sink)", await RunAsync(postgres, untagged, withDetection, materializer, _ => [], toDatabase: false)));
            results.Add(("untagged: clean (no sink)", await RunAsync(postgres, untagged, withoutDetection, materializer, _ => [], toDatabase: false)));
        }

        var reference = results.Where(r => r.Name == "clean → sink").Min(r => r.Seconds);
        Console.WriteLine();
        Console.WriteLine($"{"what",-56} {"best s",8} {"posts/s",12} {"vs sink",8}");
        foreach (var group in results.GroupBy(r => r.Name))
        {
            var best = group.Min(r => r.Seconds);
            Console.WriteLine($"{group.Key,-56} {best,8:0.00} {rows / best,12:N0} {reference / best,8:0.00}");
        }
    }

    internal static IReadOnlyList<Flow<PipelineItem, PipelineItem, NotUsed>> Stages(TopicModel model, ScoringStageSettings stage, PipelineCounters counters)
    {
        var topics = new ModelSlot<TopicModel>(new LoadedModel<TopicModel>(model, model.Version, DateTimeOffset.UtcNow, "bench"));
        var pool = SentimentScorerPool.Create(stage.Parallelism, () => new LexiconSentimentScorer("bench"));
        var sentiment = new ModelSlot<SentimentScorerPool>(new LoadedModel<SentimentScorerPool>(pool, pool.ModelVersion, DateTimeOffset.UtcNow, "bench"));
        return [TopicStage.Create(topics, stage, counters), SentimentStage.Create(sentiment, stage, counters)];
    }

    private static async Task<double> RunAsync(Postgres postgres, List<SourceItem> items, CleaningPolicy policy, IMaterializer materializer,
        Func<PipelineCounters, IReadOnlyList<Flow<PipelineItem, PipelineItem, NotUsed>>> stages, bool toDatabase)
    {
        await using (var truncate = postgres.DataSource.CreateCommand(
            "TRUNCATE pipeline.scored_posts, pipeline.raw_posts, pipeline.drop_counts, pipeline.quarantine"))
        {
            await truncate.ExecuteNonQueryAsync();
        }

        var counters = new PipelineCounters();
        var cleaner = new PostCleaner(policy, new CompanyDirectory(SyntheticTweets.Companies));
        var stopwatch = Stopwatch.StartNew();
        if (toDatabase)
        {
            var settings = SinkSettings.Default;
            var graph = new PipelineGraph(cleaner, stages(counters), new PostgresSink(new PostStore(postgres.DataSource), settings, counters), settings, counters);
            await graph.Run(Source.From(items), materializer).Completion;
        }
        else
        {
            await Source.From(items).Clean(cleaner, counters).Score(stages(counters)).RunWith(Sink.Ignore<PipelineItem>(), materializer);
        }

        return stopwatch.Elapsed.TotalSeconds;
    }

    private static double TopicOnly(TopicModel model, List<SourceItem> items, int batchSize)
    {
        var cleaner = new PostCleaner(CleaningPolicy.Default with { LanguageDetection = LanguageDetectionSettings.Off }, new CompanyDirectory(SyntheticTweets.Companies));
        var tokens = items.OfType<SourceItem.Post>().Select(p => cleaner.Clean(p.Raw)).OfType<CleaningOutcome.Kept>().Select(k => k.Post.TopicTokens).ToList();
        var stopwatch = Stopwatch.StartNew();
        foreach (var chunk in tokens.Chunk(batchSize))
        {
            model.Classify(chunk);
        }

        return stopwatch.Elapsed.TotalSeconds;
    }
}
