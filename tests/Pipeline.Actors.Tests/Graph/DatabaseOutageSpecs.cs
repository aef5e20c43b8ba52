using Akka.Streams;
using Akka.TestKit.Xunit;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Import;
using Pipeline.Actors.Storage;
using Pipeline.Actors.Tests.Support;
using Pipeline.Models.Domain;
using Pipeline.Tests.Shared;

namespace Pipeline.Actors.Tests.Graph;

/// <summary>The database goes away in the middle of an import and comes back.</summary>
public sealed class DatabaseOutageSpecs(PostgresFixture postgres) : TestKit
{
    [Fact]
    public async Task Database_stopped_mid_import_and_restarted_ends_with_every_row_stored_exactly_once()
    {
        using var folder = new TempDirectory();
        // Large enough that the import is still running when the database goes down, even on a fast machine.
        var rows = SyntheticTweets.Generate(100_000).ToList();
        var file = folder.Combine("tweets.jsonl");
        SyntheticTweets.WriteJsonLines(file, rows);
        var server = await postgres.StartDedicatedServerAsync();
        await using var database = await TestDatabase.PrepareAsync(server.ConnectionString);

        var counters = new PipelineCounters();
        var sink = SinkSettings.Default with
        {
            BatchSize = 250,
            MaxWait = TimeSpan.FromMilliseconds(20),
            MinBackoff = TimeSpan.FromMilliseconds(50),
            MaxBackoff = TimeSpan.FromMilliseconds(400),
        };
        var someCommitted = new TaskCompletionSource();
        var (_, completion) = database.Graph(counters, sink).Run(
            FileImportSource.FromFile(file, DateTimeOffset.UtcNow), Sys.Materializer(),
            _ =>
            {
                if (counters.Batches >= 5)
                {
                    someCommitted.TrySetResult();
                }
            });

        await someCommitted.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await server.StopAsync();
        await AwaitAssertAsync(() => Assert.True(counters.SinkRetries > 0, "the sink is waiting for the database"),
            TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(50));
        Assert.False(completion.IsCompleted, "the import waits instead of failing or dropping rows");
        await server.RestartAsync();
        await completion.WaitAsync(TimeSpan.FromMinutes(2));

        var duplicates = rows.Count(r => r.Expected == DropReason.DuplicateId);
        var expectedDrops = rows.Where(r => r.Expected is { } reason && reason != DropReason.DuplicateId)
            .GroupBy(r => r.Expected!.Value.ToSnakeCase()).ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Equal(rows.Count - duplicates, await database.CountAsync("SELECT count(*) FROM pipeline.raw_posts"));
        Assert.Equal(rows.Count(r => r.Expected is null), await database.CountAsync("SELECT count(*) FROM pipeline.scored_posts"));
        Assert.Equal(expectedDrops, await database.DropCountsAsync());
        Assert.Equal(rows.Count - duplicates, counters.NewPosts);
    }
}
