using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Streams.TestKit;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Import;
using Pipeline.Models.Domain;
using Xunit;

namespace Pipeline.Actors.Tests.Import;

public sealed class FileImportSourceSpecs : Akka.TestKit.Xunit.TestKit
{
    private readonly ImportFiles _files = new();

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _files.Dispose();
    }

    [Fact]
    public async Task FromFile_emits_posts_and_unreadable_rows_in_file_order()
    {
        var path = _files.WriteLines("tweets.csv",
            "id,text,created_at",
            "1,a,2023-05-29T23:59:42Z",
            "2,b\"c,2023-05-29T23:59:42Z",
            "3,c,2023-05-29T23:59:42Z");

        var items = await FileImportSource.FromFile(path, ImportFiles.FetchedAt)
            .RunWith(Sink.Seq<SourceItem>(), Sys.Materializer());

        Assert.Equal(["tweets.csv:2", "tweets.csv:3", "tweets.csv:4"], items.Locations());
        Assert.IsType<SourceItem.Unreadable>(items[1]);
        Assert.All(items.Posts(), p => Assert.Equal((PostSource.Import, ImportFiles.FetchedAt), (p.Raw.Source, p.Raw.FetchedAt)));
    }

    [Fact]
    public async Task FromFile_stamps_the_given_source_for_replays()
    {
        var path = _files.WriteLines("replay.jsonl", """{"id": 1, "text": "a", "created_at": "2023-05-29T23:59:42Z"}""");

        var items = await FileImportSource.FromFile(path, ImportFiles.FetchedAt, PostSource.Nitter)
            .RunWith(Sink.Seq<SourceItem>(), Sys.Materializer());

        Assert.Equal(PostSource.Nitter, Assert.Single(items.Posts()).Raw.Source);
    }

    [Fact]
    public async Task FromFile_with_a_wrong_header_fails_the_stream_with_the_file_error()
    {
        var path = _files.WriteLines("tweets.csv", "tweet,when", "a,2023-05-29T23:59:42Z");

        var error = await Assert.ThrowsAsync<PostFileException>(() =>
            FileImportSource.FromFile(path, ImportFiles.FetchedAt).RunWith(Sink.Seq<SourceItem>(), Sys.Materializer()));

        Assert.StartsWith("tweets.csv:1: no column for the post id", error.Message);
    }

    [Fact]
    public async Task FromFile_with_a_missing_file_fails_the_stream_naming_the_file()
    {
        var path = Path.Combine(_files.Folder, "gone.csv");

        var error = await Assert.ThrowsAsync<PostFileException>(() =>
            FileImportSource.FromFile(path, ImportFiles.FetchedAt).RunWith(Sink.Seq<SourceItem>(), Sys.Materializer()));

        Assert.StartsWith("gone.csv: file not found", error.Message);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void FromFile_with_an_unknown_extension_throws_while_the_graph_is_built()
    {
        var error = Assert.Throws<ArgumentException>(() => FileImportSource.FromFile("/data/tweets.xlsx", ImportFiles.FetchedAt));

        Assert.Contains("tweets.xlsx", error.Message);
    }

    [Fact]
    public async Task FromFile_reads_on_demand_and_closes_the_file_when_downstream_cancels()
    {
        var lines = Enumerable.Range(1, 1000).Select(i => $"{i},post {i},2023-05-29T23:59:42Z").Prepend("id,text,created_at");
        var path = _files.WriteLines("big.csv", [.. lines]);

        var probe = FileImportSource.FromFile(path, ImportFiles.FetchedAt)
            .RunWith(this.SinkProbe<SourceItem>(), Sys.Materializer());
        probe.Request(2);
        var first = (SourceItem.Post)await probe.ExpectNextAsync(TestContext.Current.CancellationToken);
        var second = (SourceItem.Post)await probe.ExpectNextAsync(TestContext.Current.CancellationToken);
        Assert.Equal([1L, 2L], [first.Raw.Id.Value, second.Raw.Id.Value]);

        probe.Cancel();

        // The reader opens the file sharing it for reading only; exclusive access proves it let go.
        await AwaitAssertAsync(
            () =>
            {
                using var exclusive = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            },
            TimeSpan.FromSeconds(30),
            cancellationToken: TestContext.Current.CancellationToken);
    }
}
