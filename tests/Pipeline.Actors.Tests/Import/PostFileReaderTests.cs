using Pipeline.Actors.Graph;
using Pipeline.Actors.Import;
using Pipeline.Models.Domain;
using Xunit;

namespace Pipeline.Actors.Tests.Import;

public sealed class PostFileReaderTests
{
    [Theory]
    [InlineData("/data/tweets.csv", PostFileFormat.Csv)]
    [InlineData("EXPORT.CSV", PostFileFormat.Csv)]
    [InlineData("posts.jsonl", PostFileFormat.JsonLines)]
    [InlineData("posts.ndjson", PostFileFormat.JsonLines)]
    [InlineData("posts.json", PostFileFormat.JsonLines)]
    [InlineData("archive/data/tweets.js", PostFileFormat.XArchive)]
    public void Format_is_detected_from_the_extension(string path, PostFileFormat expected) =>
        Assert.Equal(expected, PostFileReader.DetectFormat(path));

    [Theory]
    [InlineData("/data/tweets.xlsx")]
    [InlineData("/data/tweets")]
    public void Unknown_extension_is_rejected_naming_the_file(string path)
    {
        var error = Assert.Throws<ArgumentException>(() => PostFileReader.DetectFormat(path));

        Assert.Contains(Path.GetFileName(path), error.Message);
    }

    [Fact]
    public void Reading_a_file_of_unknown_format_fails_before_enumeration_starts() =>
        Assert.Throws<ArgumentException>(() => PostFileReader.ReadAsync("notes.txt", ImportFiles.FetchedAt, TestContext.Current.CancellationToken));

    [Fact]
    public async Task Reader_that_throws_between_records_fails_the_file_naming_it_after_the_records_before_are_read()
    {
        var file = new ImportFile("/data/tweets.jsonl", ImportFiles.FetchedAt, PostSource.Import);
        var read = new List<SourceItem>();

        var error = await Assert.ThrowsAsync<PostFileException>(async () =>
        {
            await foreach (var item in PostFileReader.ReportingReadErrors(file, OneRecordThenABug()))
            {
                read.Add(item);
            }
        });

        Assert.Single(read);
        Assert.Equal("tweets.jsonl: cannot read the file (InvalidOperationException: a reader met what it was not written for)", error.Message);
        Assert.IsType<InvalidOperationException>(error.InnerException);
    }

    private static async IAsyncEnumerable<SourceItem> OneRecordThenABug()
    {
        await Task.Yield();
        yield return new SourceItem.Unreadable(new QuarantineEntry("import", "tweets.jsonl:1", "tweets.jsonl:1: bad", null));
        throw new InvalidOperationException("a reader met what it was not written for");
    }

    [Fact]
    public async Task Missing_file_fails_naming_the_file_and_its_full_path()
    {
        var path = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}", "tweets.jsonl");

        var error = await Assert.ThrowsAsync<PostFileException>(() => ImportFiles.ReadAllAsync(path));

        Assert.Equal($"tweets.jsonl: file not found ({path})", error.Message);
        Assert.Null(error.Line);
    }
}
