using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.TestKit.Xunit;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Import;
using Pipeline.Actors.Storage;
using Pipeline.Actors.Tests.Support;
using Pipeline.Models.Domain;
using Pipeline.Tests.Shared;

namespace Pipeline.Actors.Tests.Graph;

/// <summary>File → clean → PostgreSQL through the real graph, a real actor system and a real database.</summary>
public sealed class ImportGraphSpecs(PostgresFixture postgres) : TestKit
{
    private const int Rows = 3_000;

    private static async Task<(string File, List<SyntheticTweets.Row> Rows)> WriteFileAsync(TempDirectory folder, int rows, string name = "tweets.jsonl")
    {
        var generated = SyntheticTweets.Generate(rows).ToList();
        var path = folder.Combine(name);
        if (name.EndsWith(".csv", StringComparison.Ordinal))
        {
            SyntheticTweets.WriteCsv(path, generated);
        }
        else
        {
            SyntheticTweets.WriteJsonLines(path, generated);
        }

        return await Task.FromResult((path, generated));
    }

    private async Task<PipelineCounters> ImportAsync(TestDatabase database, string file, SinkSettings? sink = null)
    {
        var counters = new PipelineCounters();
        var (_, completion) = database.Graph(counters, sink).Run(FileImportSource.FromFile(file, DateTimeOffset.UtcNow), Sys.Materializer());
        await completion.WaitAsync(TimeSpan.FromMinutes(2));
        return counters;
    }

    [Fact]
    public async Task Imported_file_is_stored_with_drops_counted_by_reason_and_visible_in_reporting_views()
    {
        using var folder = new TempDirectory();
        await using var database = await TestDatabase.CreateAsync(postgres);
        var (file, rows) = await WriteFileAsync(folder, Rows);
        var expectedKept = rows.Count(r => r.Expected is null);
        var expectedDrops = rows.Where(r => r.Expected is { } reason && reason != DropReason.DuplicateId)
            .GroupBy(r => r.Expected!.Value.ToSnakeCase()).ToDictionary(g => g.Key, g => (long)g.Count());
        var duplicates = rows.Count(r => r.Expected == DropReason.DuplicateId);

        var counters = await ImportAsync(database, file);

        Assert.True(duplicates > 0 && expectedDrops.Count >= 5, "the generated file exercises every rule");
        Assert.Equal(Rows, counters.Read);
        Assert.Equal(Rows - duplicates, await database.CountAsync("SELECT count(*) FROM pipeline.raw_posts"));
        Assert.Equal(expectedKept, await database.CountAsync("SELECT count(*) FROM pipeline.raw_posts WHERE drop_reason IS NULL"));
        Assert.Equal(expectedKept, await database.CountAsync("SELECT count(*) FROM pipeline.scored_posts"));
        Assert.Equal(expectedDrops, await database.DropCountsAsync());
        Assert.Equal(duplicates, counters.Dropped[DropReason.DuplicateId]);
        Assert.Equal(expectedKept, await database.CountAsync("SELECT count(*) FROM reporting.posts"));
        Assert.Equal(expectedKept, await database.CountAsync("SELECT sum(posts) FROM reporting.daily_counts"));
        Assert.Equal(expectedKept, await database.CountAsync("SELECT sum(posts) FROM reporting.weekly_counts"));
        Assert.Equal(0, await database.CountAsync("SELECT count(*) FROM reporting.posts WHERE company IS NULL OR text = ''"));
        Assert.Equal(expectedDrops.Values.Sum(), await database.CountAsync("SELECT sum(posts) FROM reporting.drop_counts"));
    }

    [Fact]
    public async Task Importing_the_same_file_twice_stores_the_same_rows_and_counts()
    {
        using var folder = new TempDirectory();
        await using var database = await TestDatabase.CreateAsync(postgres);
        var (file, _) = await WriteFileAsync(folder, 1_000, "tweets.csv");

        var first = await ImportAsync(database, file);
        var rawAfterFirst = await database.CountAsync("SELECT count(*) FROM pipeline.raw_posts");
        var dropsAfterFirst = await database.DropCountsAsync();
        var second = await ImportAsync(database, file);

        Assert.True(first.NewPosts > 0);
        Assert.Equal(0, second.NewPosts);
        Assert.Equal(rawAfterFirst, await database.CountAsync("SELECT count(*) FROM pipeline.raw_posts"));
        Assert.Equal(first.Kept, await database.CountAsync("SELECT count(*) FROM pipeline.scored_posts"));
        Assert.Equal(dropsAfterFirst, await database.DropCountsAsync());
    }

