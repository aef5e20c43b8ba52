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
    // Enough for five batches before the outage; the next rows are written only once the database is down.
    private const int BeforeOutage = 2_000;
    private const int DuringOutage = 4_000;

    [Fact]
    public async Task Database_stopped_mid_import_and_restarted_ends_with_every_row_stored_exactly_once()
    {
        using var folder = new TempDirectory();
        var rows = SyntheticTweets.Generate(20_000).ToList();
        // The file is a pipe the test feeds, so the import is mid-file whenever the database goes down,
        // and rows written during the outage must wait for the database, however fast the machine is.
        await using var file = await ImportPipe.CreateAsync(folder.Combine("tweets.jsonl"), rows, released: BeforeOutage);
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
        var retriedItems = 0L;
        var (_, completion) = database.Graph(counters, sink).Run(
            FileImportSource.FromFile(folder.Combine("tweets.jsonl"), DateTimeOffset.UtcNow), Sys.Materializer(),
            batch =>
            {
                if (batch.Attempts > 1)
                {
                    Interlocked.Add(ref retriedItems, batch.Items.Count);
                }

                if (counters.Batches >= 5)
                {
                    someCommitted.TrySetResult();
                }
            });

        await someCommitted.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await server.StopAsync();
        file.Release(DuringOutage);
        await AwaitAssertAsync(() => Assert.True(counters.SinkRetries > 0, "the sink is waiting for the database"),
            TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(50));
        Assert.False(completion.IsCompleted, "the import waits instead of failing or dropping rows");
        await server.RestartAsync();
        file.End();
        await completion.WaitAsync(TimeSpan.FromMinutes(2));

        var duplicates = rows.Count(r => r.Expected == DropReason.DuplicateId);
        var expectedDrops = rows.Where(r => r.Expected is { } reason && reason != DropReason.DuplicateId)
            .GroupBy(r => r.Expected!.Value.ToSnakeCase()).ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Equal(rows.Count - duplicates, await database.CountAsync("SELECT count(*) FROM pipeline.raw_posts"));
        Assert.Equal(rows.Count(r => r.Expected is null), await database.CountAsync("SELECT count(*) FROM pipeline.scored_posts"));
        Assert.Equal(expectedDrops, await database.DropCountsAsync());
        Assert.Equal(rows.Count, counters.CommittedItems);
        // New posts are what the database reports as first stored. A batch whose COMMIT went through
        // just as the server shut down, but whose answer was lost, is sent again and then finds its
        // rows already there: the tables above stay exact, the count of new posts may fall short by
        // at most the batches that needed another attempt, never by more and never over.
        var retried = Interlocked.Read(ref retriedItems);
        Assert.InRange(retried, 1, rows.Count / 4);
        Assert.InRange(counters.NewPosts, rows.Count - duplicates - retried, rows.Count - duplicates);
    }
}
