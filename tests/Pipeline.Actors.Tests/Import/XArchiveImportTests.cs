using Pipeline.Actors.Graph;
using Pipeline.Actors.Import;
using Xunit;

namespace Pipeline.Actors.Tests.Import;

public sealed class XArchiveImportTests : IDisposable
{
    private readonly ImportFiles _files = new();

    public void Dispose() => _files.Dispose();

    /// <summary>An archive element as X writes it: pretty-printed, counts as strings, no author.</summary>
    private static string Element(string id, string text, string extra = "") =>
        $$"""
          {
            "tweet" : {
              "retweeted" : false,
              "id_str" : "{{id}}",
              "full_text" : "{{text}}",
              "created_at" : "Wed Oct 10 20:19:24 +0000 2018",
              "favorite_count" : "3",
              "retweet_count" : "1",
              "lang" : "en",
              "entities" : { "hashtags" : [ ], "user_mentions" : [ ] }{{extra}}
            }
          }
        """;

    private string WriteArchive(params string[] elements) =>
        _files.Write("tweets.js", "window.YTD.tweets.part0 = [\n" + string.Join(",\n", elements) + "\n]");

    [Fact]
    public async Task XArchive_tweets_js_after_its_prefix_yields_posts_located_at_their_first_line()
    {
        var path = WriteArchive(
            Element("1050118621198921728", "GTBank please reverse my transfer"),
            Element("1050118621198921729", "RT @gtbank: new branch", """, "in_reply_to_status_id_str" : "1050118621198921700" """));

        var posts = (await ImportFiles.ReadAllAsync(path)).Posts();

        Assert.Equal(["tweets.js:2", "tweets.js:14"], posts.Select(p => p.Location));
        var first = posts[0].Raw;
        Assert.Equal(
            (1050118621198921728L, "GTBank please reverse my transfer", "", 3, 1, "en"),
            (first.Id.Value, first.Text, first.AuthorHandle, first.Likes, first.Retweets, first.Lang));
        Assert.Equal(new DateTimeOffset(2018, 10, 10, 20, 19, 24, TimeSpan.Zero), first.CreatedAt);
        Assert.False(first.IsRetweet);
        Assert.False(first.IsReply);
        // The archive's "retweeted": false means "not retweeted by me"; the RT text still marks a retweet.
        Assert.True(posts[1].Raw.IsRetweet);
        Assert.True(posts[1].Raw.IsReply);
    }

    [Fact]
    public async Task XArchive_element_that_is_not_a_post_is_quarantined_and_reading_goes_on()
    {
        var path = WriteArchive(
            Element("1", "a"),
            """  { "tweet" : { "full_text" : "no id", "created_at" : "Wed Oct 10 20:19:24 +0000 2018" } }""",
            Element("3", "c"));

        var items = await ImportFiles.ReadAllAsync(path);

        Assert.Equal([1L, 3L], items.Ids());
        var bad = Assert.Single(items.Quarantined());
        Assert.Equal("tweets.js:14", bad.Location);
        Assert.StartsWith("tweets.js:14: no post id", bad.Error);
        Assert.Contains("no id", bad.Payload);
    }

    [Fact]
    public async Task XArchive_cut_short_fails_the_file_at_the_broken_line_after_yielding_the_complete_posts()
    {
        var whole = WriteArchive(Element("1", "a"), Element("2", "b"));
        var text = await File.ReadAllTextAsync(whole, TestContext.Current.CancellationToken);
        var path = _files.Write("tweets.js", text[..(text.Length - 60)]);

        var items = new List<SourceItem>();
        var error = await Assert.ThrowsAsync<PostFileException>(async () =>
        {
            await foreach (var item in PostFileReader.ReadAsync(path, ImportFiles.FetchedAt, TestContext.Current.CancellationToken))
            {
                items.Add(item);
            }
        });

        Assert.Equal([1L], items.Ids());
        Assert.StartsWith("tweets.js:", error.Message);
        Assert.Contains("invalid JSON", error.Message);
        Assert.True(error.Line >= 14, $"line {error.Line}");
    }

    [Fact]
    public async Task XArchive_without_an_array_fails_the_file()
    {
        var path = _files.Write("tweets.js", "window.YTD.tweets.part0 = ");

        var error = await Assert.ThrowsAsync<PostFileException>(() => ImportFiles.ReadAllAsync(path));

        Assert.StartsWith("tweets.js:1: no JSON array found", error.Message);
    }

    [Fact]
    public async Task XArchive_elements_larger_than_the_read_buffer_are_read_whole()
    {
        var longText = new string('x', 200_000);
        var path = WriteArchive(Element("1", longText), Element("2", "b"));

        var posts = (await ImportFiles.ReadAllAsync(path)).Posts();

        Assert.Equal(longText, posts[0].Raw.Text);
        Assert.Equal(["tweets.js:2", "tweets.js:14"], posts.Select(p => p.Location));
    }
}