    [Fact]
    public async Task Import_that_failed_mid_file_run_again_through_the_same_graph_stores_every_row_once()
    {
        using var folder = new TempDirectory();
        await using var database = await TestDatabase.CreateAsync(postgres);
        var (file, rows) = await WriteFileAsync(folder, Rows);
        var duplicates = rows.Count(r => r.Expected == DropReason.DuplicateId);
        var expectedDrops = rows.Where(r => r.Expected is { } reason && reason != DropReason.DuplicateId)
            .GroupBy(r => r.Expected!.Value.ToSnakeCase()).ToDictionary(g => g.Key, g => (long)g.Count());
        var expectedIds = rows.Select(r => r.Id).Distinct().Order().ToList();

        // A stage after cleaning that throws once, halfway through the file and after a first batch is
        // committed: the posts cleaned since that batch are lost with the failed graph.
        var firstCommit = new TaskCompletionSource();
        var passed = 0;
        var failures = 0;
        var failing = Flow.Create<PipelineItem>().SelectAsync(1, async item =>
        {
            if (Interlocked.Increment(ref passed) == Rows / 2 && Interlocked.Increment(ref failures) == 1)
            {
                await firstCommit.Task;
                throw new InvalidOperationException("a stage failed mid-file");
            }

            return item;
        });
        var counters = new PipelineCounters();
        var graph = database.Graph(counters, scoring: [failing]);

        var (_, failed) = graph.Run(FileImportSource.FromFile(file, DateTimeOffset.UtcNow), Sys.Materializer(),
            _ => firstCommit.TrySetResult());
        var error = await Assert.ThrowsAnyAsync<Exception>(() => failed.WaitAsync(TimeSpan.FromMinutes(2)));
        Assert.Equal("a stage failed mid-file", error.GetBaseException().Message);
        var storedBeforeRetry = await database.CountAsync("SELECT count(*) FROM pipeline.raw_posts");
        Assert.InRange(storedBeforeRetry, 1, expectedIds.Count - 1);

        var (_, retried) = graph.Run(FileImportSource.FromFile(file, DateTimeOffset.UtcNow), Sys.Materializer());
        await retried.WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(expectedIds, await StoredPosts.IdsAsync(database.DataSource));
        Assert.Equal(rows.Count(r => r.Expected is null), await database.CountAsync("SELECT count(*) FROM pipeline.scored_posts"));
        Assert.Equal(expectedDrops, await database.DropCountsAsync());
        Assert.Equal(expectedIds.Count, rows.Count - duplicates);
    }

    [Fact]
    public async Task Malformed_lines_are_quarantined_with_file_and_line_and_their_neighbours_are_stored()
    {
        using var folder = new TempDirectory();
        await using var database = await TestDatabase.CreateAsync(postgres);
        var csv = folder.Combine("broken.csv");
        await File.WriteAllLinesAsync(csv,
        [
            "id,created_at,text,username,bank",
            "101,2023-02-01 10:00:00+00:00,\"@gtbank my transfer failed since morning\",ada,gtbank",
            "102,2023-02-01 10:01:00+00:00,\"@gtbank the \"app\" is down\" again,tunde,gtbank",
            "103,2023-02-01 10:02:00+00:00,\"@opay_ng thank you for the quick reversal\",kemi,opay",
        ]);
        var jsonl = folder.Combine("broken.jsonl");
        await File.WriteAllLinesAsync(jsonl,
        [
            """{"id": "201", "text": "@kudabank card declined at the POS", "created_at": "2023-02-01T10:00:00Z", "username": "emeka"}""",
            """{"id": "202", "text": "@kudabank broken json, "created_at": }""",
            """{"id": "203", "text": "@kudabank money still not reversed", "created_at": "2023-02-01T10:05:00Z", "username": "fola"}""",
        ]);

        await ImportAsync(database, csv);
        await ImportAsync(database, jsonl);

        Assert.Equal([101L, 103L, 201L, 203L],
            await StoredPosts.IdsAsync(database.DataSource));
        var quarantined = await database.QuarantineAsync();
        Assert.Equal(2, quarantined.Count);
        Assert.StartsWith("broken.csv:3", quarantined[0].Location);
        Assert.Contains("broken.jsonl:2", quarantined[1].Location);
        Assert.All(quarantined, q => Assert.False(string.IsNullOrWhiteSpace(q.Error)));
        Assert.Contains("broken json", quarantined[1].Payload);
    }

    [Fact]
    public async Task File_without_an_id_column_fails_the_import_with_the_column_named()
    {
        using var folder = new TempDirectory();
        await using var database = await TestDatabase.CreateAsync(postgres);
        var csv = folder.Combine("no-id.csv");
        await File.WriteAllLinesAsync(csv, ["date,tweet,user", "2023-02-01,@gtbank hello,ada"]);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => ImportAsync(database, csv));

        var fileError = Assert.IsType<PostFileException>(error.GetBaseException());
        Assert.Contains("no-id.csv:1", fileError.Message);
        Assert.Contains("id", fileError.Message);
        Assert.Equal(0, await database.CountAsync("SELECT count(*) FROM pipeline.raw_posts"));
    }
}
