using Akka;
using Akka.Actor;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.TestKit.Xunit;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Import;
using Pipeline.Actors.Storage;
using Pipeline.Actors.Tests.Support;
using Pipeline.Models.Domain;
using Pipeline.Tests.Shared;
using Xunit;

namespace Pipeline.Actors.Tests.Import;

// Info level: one spec waits for the importer's report that it ignored an earlier run's end.
public sealed class FileImportActorSpecs(PostgresFixture postgres, ITestOutputHelper output) : TestKit("akka.loglevel = INFO", output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    // Short and without jitter, so the restart pending between two attempts lasts long enough to be seen.
    private static readonly SupervisionSettings Supervision = new(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), 0);

    private sealed record Importer(IActorRef Ref, PipelineCounters Counters, PipelineStatus Status);

    private static ImportSettings Settings(string inbox, params string[] files) => new(files, inbox, Poll, TimeSpan.Zero);

    private Importer Start(
        TestDatabase database, ImportSettings settings, IReadOnlyList<Flow<PipelineItem, PipelineItem, NotUsed>>? stages = null,
        SinkSettings? sink = null)
    {
        var counters = new PipelineCounters();
        var status = new PipelineStatus();
        var graph = database.Graph(counters, sink, stages);
        var materializer = Sys.Materializer();
        var importer = Sys.ActorOf(Props.Create(() => new FileImportActor(settings, InputLimits.Default, graph, status, Supervision, materializer)));
        return new Importer(importer, counters, status);
    }

    /// <summary>A stage after cleaning that throws once, at the <paramref name="at"/>th item it sees: not the file's fault.</summary>
    private static Flow<PipelineItem, PipelineItem, NotUsed> FailingOnce(int at)
    {
        var seen = 0;
        return Flow.Create<PipelineItem>().Select(item =>
            Interlocked.Increment(ref seen) == at ? throw new InvalidOperationException("a stage failed") : item);
    }

    private static List<SyntheticTweets.Row> Drop(string inbox, string name, int rows, long firstId = 1_640_000_000_000_000_000)
    {
        var generated = SyntheticTweets.Generate(rows, firstId: firstId).ToList();
        var staging = Path.Combine(inbox, "..", name);
        SyntheticTweets.WriteJsonLines(staging, generated);
        File.Move(staging, Path.Combine(inbox, name));
        return generated;
    }

    private static List<long> Ids(IEnumerable<SyntheticTweets.Row> rows) => rows.Select(r => r.Id).Distinct().Order().ToList();

    [Fact]
    public async Task File_dropped_in_the_inbox_is_imported_and_moved_to_done()
    {
        using var folder = new TempDirectory();
        await using var database = await TestDatabase.CreateAsync(postgres);
        var inbox = folder.Combine("inbox");
        var importer = Start(database, Settings(inbox));
        await AwaitAssertAsync(() => Assert.True(Directory.Exists(inbox)), Patience);

        var rows = Drop(inbox, "tweets.jsonl", 300);

        await AwaitAssertAsync(() => Assert.True(File.Exists(Path.Combine(inbox, "done", "tweets.jsonl"))), Patience);
        Assert.False(File.Exists(Path.Combine(inbox, "tweets.jsonl")));
        Assert.Equal(Ids(rows), await StoredPosts.IdsAsync(database.DataSource));
        Assert.True(importer.Status.GraphRunning);
    }

    [Fact]
    public async Task Inbox_file_that_cannot_be_imported_is_moved_to_failed_with_the_reason_beside_it()
    {
        using var folder = new TempDirectory();
        await using var database = await TestDatabase.CreateAsync(postgres);
        var inbox = folder.Combine("inbox");
        Directory.CreateDirectory(inbox);
        await File.WriteAllLinesAsync(Path.Combine(inbox, "no-id.csv"), ["date,tweet", "2023-01-01,@gtbank hello"]);

        var importer = Start(database, Settings(inbox));

        var reason = Path.Combine(inbox, "failed", "no-id.csv.error.txt");
        // The reason file exists a moment before its text is written, and the status follows it.
        await AwaitAssertAsync(async () =>
        {
            Assert.True(File.Exists(reason));
            Assert.Contains("no-id.csv:1", await File.ReadAllTextAsync(reason));
            Assert.Contains("no-id.csv", importer.Status.LastError);
        }, Patience);
        Assert.Null(importer.Status.Restart);
    }

    [Fact]
    public async Task Configured_files_are_imported_at_start_and_left_where_they_are()
    {
        using var folder = new TempDirectory();
        await using var database = await TestDatabase.CreateAsync(postgres);
        var sample = folder.Combine("sample.jsonl");
        SyntheticTweets.WriteJsonLines(sample, SyntheticTweets.Generate(200));

        var importer = Start(database, Settings(folder.Combine("inbox"), sample) with { PollInterval = TimeSpan.FromSeconds(30) });

        await AwaitAssertAsync(() => Assert.Equal(200, importer.Counters.CommittedItems), Patience);
        Assert.True(File.Exists(sample));
    }

    [Fact]
    public async Task Inbox_import_failing_for_a_reason_other_than_the_file_is_imported_again_after_a_backoff_storing_every_row_once()
    {
        using var folder = new TempDirectory();
        await using var database = await TestDatabase.CreateAsync(postgres);
        var inbox = folder.Combine("inbox");
        Directory.CreateDirectory(inbox);
        var importer = Start(database, Settings(inbox), [FailingOnce(at: 1_500)]);

        var rows = Drop(inbox, "tweets.jsonl", 3_000);

        // Readiness reports the failure and the pending restart, then recovers by itself.
        await AwaitAssertAsync(() =>
        {
            Assert.False(importer.Status.GraphRunning);
            Assert.Contains("tweets.jsonl: a stage failed", importer.Status.Restart?.Error);
        }, Patience, TimeSpan.FromMilliseconds(20));
        Assert.True(File.Exists(Path.Combine(inbox, "tweets.jsonl")), "the file waits in the inbox for its next attempt");
        await AwaitAssertAsync(() => Assert.True(File.Exists(Path.Combine(inbox, "done", "tweets.jsonl"))), Patience);

        Assert.False(Directory.Exists(Path.Combine(inbox, "failed")));
        Assert.Equal(Ids(rows), await StoredPosts.IdsAsync(database.DataSource));
        Assert.Equal(rows.Count(r => r.Expected is null), await database.CountAsync("SELECT count(*) FROM pipeline.scored_posts"));
        Assert.True(importer.Status.GraphRunning);
        Assert.Null(importer.Status.Restart);
        Assert.Equal(1, importer.Status.Restarts);
    }

    [Fact]
    public async Task Inbox_import_failing_because_the_database_is_away_beyond_the_sinks_attempts_is_imported_again_once_it_is_back()
    {
        using var folder = new TempDirectory();
        var server = await postgres.StartDedicatedServerAsync();
        await using var database = await TestDatabase.PrepareAsync(server.ConnectionString);
        var inbox = folder.Combine("inbox");
        Directory.CreateDirectory(inbox);
        var sink = SinkSettings.Default with
        {
            BatchSize = 250,
            MaxWait = TimeSpan.FromMilliseconds(20),
            MinBackoff = TimeSpan.FromMilliseconds(20),
            MaxBackoff = TimeSpan.FromMilliseconds(100),
            MaxAttempts = 2,
        };
        var importer = Start(database, Settings(inbox), sink: sink);
        await server.StopAsync();

        var rows = Drop(inbox, "tweets.jsonl", 1_000);

        await AwaitAssertAsync(() => Assert.Contains("PostgreSQL did not accept", importer.Status.Restart?.Error), Patience);
        Assert.True(File.Exists(Path.Combine(inbox, "tweets.jsonl")), "the file waits in the inbox for the database");
        await server.RestartAsync();
        await AwaitAssertAsync(() => Assert.True(File.Exists(Path.Combine(inbox, "done", "tweets.jsonl"))), Patience);

        Assert.False(Directory.Exists(Path.Combine(inbox, "failed")));
        Assert.Equal(Ids(rows), await StoredPosts.IdsAsync(database.DataSource));
        Assert.True(importer.Status.GraphRunning);
    }

    [Fact]
    public async Task Configured_file_whose_import_fails_for_a_reason_other_than_the_file_is_imported_again_where_it_is()
    {
        using var folder = new TempDirectory();
        await using var database = await TestDatabase.CreateAsync(postgres);
        var sample = folder.Combine("sample.jsonl");
        var rows = SyntheticTweets.Generate(1_000).ToList();
        SyntheticTweets.WriteJsonLines(sample, rows);

        var importer = Start(database, Settings(folder.Combine("inbox"), sample), [FailingOnce(at: 600)]);

        await AwaitAssertAsync(async () => Assert.Equal(Ids(rows), await StoredPosts.IdsAsync(database.DataSource)), Patience);
        Assert.True(File.Exists(sample));
        Assert.Contains("sample.jsonl: a stage failed", importer.Status.LastError);
        Assert.False(Directory.Exists(folder.Combine("inbox", "failed")));
        await AwaitAssertAsync(() => Assert.True(importer.Status.GraphRunning), Patience);
    }

    [Fact]
    public async Task Inbox_file_is_imported_only_once_it_has_been_unchanged_for_the_settle_time()
    {
        using var folder = new TempDirectory();
        await using var database = await TestDatabase.CreateAsync(postgres);
        var inbox = folder.Combine("inbox");
        Directory.CreateDirectory(inbox);
        var settle = TimeSpan.FromSeconds(2);
        Start(database, Settings(inbox) with { SettleTime = settle });

        var writing = DateTimeOffset.UtcNow;
        SyntheticTweets.WriteJsonLines(Path.Combine(inbox, "tweets.jsonl"), SyntheticTweets.Generate(200));

        await AwaitAssertAsync(() => Assert.True(File.Exists(Path.Combine(inbox, "done", "tweets.jsonl"))), Patience);
        // Every post is stamped with the time its import started.
        var started = (DateTime)(await database.RowsAsync("SELECT min(fetched_at) FROM pipeline.raw_posts"))[0][0]!;
        Assert.True(new DateTimeOffset(started, TimeSpan.Zero) - writing >= settle,
            $"the import started {(new DateTimeOffset(started, TimeSpan.Zero) - writing).TotalMilliseconds:0} ms after the file was written");
    }

    [Fact]
    public async Task Partial_and_hidden_files_in_the_inbox_are_never_imported()
    {
        using var folder = new TempDirectory();
        await using var database = await TestDatabase.CreateAsync(postgres);
        var inbox = folder.Combine("inbox");
        Directory.CreateDirectory(inbox);
        string[] ignored = [".tweets.jsonl", "tweets.jsonl.part", "tweets.csv.tmp", ".tweets.jsonl.part"];
        foreach (var name in ignored)
        {
            SyntheticTweets.WriteJsonLines(Path.Combine(inbox, name), SyntheticTweets.Generate(50, firstId: 1_000));
        }

        Start(database, Settings(inbox));
        // Files are imported in name order, and a dot sorts before letters.
        var rows = Drop(inbox, "z.jsonl", 100);

        await AwaitAssertAsync(() => Assert.True(File.Exists(Path.Combine(inbox, "done", "z.jsonl"))), Patience);
        Assert.All(ignored, name => Assert.True(File.Exists(Path.Combine(inbox, name)), name));
        Assert.Equal(Ids(rows), await StoredPosts.IdsAsync(database.DataSource));
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
        var importer = Start(database, Settings(inbox));
        await AwaitAssertAsync(() => Assert.True(importer.Counters.Batches >= 2), Patience);

        await importer.Ref.Ask<FileImportActor.Drained>(FileImportActor.Drain.Instance, Patience);

        Assert.True(await file.Closed.WaitAsync(Patience), "the drain stopped reading: the import closed the file before its end");
        Assert.Equal(importer.Counters.Read, importer.Counters.CommittedItems);
        Assert.True(File.Exists(Path.Combine(inbox, "big.jsonl")), "an interrupted file stays in the inbox for the next start");
        Assert.False(File.Exists(Path.Combine(inbox, "done", "big.jsonl")));
    }

    [Fact]
    public async Task Importer_restarted_in_the_middle_of_a_file_does_not_take_the_earlier_runs_end_for_the_files_and_imports_it_again()
    {
        using var folder = new TempDirectory();
        await using var database = await TestDatabase.CreateAsync(postgres);
        var inbox = folder.Combine("inbox");
        Directory.CreateDirectory(inbox);
        var rows = SyntheticTweets.Generate(5_000).ToList();
        // The inbox file is a link to a pipe held open after its first 2,000 lines: the import is provably mid-file.
        await using var first = await ImportPipe.CreateAsync(folder.Combine("first.jsonl"), rows, released: 2_000);
        File.CreateSymbolicLink(Path.Combine(inbox, "big.jsonl"), folder.Combine("first.jsonl"));
        var counters = new PipelineCounters();
        var status = new PipelineStatus();
        var graph = database.Graph(counters);
        // Restarted in place, as any parent's default supervision does: the old run's end comes to the same address.
        var materializer = Sys.Materializer();
        var importer = ChildActorOf(Props.Create(() => new FileImportActor(Settings(inbox), InputLimits.Default, graph, status, Supervision, materializer)),
            new OneForOneStrategy(_ => Directive.Restart));
        await AwaitAssertAsync(() => Assert.Equal(2_000, counters.CommittedItems), Patience);
        // The same file again for the restarted importer, as a second pipe, also held open mid-file: a pipe
        // cannot be read again from its start, and its end is the test's to give.
        await using var again = await ImportPipe.CreateAsync(folder.Combine("again.jsonl"), rows, released: 1_000);
        File.CreateSymbolicLink(Path.Combine(inbox, ".big.jsonl"), folder.Combine("again.jsonl"));
        File.Move(Path.Combine(inbox, ".big.jsonl"), Path.Combine(inbox, "big.jsonl"), overwrite: true);
        var logs = CreateTestProbe();
        Sys.EventStream.Subscribe(logs, typeof(Info));

        importer.Tell(Kill.Instance);

        await logs.FishForMessageAsync<Info>(
            i => i.Message.ToString()!.Contains("Ignored the end of an earlier import run", StringComparison.Ordinal),
            Patience);
        Assert.True(File.Exists(Path.Combine(inbox, "big.jsonl")), "the file is being imported again, not done");
        Assert.False(File.Exists(Path.Combine(inbox, "done", "big.jsonl")));
        again.End();
        await AwaitAssertAsync(() => Assert.True(File.Exists(Path.Combine(inbox, "done", "big.jsonl"))), Patience);
        Assert.Equal(Ids(rows), await StoredPosts.IdsAsync(database.DataSource));
    }

    [Fact]
    public async Task Importer_that_cannot_start_is_restarted_by_its_supervisor_and_carries_on_with_the_inbox()
    {
        using var folder = new TempDirectory();
        await using var database = await TestDatabase.CreateAsync(postgres);
        var inbox = folder.Combine("inbox");
        // The inbox cannot be created while a file stands in its place.
        await File.WriteAllTextAsync(inbox, "not a folder");
        var counters = new PipelineCounters();
        var status = new PipelineStatus();
        var errors = CreateTestProbe();
        Sys.EventStream.Subscribe(errors, typeof(Error));
        Sys.ActorOf(FileImportHosting.SupervisedProps(
            Settings(inbox), InputLimits.Default, database.Graph(counters), status, new SupervisionSettings(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), 0),
            Sys.Materializer()));

        await errors.FishForMessageAsync<Error>(e => e.Cause is ActorInitializationException, Patience);
        File.Delete(inbox);
        await AwaitAssertAsync(() => Assert.True(Directory.Exists(inbox)), Patience);
        var rows = Drop(inbox, "tweets.jsonl", 200);

        await AwaitAssertAsync(() => Assert.True(File.Exists(Path.Combine(inbox, "done", "tweets.jsonl"))), Patience);
        Assert.Equal(Ids(rows), await StoredPosts.IdsAsync(database.DataSource));
        Assert.True(status.GraphRunning);
    }

    [Fact]
    public async Task Importer_that_crashes_in_a_handler_is_restarted_by_its_supervisor_and_carries_on_with_the_inbox()
    {
        using var folder = new TempDirectory();
        await using var database = await TestDatabase.CreateAsync(postgres);
        var inbox = folder.Combine("inbox");
        Directory.CreateDirectory(inbox);
        // Moving the imported file to done/ throws while a file stands in the folder's place.
        var blocker = Path.Combine(inbox, "done");
        await File.WriteAllTextAsync(blocker, "not a folder");
        var counters = new PipelineCounters();
        var status = new PipelineStatus();
        Sys.ActorOf(FileImportHosting.SupervisedProps(
            Settings(inbox), InputLimits.Default, database.Graph(counters), status, new SupervisionSettings(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), 0),
            Sys.Materializer()));

        var rows = Drop(inbox, "tweets.jsonl", 200);
        await AwaitAssertAsync(() => Assert.True(counters.CommittedItems >= 2 * rows.Count, "imported, crashed, restarted and imported again"), Patience);
        File.Delete(blocker);

        await AwaitAssertAsync(() => Assert.True(File.Exists(Path.Combine(inbox, "done", "tweets.jsonl"))), Patience);
        Assert.Equal(Ids(rows), await StoredPosts.IdsAsync(database.DataSource));
        await AwaitAssertAsync(() => Assert.True(status.GraphRunning), Patience);
    }
}
