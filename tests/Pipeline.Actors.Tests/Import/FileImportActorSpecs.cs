using Akka.Actor;
using Akka.TestKit.Xunit;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Import;
using Pipeline.Actors.Tests.Support;
using Pipeline.Tests.Shared;

namespace Pipeline.Actors.Tests.Import;

public sealed class FileImportActorSpecs(PostgresFixture postgres) : TestKit
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private (IActorRef Importer, PipelineCounters Counters, PipelineStatus Status) Start(TestDatabase database, ImportSettings settings)
    {
        var counters = new PipelineCounters();
        var status = new PipelineStatus();
        var importer = Sys.ActorOf(Props.Create(() => new FileImportActor(settings, database.Graph(counters, null), status)));
        return (importer, counters, status);
    }

    [Fact]
    public async Task File_dropped_in_the_inbox_is_imported_and_moved_to_done()
    {
        using var folder = new TempDirectory();
        await using var database = await TestDatabase.CreateAsync(postgres);
        var inbox = folder.Combine("inbox");
        var (_, _, status) = Start(database, new ImportSettings([], inbox, TimeSpan.FromMilliseconds(100)));
        await AwaitAssertAsync(() => Assert.True(Directory.Exists(inbox)), Patience);

        var staging = folder.Combine("tweets.jsonl");
        SyntheticTweets.WriteJsonLines(staging, SyntheticTweets.Generate(300));
        File.Move(staging, Path.Combine(inbox, "tweets.jsonl"));

        await AwaitAssertAsync(() => Assert.True(File.Exists(Path.Combine(inbox, "done", "tweets.jsonl"))), Patience);
        Assert.False(File.Exists(Path.Combine(inbox, "tweets.jsonl")));
        Assert.True(await database.CountAsync("SELECT count(*) FROM pipeline.raw_posts") > 250);
        Assert.True(status.GraphRunning);
    }

    [Fact]
    public async Task Inbox_file_that_cannot_be_imported_is_moved_to_failed_with_the_reason_beside_it()
    {
        using var folder = new TempDirectory();
        await using var database = await TestDatabase.CreateAsync(postgres);
        var inbox = folder.Combine("inbox");
        Directory.CreateDirectory(inbox);
        await File.WriteAllLinesAsync(Path.Combine(inbox, "no-id.csv"), ["date,tweet", "2023-01-01,@gtbank hello"]);

        var (_, _, status) = Start(database, new ImportSettings([], inbox, TimeSpan.FromMilliseconds(100)));

        var reason = Path.Combine(inbox, "failed", "no-id.csv.error.txt");
        // The reason file exists a moment before its text is written, and the status follows it.
        await AwaitAssertAsync(async () =>
        {
            Assert.True(File.Exists(reason));
            Assert.Contains("no-id.csv:1", await File.ReadAllTextAsync(reason));
            Assert.Contains("no-id.csv", status.LastError);
        }, Patience);
    }

    [Fact]
    public async Task Configured_files_are_imported_at_start_and_left_where_they_are()
    {
        using var folder = new TempDirectory();
        await using var database = await TestDatabase.CreateAsync(postgres);
        var sample = folder.Combine("sample.jsonl");
        SyntheticTweets.WriteJsonLines(sample, SyntheticTweets.Generate(200));

        var (_, counters, _) = Start(database, new ImportSettings([sample], folder.Combine("inbox"), TimeSpan.FromSeconds(30)));

        await AwaitAssertAsync(() => Assert.Equal(200, counters.CommittedItems), Patience);
        Assert.True(File.Exists(sample));
    }

    [Fact]
    public async Task Drain_stops_reading_and_replies_once_everything_read_is_committed()
    {
        using var folder = new TempDirectory();
        await using var database = await TestDatabase.CreateAsync(postgres);
        var inbox = folder.Combine("inbox");
        Directory.CreateDirectory(inbox);
        // A file that has no end until the test gives it one: whenever the drain comes, the import is
        // in the middle of the file and still reading, however fast the machine is.
        await using var file = await ImportPipe.CreateAsync(Path.Combine(inbox, "big.jsonl"), SyntheticTweets.Generate(int.MaxValue));
        var (importer, counters, _) = Start(database, new ImportSettings([], inbox, TimeSpan.FromMilliseconds(100)));
        await AwaitAssertAsync(() => Assert.True(counters.Batches >= 2), Patience);

        await importer.Ask<FileImportActor.Drained>(FileImportActor.Drain.Instance, Patience);

        Assert.True(await file.Closed.WaitAsync(Patience), "the drain stopped reading: the import closed the file before its end");
        Assert.Equal(counters.Read, counters.CommittedItems);
        Assert.True(File.Exists(Path.Combine(inbox, "big.jsonl")), "an interrupted file stays in the inbox for the next start");
    }
}
