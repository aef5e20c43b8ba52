using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.TestKit.Xunit;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Import;
using Pipeline.Actors.Storage;
using Pipeline.Actors.Tests.Support;
using Pipeline.Models.Cleaning;
using Pipeline.Models.Domain;
using Pipeline.Models.Topics;

namespace Pipeline.Actors.Tests.Graph;

/// <summary>clean → topic → sentiment → PostgreSQL with real (small) models, a real actor system and a real database.</summary>
public sealed class ScoringStageSpecs(PostgresFixture postgres) : TestKit
{
    private static readonly ScoringStageSettings Batches = new(64, TimeSpan.FromMilliseconds(20), 2);

    private static LoadedModel<T> Loaded<T>(T model, string version) where T : class => new(model, version, DateTimeOffset.UtcNow, "test");

    private static (ModelSlot<TopicModel> Topics, ModelSlot<SentimentScorerPool> Sentiment) Slots(TopicModel topics, LexiconSentimentScorer sentiment) =>
        (new ModelSlot<TopicModel>(Loaded(topics, topics.Version)),
         new ModelSlot<SentimentScorerPool>(Loaded(new SentimentScorerPool([sentiment]), sentiment.ModelVersion)));

    private static IReadOnlyList<Flow<PipelineItem, PipelineItem, Akka.NotUsed>> Stages(
        (ModelSlot<TopicModel> Topics, ModelSlot<SentimentScorerPool> Sentiment) slots, PipelineCounters counters) =>
        [TopicStage.Create(slots.Topics, Batches, counters), SentimentStage.Create(slots.Sentiment, Batches, counters)];

    private async Task<PipelineCounters> RunAsync(TestDatabase database, Source<SourceItem, Akka.NotUsed> source,
        (ModelSlot<TopicModel>, ModelSlot<SentimentScorerPool>) slots)
    {
        var counters = new PipelineCounters();
        var (_, completion) = database.Graph(counters, scoring: Stages(slots, counters)).Run(source, Sys.Materializer());
        await completion.WaitAsync(TimeSpan.FromMinutes(2));
        return counters;
    }

    private static RawPost Raw(long id, string text) => new(
        new PostId(id), new CompanyId("gtbank"), PostSource.Import, null, "ada", text,
        new DateTimeOffset(2024, 3, 1, 10, 0, 0, TimeSpan.Zero), 0, 0, 0, 0, null, "en", false, false, DateTimeOffset.UtcNow);

    [Fact]
    public async Task Scored_posts_are_stored_with_topic_distribution_sentiment_and_model_versions_and_labels_show_in_reporting_views()
    {
        using var folder = new TempDirectory();
        await using var database = await TestDatabase.CreateAsync(postgres);
        var file = folder.Combine("tweets.jsonl");
        var rows = SyntheticTweets.Generate(1_200).ToList();
        SyntheticTweets.WriteJsonLines(file, rows);
        var model = TestScoring.TopicModel("lda-test-1");
        await TopicCatalogStore.PublishAsync(database.DataSource, model.Catalog);

        var counters = await RunAsync(database, FileImportSource.FromFile(file, DateTimeOffset.UtcNow), Slots(model, new LexiconSentimentScorer("lexicon-1")));

        var kept = rows.Count(r => r.Expected is null);
        Assert.Equal(kept, await database.CountAsync("SELECT count(*) FROM pipeline.scored_posts"));
        Assert.Equal(kept, await database.CountAsync(
            "SELECT count(*) FROM pipeline.scored_posts WHERE topic_model_version = 'lda-test-1' AND sentiment_model_version = 'lexicon-1' AND scored_at IS NOT NULL"));
        Assert.Equal(kept, await database.CountAsync($"SELECT count(*) FROM pipeline.scored_posts WHERE cardinality(topic_distribution) = {TestScoring.TopicCount}"));
        // Classified posts carry the probability of their topic, read from their own distribution.
        Assert.Equal(0, await database.CountAsync("""
            SELECT count(*) FROM pipeline.scored_posts
            WHERE topic_id <> -1 AND abs(topic_confidence - topic_distribution[topic_id - 10 + 1]) > 1e-6
            """));
        Assert.True(await database.CountAsync("SELECT count(DISTINCT topic_id) FROM pipeline.scored_posts WHERE topic_id >= 10") >= 2,
            "posts spread over more than one topic");
        Assert.Equal(0, await database.CountAsync("SELECT count(*) FROM pipeline.scored_posts WHERE sentiment_label IS NULL OR p_positive IS NULL"));

        // The "must show": every post's topic label in the reporting views, from the published catalog.
        Assert.Equal(kept, await database.CountAsync("""
            SELECT count(*) FROM reporting.posts p
            JOIN reporting.topics t ON t.model_version = p.topic_model_version AND t.topic_id = p.topic_id
            WHERE p.topic_label = t.label AND p.topic_distribution IS NOT NULL
            """));
        Assert.Equal(TestScoring.TopicCount + 1, await database.CountAsync("SELECT count(*) FROM reporting.topics WHERE model_version = 'lda-test-1' AND is_latest"));
        Assert.Equal(1, await database.CountAsync("SELECT count(*) FROM reporting.topics WHERE topic_id = -1 AND label = 'Unclassified' AND share IS NULL"));
        Assert.Equal(0, await database.CountAsync("SELECT count(*) FROM reporting.topics WHERE topic_id >= 10 AND (top_words = '' OR share IS NULL)"));
        Assert.Equal(kept, await database.CountAsync("SELECT sum(posts) FROM reporting.weekly_counts WHERE topic_label IS NOT NULL"));

        Assert.Equal(kept, counters.Stages[TopicStage.Name].Scored);
        Assert.Equal(kept, counters.Stages[SentimentStage.Name].Scored);
        Assert.Equal(0, counters.Stages[SentimentStage.Name].Failed);
        Assert.Equal(rows.Count, counters.CommittedItems);
    }

