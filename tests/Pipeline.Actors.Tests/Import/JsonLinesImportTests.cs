using Pipeline.Actors.Import;
using Pipeline.Models.Domain;
using Xunit;

namespace Pipeline.Actors.Tests.Import;

public sealed class JsonLinesImportTests : IDisposable
{
    private readonly ImportFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task JsonLines_posts_use_the_same_aliases_as_csv_and_ids_may_be_numbers_or_strings()
    {
        var path = _files.WriteLines("posts.jsonl",
            """{"id": 1663308382123456789, "text": "FirstBank transfer failed", "created_at": "2023-05-29T23:59:42Z", "username": "@chidi", "bank": "firstbank", "like_count": "1,204", "lang": "en"}""",
            """{"Tweet_Id": "17", "Content": "hello", "Date": "2023-05-29 23:59:42+00:00", "LikeCount": 3, "isRetweet": true}""");

        var posts = (await ImportFiles.ReadAllAsync(path)).Posts();

        Assert.Equal(["posts.jsonl:1", "posts.jsonl:2"], posts.Select(p => p.Location));
        var first = posts[0].Raw;
        Assert.Equal((1663308382123456789L, "chidi", new CompanyId("firstbank"), 1204, "en"),
            (first.Id.Value, first.AuthorHandle, first.Company, first.Likes, first.Lang));
        var second = posts[1].Raw;
        Assert.Equal((17L, "hello", 3, true), (second.Id.Value, second.Text, second.Likes, second.IsRetweet));
    }

    [Fact]
    public async Task JsonLines_nested_X_API_shapes_give_handle_metrics_and_reply_flag()
    {
        var path = _files.WriteLines("api.ndjson",
            """{"id": "1800000000000000001", "text": "@AccessBank_Help still waiting", "created_at": "2024-06-10T08:00:00.000Z", "author_id": "777", "lang": "en", "public_metrics": {"retweet_count": 1, "reply_count": 2, "like_count": 3, "quote_count": 4}, "referenced_tweets": [{"type": "replied_to", "id": "1799999999999999999"}], "entities": {"mentions": [{"username": "AccessBank_Help"}]}, "user": {"id_str": "777", "screen_name": "tola"}}""",
            """{"id": "1800000000000000002", "text": "same again", "created_at": "2024-06-10T08:00:00.000Z", "referenced_tweets": [{"type": "retweeted", "id": "1"}], "user": {"username": "kemi", "id": 778}}""");

        var posts = (await ImportFiles.ReadAllAsync(path)).Posts();

        var reply = posts[0].Raw;
        Assert.Equal(("tola", "777", 3, 1, 2, 4), (reply.AuthorHandle, reply.AuthorId, reply.Likes, reply.Retweets, reply.Replies, reply.Quotes));
        Assert.True(reply.IsReply);
        Assert.False(reply.IsRetweet);
        var retweet = posts[1].Raw;
        Assert.Equal(("kemi", "778"), (retweet.AuthorHandle, retweet.AuthorId));
        Assert.True(retweet.IsRetweet);
        Assert.False(retweet.IsReply);
    }

    [Fact]
    public async Task JsonLines_v1_compatibility_shape_gives_the_untruncated_text_and_the_retweet_flag()
    {
        var path = _files.WriteLines("v1.jsonl",
            """{"id": 10, "id_str": "10", "text": "RT @gtbank: Dear customers, our app will be down for maint…", "extended_tweet": {"full_text": "Dear customers, our app will be down for maintenance tonight"}, "created_at": "Wed Oct 10 20:19:24 +0000 2018", "retweeted": false, "retweeted_status": {"id_str": "9"}, "user": {"screen_name": "ngozi", "id_str": "55"}}""");

        var raw = Assert.Single((await ImportFiles.ReadAllAsync(path)).Posts()).Raw;

        Assert.Equal("Dear customers, our app will be down for maintenance tonight", raw.Text);
        Assert.True(raw.IsRetweet);
        Assert.Equal(("ngozi", "55"), (raw.AuthorHandle, raw.AuthorId));
    }

    [Fact]
    public async Task JsonLines_broken_line_is_reported_with_file_and_line_and_the_line_as_payload_and_neighbours_are_kept()
    {
        const string broken = """{"id": 2, "text": "unterminated, "created_at": "2023-05-29T23:59:42Z"}""";
        var path = _files.WriteLines("posts.jsonl",
            """{"id": 1, "text": "a", "created_at": "2023-05-29T23:59:42Z"}""",
            broken,
            """{"id": 3, "text": "c", "created_at": "2023-05-29T23:59:42Z"}""");

        var items = await ImportFiles.ReadAllAsync(path);

        Assert.Equal([1L, 3L], items.Ids());
        var bad = Assert.Single(items.Quarantined());
        Assert.Equal("posts.jsonl:2", bad.Location);
        Assert.StartsWith("posts.jsonl:2: invalid JSON (", bad.Error);
        Assert.Equal(broken, bad.Payload);
    }

    [Fact]
    public async Task JsonLines_blank_lines_are_skipped_but_still_counted_for_locations()
    {
        var path = _files.WriteLines("posts.jsonl",
            "",
            """{"id": 1, "text": "a", "created_at": "2023-05-29T23:59:42Z"}""",
            "   ",
            """{"id": 2, "text": "b", "created_at": "2023-05-29T23:59:42Z"}""");

        var items = await ImportFiles.ReadAllAsync(path);

        Assert.Equal(["posts.jsonl:2", "posts.jsonl:4"], items.Locations());
    }

    [Fact]
    public async Task JsonLines_rows_that_are_not_posts_are_unreadable_with_the_reason()
    {
        var path = _files.WriteLines("posts.jsonl",
            """[1, 2]""",
            """{"text": "no id", "created_at": "2023-05-29T23:59:42Z"}""",
            """{"id": 3, "text": "bad time", "created_at": "soon"}""",
            """{"id": 4, "created_at": "2023-05-29T23:59:42Z"}""",
            """{"id": 5, "text": "", "created_at": "2023-05-29T23:59:42Z"}""");

        var items = await ImportFiles.ReadAllAsync(path);

        Assert.Equal(
            ["posts.jsonl:1: expected a JSON object, found array",
             "posts.jsonl:2: no post id (expected one of: id, status_id, tweet_id, id_str, post_id)",
             "posts.jsonl:3: cannot read 'soon' in column 'created_at' (expected ISO 8601, 'Wed Oct 10 20:19:24 +0000 2018' or unix seconds)",
             "posts.jsonl:4: no post text (expected one of: extended_tweet.full_text, text, full_text, tweet, content, body, rawcontent)"],
            items.Quarantined().Select(q => q.Error));
        Assert.Equal(new PostId(4), items.Quarantined()[3].PostId);
        Assert.Equal([5L], items.Ids());
    }

    [Fact]
    public async Task Json_file_holding_one_array_is_streamed_element_by_element()
    {
        var path = _files.WriteLines("dump.json",
            "[",
            """  {"id": 1, "text": "a", "created_at": 1685404782},""",
            """  {"id": 2, "text": "b", "created_at": 1685404782}""",
            "]");

        var items = await ImportFiles.ReadAllAsync(path);

        Assert.Equal(["dump.json:2", "dump.json:3"], items.Locations());
        Assert.All(items.Posts(), p => Assert.Equal(new DateTimeOffset(2023, 5, 29, 23, 59, 42, TimeSpan.Zero), p.Raw.CreatedAt));
    }
}
