using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.TestKit.Xunit;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Tests.Support;
using Pipeline.Models.Cleaning;
using Pipeline.Models.Domain;

namespace Pipeline.Actors.Tests.Graph;

/// <summary>
/// The clean stage's guard and its failure isolation, through the real graph (<see cref="PipelineGraph.Run"/>), a real
/// actor system and a real database: what any source delivers is made storable, cut, or quarantined, never fatal.
/// </summary>
public sealed class CleanStageSpecs(PostgresFixture postgres) : TestKit
{
    private static readonly DateTimeOffset Today = new(2024, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly string High = ((char)0xD800).ToString();
    private static readonly string Low = ((char)0xDC00).ToString();

    private static RawPost Raw(long id, string text, DateTimeOffset? created = null) => new(
        new PostId(id), new CompanyId("gtbank"), PostSource.Import, "7", "ada", text, created ?? Today.AddDays(-1),
        0, 0, 0, 0, null, "en", false, false, Today);

    private async Task<PipelineCounters> RunAsync(TestDatabase database, IEnumerable<SourceItem> items, InputLimits? limits = null)
    {
        var counters = new PipelineCounters();
        var graph = database.Graph(counters) with { Guard = new PostGuard(limits ?? InputLimits.Default, new FixedClock(Today)) };
        var (_, completion) = graph.Run(Source.From(items.ToList()), Sys.Materializer());
        await completion.WaitAsync(TimeSpan.FromMinutes(1));
        return counters;
    }

    [Fact]
    public async Task Lone_surrogates_nul_and_an_overlong_text_are_stored_repaired_and_cut_and_counted()
    {
        await using var database = await TestDatabase.CreateAsync(postgres);
        var overlong = "@gtbank " + new string('x', 31) + "😡" + " and the rest of a very long complaint";
        SourceItem[] items =
        [
            new SourceItem.Post(Raw(1, $"@gtbank transfer failed {High}"), "t.jsonl:1"),
            new SourceItem.Post(Raw(2, "@gtbank card blocked") with { AuthorHandle = "ada" + Low, Url = "https://x.com/" + High }, "t.jsonl:2"),
            new SourceItem.Post(Raw(3, "@gtbank app\0 down"), "t.jsonl:3"),
            new SourceItem.Post(Raw(4, overlong), "t.jsonl:4"),
            new SourceItem.Post(Raw(5, "@gtbank thank you"), "t.jsonl:5"),
        ];

        var counters = await RunAsync(database, items, InputLimits.Default with { MaxTextLength = 40 });

        Assert.Equal(5, await database.CountAsync("SELECT count(*) FROM pipeline.scored_posts"));
        Assert.Equal(1, await database.CountAsync("SELECT count(*) FROM pipeline.raw_posts WHERE post_id = 1 AND text = '@gtbank transfer failed \uFFFD'"));
        Assert.Equal(1, await database.CountAsync("SELECT count(*) FROM pipeline.raw_posts WHERE post_id = 2 AND author_handle = 'ada\uFFFD' AND url = 'https://x.com/\uFFFD'"));
        Assert.Equal(1, await database.CountAsync("SELECT count(*) FROM pipeline.raw_posts WHERE post_id = 3 AND text = '@gtbank app down'"));
        // 40 units would end inside the emoji: the cut leaves the whole pair out.
        Assert.Equal([[overlong[..39]]], await database.RowsAsync("SELECT text FROM pipeline.raw_posts WHERE post_id = 4"));
        Assert.Equal((2L, 1L), (counters.RepairedText, counters.TruncatedText));
        Assert.Empty(await database.QuarantineAsync());
    }

    [Fact]
    public async Task Posts_dated_outside_the_limits_are_quarantined_with_location_and_setting_and_their_pages_still_acknowledged()
    {
        await using var database = await TestDatabase.CreateAsync(postgres);
        var scraper = CreateTestProbe();
        var ack = new PageAck(scraper.Ref, 1);
        SourceItem[] items =
        [
            new SourceItem.Post(Raw(1, "@gtbank my transfer failed", new DateTimeOffset(1, 1, 1, 0, 0, 0, TimeSpan.Zero)), "page-1#1", ack),
            new SourceItem.Post(Raw(2, "@gtbank my transfer failed", new DateTimeOffset(9999, 12, 31, 0, 0, 0, TimeSpan.Zero)), "page-1#2", ack),
            new SourceItem.Post(Raw(3, "@gtbank my transfer failed", DateTimeOffset.MaxValue), "page-1#3", ack),
            new SourceItem.Post(Raw(4, "@gtbank my transfer failed", Today.AddDays(2)), "page-1#4", ack),
            new SourceItem.Post(Raw(5, "@gtbank my transfer failed"), "page-1#5", ack),
        ];

        var counters = await RunAsync(database, items);

        var acknowledged = 0;
        while (acknowledged < items.Length)
        {
            acknowledged += scraper.ExpectMsg<ItemsCommitted>(TimeSpan.FromSeconds(10)).Count;
        }

        Assert.Equal([[5L]], await database.RowsAsync("SELECT post_id FROM pipeline.raw_posts"));
        var quarantined = await database.RowsAsync("SELECT location, error, source, post_id, payload IS NOT NULL FROM pipeline.quarantine ORDER BY post_id");
        Assert.Equal(["page-1#1", "page-1#2", "page-1#3", "page-1#4"], quarantined.Select(q => (string)q[0]!));
        Assert.All(quarantined, q => Assert.Equal(PipelineStages.CleanStage, q[2]));
        Assert.All(quarantined, q => Assert.Equal(true, q[4]));
        Assert.Contains("0001-01-01", (string)quarantined[0][1]!);
        Assert.Contains("pipeline.limits.earliest-date", (string)quarantined[0][1]!);
        Assert.All(quarantined.Skip(1), q => Assert.Contains("pipeline.limits.future-tolerance", (string)q[1]!));
        Assert.Equal((4L, 1L), (counters.Quarantined, counters.Kept));
        Assert.Equal(4L, counters.QuarantinedBySource[PipelineStages.CleanStage]);
    }

    [Fact]
    public async Task A_post_the_clean_stage_throws_on_is_quarantined_with_its_error_and_the_stream_goes_on()
    {
        await using var database = await TestDatabase.CreateAsync(postgres);
        var scraper = CreateTestProbe();
        // A source's bug: no handle where every post has one.
        var broken = Raw(2, "@gtbank my transfer failed") with { AuthorHandle = null! };
        SourceItem[] items =
        [
            new SourceItem.Post(Raw(1, "@gtbank my transfer failed"), "page-1#1", new PageAck(scraper.Ref, 1)),
            new SourceItem.Post(broken, "page-1#2", new PageAck(scraper.Ref, 1)),
            new SourceItem.Post(Raw(3, "@gtbank thank you"), "page-1#3", new PageAck(scraper.Ref, 1)),
        ];

        var counters = await RunAsync(database, items);

        var acknowledged = 0;
        while (acknowledged < items.Length)
        {
            acknowledged += scraper.ExpectMsg<ItemsCommitted>(TimeSpan.FromSeconds(10)).Count;
        }

        Assert.Equal([[1L], [3L]], await database.RowsAsync("SELECT post_id FROM pipeline.scored_posts ORDER BY 1"));
        var entry = Assert.Single(await database.QuarantineAsync());
        Assert.Equal("page-1#2", entry.Location);
        Assert.Contains("cleaning failed: ArgumentNullException", entry.Error);
        Assert.Contains("\"Id\":{\"Value\":2}", entry.Payload);
        Assert.Equal(1, await database.CountAsync("SELECT count(*) FROM pipeline.quarantine WHERE source = 'clean' AND post_id = 2 AND company_id = 'gtbank'"));
        Assert.Equal((1L, 2L), (counters.Quarantined, counters.Kept));
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