    [Fact]
    public async Task Posts_without_a_known_token_or_below_the_threshold_are_stored_as_unclassified()
    {
        await using var database = await TestDatabase.CreateAsync(postgres);
        // Top words of every topic in one post: its strongest topic stays well short of certain; the
        // threshold is put just above it, so that post is Unclassified for being below it.
        PostCleaner Cleaner() => new(CleaningPolicy.Default, new CompanyDirectory(SyntheticTweets.Companies));
        var probe = TestScoring.TopicModel("probe");
        var (mixed, top) = Enumerable.Range(1, 5)
            .Select(n => Raw(2, "@gtbank " + string.Join(' ', probe.Catalog.Topics.SelectMany(t => t.TopWords.Take(n)).Select(w => w.Word).Distinct())))
            .Select(raw => (Raw: raw, Top: probe.Lda.Infer(Assert.IsType<CleaningOutcome.Kept>(Cleaner().Clean(raw)).Post.TopicTokens).Max()))
            .MinBy(c => c.Top);
        Assert.InRange(top, 0.01f, 0.9f);
        var strict = TestScoring.TopicModel("lda-strict", threshold: (top + 1.0) / 2);
        await TopicCatalogStore.PublishAsync(database.DataSource, strict.Catalog);
        Source<SourceItem, Akka.NotUsed> items = Source.From<SourceItem>(
        [
            new SourceItem.Post(Raw(1, "@gtbank xylophone quixotic zephyr"), "t:1"),
            new SourceItem.Post(mixed, "t:2"),
        ]);

        await RunAsync(database, items, Slots(strict, new LexiconSentimentScorer()));

        var rows = await database.RowsAsync("SELECT post_id, topic_id, topic_label, topic_confidence FROM reporting.posts ORDER BY post_id");
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Equal((-1, "Unclassified"), ((int)r[1]!, (string)r[2]!)));
        Assert.Equal(0f, (float)rows[0][3]!);
        Assert.Equal(top, (float)rows[1][3]!);
        Assert.Equal(2, await database.CountAsync(
            "SELECT count(*) FROM pipeline.scored_posts WHERE topic_model_version = 'lda-strict' AND topic_distribution IS NOT NULL"));
        Assert.Equal(1, await database.CountAsync("SELECT count(*) FROM pipeline.scored_posts WHERE post_id = 1 AND topic_distribution = '{0,0,0}'"));
    }

    [Fact]
    public async Task A_post_the_scorer_fails_on_is_quarantined_with_its_error_and_the_rest_of_its_batch_is_stored_and_acknowledged()
    {
        await using var database = await TestDatabase.CreateAsync(postgres);
        var probe = CreateTestProbe();
        var texts = Enumerable.Range(0, 40).Select(i => i == 17 ? $"@gtbank POISON transfer failed ({i})" : $"@gtbank my transfer failed again ({i})").ToList();
        Source<SourceItem, Akka.NotUsed> items = Source.From(texts.Select((text, i) =>
            (SourceItem)new SourceItem.Post(Raw(100 + i, text), $"page-1#{i}", new PageAck(probe.Ref, 1))));
        var scorer = new LexiconSentimentScorer(failOn: "POISON");

        var counters = await RunAsync(database, items, Slots(TestScoring.TopicModel("lda-test-1"), scorer));

        var acknowledged = 0;
        while (acknowledged < texts.Count)
        {
            acknowledged += probe.ExpectMsg<ItemsCommitted>(TimeSpan.FromSeconds(10)).Count;
        }

        Assert.Equal(texts.Count, acknowledged);
        Assert.Equal(texts.Count - 1, await database.CountAsync("SELECT count(*) FROM pipeline.scored_posts WHERE sentiment_label IS NOT NULL AND topic_id IS NOT NULL"));
        // Not scored, not lost: the raw row says which stage failed, so the post can be scored again.
        Assert.Equal([[117L, "sentiment"]], await database.RowsAsync("SELECT post_id, failed_stage FROM pipeline.raw_posts WHERE failed_stage IS NOT NULL"));
        Assert.Equal(0, await database.CountAsync("SELECT count(*) FROM pipeline.scored_posts WHERE post_id = 117"));
        var quarantined = Assert.Single(await database.QuarantineAsync());
        Assert.Equal("sentiment:page-1#17", quarantined.Location);
        Assert.Contains("cannot read 'POISON'", quarantined.Error);
        Assert.Contains("117", quarantined.Error);
        Assert.Equal("@user POISON transfer failed (17)", quarantined.Payload);
        Assert.Equal(1, await database.CountAsync("SELECT count(*) FROM pipeline.quarantine WHERE source = 'sentiment' AND post_id = 117 AND company_id = 'gtbank'"));
        Assert.Equal((texts.Count - 1L, 1L), (counters.Stages[SentimentStage.Name].Scored, counters.Stages[SentimentStage.Name].Failed));
        Assert.True(counters.Stages[SentimentStage.Name].BatchRetries >= 1);
        Assert.Equal((texts.Count - 1L, 1L), (counters.Kept, counters.Quarantined));
        Assert.Equal(1L, counters.UnscoredRows[SentimentStage.Name]);
    }

    [Fact]
    public async Task A_stage_that_cannot_score_a_batch_at_all_quarantines_its_posts_keeping_their_raw_rows_and_the_stream_goes_on()
    {
        await using var database = await TestDatabase.CreateAsync(postgres);
        var probe = CreateTestProbe();
        var counters = new PipelineCounters();
        using var slot = new ModelSlot<object>(Loaded(new object(), "broken-1"));
        var calls = 0;
        // The first batch's scorer cannot even be made; later batches score.
        var stage = BatchScoring.Create<object>("broken", new ScoringStageSettings(10, TimeSpan.FromSeconds(5), 1), slot,
            _ => Interlocked.Increment(ref calls) == 1 ? throw new InvalidOperationException("no scorer for this model") : posts => posts,
            post => post.Text, counters);
        Source<SourceItem, Akka.NotUsed> items = Source.From(Enumerable.Range(0, 20).Select(i =>
            (SourceItem)new SourceItem.Post(Raw(300 + i, $"@gtbank my transfer failed ({i})"), $"page-1#{i}", new PageAck(probe.Ref, 1))));

        var (_, completion) = database.Graph(counters, scoring: [stage]).Run(items, Sys.Materializer());
        await completion.WaitAsync(TimeSpan.FromMinutes(1));

        var acknowledged = 0;
        while (acknowledged < 20)
        {
            acknowledged += probe.ExpectMsg<ItemsCommitted>(TimeSpan.FromSeconds(10)).Count;
        }

        Assert.Equal(10, await database.CountAsync("SELECT count(*) FROM pipeline.scored_posts"));
        Assert.Equal(10, await database.CountAsync("SELECT count(*) FROM pipeline.raw_posts WHERE failed_stage = 'broken'"));
        Assert.Equal(10, await database.CountAsync("SELECT count(*) FROM pipeline.quarantine WHERE source = 'broken' AND error LIKE '%no scorer for this model%'"));
        Assert.Equal((10L, 10L), (counters.Stages["broken"].Scored, counters.Stages["broken"].Failed));
        Assert.Equal((10L, 10L), (counters.Kept, counters.Quarantined));
    }

    [Fact]
    public async Task Publishing_a_relabelled_catalog_changes_the_label_the_views_show_without_rescoring()
    {
        using var folder = new TempDirectory();
        await using var database = await TestDatabase.CreateAsync(postgres);
        var file = folder.Combine("tweets.jsonl");
        SyntheticTweets.WriteJsonLines(file, SyntheticTweets.Generate(300));
        var model = TestScoring.TopicModel("lda-test-1");
        await TopicCatalogStore.PublishAsync(database.DataSource, model.Catalog);
        await RunAsync(database, FileImportSource.FromFile(file, DateTimeOffset.UtcNow), Slots(model, new LexiconSentimentScorer()));
        var topic = (int)(await database.RowsAsync("SELECT topic_id FROM pipeline.scored_posts WHERE topic_id >= 10 GROUP BY topic_id ORDER BY count(*) DESC LIMIT 1"))[0][0]!;
        var posts = await database.CountAsync($"SELECT count(*) FROM pipeline.scored_posts WHERE topic_id = {topic}");

        var relabelled = model.Catalog with
        {
            Topics = model.Catalog.Topics.Select(t => t.Id == topic ? t with { Label = "Failed transfers" } : t).ToList(),
        };
        await TopicCatalogStore.PublishAsync(database.DataSource, relabelled);

        Assert.Equal(posts, await database.CountAsync("SELECT count(*) FROM reporting.posts WHERE topic_label = 'Failed transfers'"));
        Assert.Equal(posts, await database.CountAsync("SELECT sum(posts) FROM reporting.daily_counts WHERE topic_label = 'Failed transfers'"));
        Assert.Equal(posts, await database.CountAsync("SELECT sum(posts) FROM reporting.weekly_counts WHERE topic_label = 'Failed transfers'"));
        Assert.Equal(1, await database.CountAsync("SELECT count(*) FROM reporting.topics WHERE label = 'Failed transfers'"));
        Assert.Equal(posts, await database.CountAsync($"SELECT count(*) FROM pipeline.scored_posts WHERE topic_label = 'Topic {topic}'"));
    }

    [Fact]
    public void A_batch_keeps_its_order_and_passes_items_that_are_not_posts_through_untouched()
    {
        var counters = new PipelineCounters();
        var dropped = new PipelineItem.Dropped(Raw(2, "spam"), new CompanyId("gtbank"), DropReason.Spam, "t:2");
        var unreadable = new PipelineItem.Quarantined(new QuarantineEntry("import", "t:4", "bad line", "{"));
        PipelineItem Kept(long id, string text) => new PipelineItem.Scored(
            new ScoredPost(new CleanedPost(Raw(id, text), new CompanyId("gtbank"), text, text, [])), $"t:{id}");
        var batch = new[] { Kept(1, "thank you"), dropped, Kept(3, "POISON"), unreadable, Kept(5, "terrible") };

        var result = BatchScoring.ScoreAll(SentimentStage.Name, batch, SentimentStage.Scorer(new LexiconSentimentScorer(failOn: "POISON")), p => p.SentimentText, counters);

        Assert.Equal(["t:1", "t:2", "sentiment:t:3", "t:4", "t:5"], result.Select(i => i.Location));
        Assert.Same(dropped, result[1]);
        Assert.Same(unreadable, result[3]);
        Assert.Equal(SentimentLabel.Positive, ((PipelineItem.Scored)result[0]).Post.Sentiment!.Label);
        Assert.Equal(SentimentLabel.Negative, ((PipelineItem.Scored)result[4]).Post.Sentiment!.Label);
        Assert.Equal("POISON", ((PipelineItem.Quarantined)result[2]).Entry.Payload);
        Assert.Equal(new PostId(3), ((PipelineItem.Quarantined)result[2]).Unscored!.Raw.Id);
    }
}
