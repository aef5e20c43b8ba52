using System.Text;
using Pipeline.Actors.Import;
using Pipeline.Models.Domain;
using Xunit;

namespace Pipeline.Actors.Tests.Import;

public sealed class CsvImportTests : IDisposable
{
    private const string Header = "id,text,created_at";
    private readonly ImportFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task Csv_header_aliases_are_matched_case_insensitively_and_fill_every_field()
    {
        var path = _files.WriteLines("tweets.csv",
            "Status_ID,Full_Text,Date,Username,User_Id,Bank,Like_Count,RetweetCount,Reply_Count,Quotes,Tweet_URL,Language,IsRetweet,Is_Reply",
            "1663308382123456789,My GTBank app is down again,2023-05-29 23:59:42+00:00,@ada_o,42,gtbank,7,2,1,0,https://x.com/ada_o/status/1663308382123456789,en,no,yes");

        var post = Assert.Single((await ImportFiles.ReadAllAsync(path)).Posts());

        Assert.Equal("tweets.csv:2", post.Location);
        Assert.Equal(
            new RawPost(
                new PostId(1663308382123456789),
                new CompanyId("gtbank"),
                PostSource.Import,
                "42",
                "ada_o",
                "My GTBank app is down again",
                new DateTimeOffset(2023, 5, 29, 23, 59, 42, TimeSpan.Zero),
                Likes: 7,
                Retweets: 2,
                Replies: 1,
                Quotes: 0,
                "https://x.com/ada_o/status/1663308382123456789",
                "en",
                IsRetweet: false,
                IsReply: true,
                ImportFiles.FetchedAt),
            post.Raw);
    }

    [Fact]
    public async Task Csv_optional_columns_may_be_absent_and_take_neutral_defaults()
    {
        var path = _files.WriteLines("minimal.csv", Header, "5,hello access bank,2023-05-29T23:59:42Z");

        var raw = Assert.Single((await ImportFiles.ReadAllAsync(path)).Posts()).Raw;

        Assert.Equal((5L, "", null, null, null, null), (raw.Id.Value, raw.AuthorHandle, raw.AuthorId, raw.Company, raw.Url, raw.Lang));
        Assert.Equal((0, 0, 0, 0), (raw.Likes, raw.Retweets, raw.Replies, raw.Quotes));
        Assert.False(raw.IsRetweet);
        Assert.False(raw.IsReply);
    }

    [Fact]
    public async Task Csv_alias_order_decides_between_two_id_columns_and_a_blank_one_falls_back_to_the_next()
    {
        var path = _files.WriteLines("ids.csv",
            "tweet_id,id,text,created_at",
            "7,5,first,2023-05-29T23:59:42Z",
            "8,,second,2023-05-29T23:59:42Z");

        Assert.Equal([5L, 8L], (await ImportFiles.ReadAllAsync(path)).Ids());
    }

    [Fact]
    public async Task Csv_quoted_text_with_commas_and_line_breaks_is_one_post_located_at_its_first_line()
    {
        var path = _files.WriteLines("multiline.csv",
            Header,
            "1,\"Dear Zenith, my card\nwas swallowed \"\"again\"\"\",2023-05-29T23:59:42Z",
            "",
            "2,plain,2023-05-29T23:59:42Z");

        var items = await ImportFiles.ReadAllAsync(path);

        Assert.Equal(["multiline.csv:2", "multiline.csv:5"], items.Locations());
        Assert.Equal("Dear Zenith, my card\nwas swallowed \"again\"", items.Posts()[0].Raw.Text);
    }

    [Fact]
    public async Task Csv_row_with_bad_quoting_is_reported_with_file_and_line_and_neighbours_are_kept()
    {
        var path = _files.WriteLines("tweets.csv",
            Header,
            "1,fine,2023-05-29T23:59:42Z",
            "2,she said \"hi,2023-05-29T23:59:42Z",
            "3,\"quoted\" then text,2023-05-29T23:59:42Z",
            "4,also fine,2023-05-29T23:59:42Z");

        var items = await ImportFiles.ReadAllAsync(path);

        Assert.Equal([1L, 4L], items.Ids());
        var quarantined = items.Quarantined();
        Assert.Equal(["tweets.csv:3", "tweets.csv:4"], quarantined.Select(q => q.Location));
        Assert.StartsWith("tweets.csv:3: malformed CSV (stray quote inside an unquoted field", quarantined[0].Error);
        Assert.StartsWith("tweets.csv:4: malformed CSV (text after the closing quote", quarantined[1].Error);
        Assert.Equal("2,she said \"hi,2023-05-29T23:59:42Z", quarantined[0].Payload);
        Assert.All(quarantined, q => Assert.Equal("import", q.Source));
    }

    [Theory]
    [InlineData("later rows quote their text", "\"ok\"")]
    [InlineData("no later quote at all", "ok")]
    public async Task Csv_unterminated_quoted_field_is_reported_at_its_line_and_the_lines_it_swallowed_are_read_again(
        string _, string laterText)
    {
        var path = _files.WriteLines("tweets.csv",
            Header,
            "1,fine,2023-05-29T23:59:42Z",
            "2,\"never closed,2023-05-29T23:59:42Z",
            $"3,{laterText},2023-05-29T23:59:42Z",
            $"4,{laterText},2023-05-29T23:59:42Z");

        var items = await ImportFiles.ReadAllAsync(path);

        Assert.Equal([1L, 3L, 4L], items.Ids());
        Assert.Equal(["tweets.csv:2", "tweets.csv:3", "tweets.csv:4", "tweets.csv:5"], items.Locations());
        var bad = Assert.Single(items.Quarantined());
        Assert.StartsWith("tweets.csv:3: malformed CSV (a quoted field opened on this line is not closed", bad.Error);
        Assert.Equal("2,\"never closed,2023-05-29T23:59:42Z", bad.Payload);
    }

    [Fact]
    public async Task Csv_quote_left_open_before_a_megabyte_of_unquoted_rows_is_cut_off_and_the_rows_after_it_are_kept()
    {
        const int rowsAfter = 2_500;
        var longText = new string('x', 500);
        var content = new StringBuilder().Append(Header).Append('\n')
            .Append("1,fine,2023-05-29T23:59:42Z\n")
            .Append("2,\"never closed,2023-05-29T23:59:42Z\n");
        for (var id = 3; id < 3 + rowsAfter; id++)
        {
            content.Append(id).Append(',').Append(longText).Append(",2023-05-29T23:59:42Z\n");
        }

        Assert.True(content.Length > InputLimits.Default.MaxRecordLength);
        var path = _files.Write("runaway.csv", content.ToString());

        var items = await ImportFiles.ReadAllAsync(path);

        var bad = Assert.Single(items.Quarantined());
        Assert.Equal("runaway.csv:3", bad.Location);
        Assert.Contains("is longer than pipeline.limits.max-record-length (1,048,576 characters): a quoted field opened on it is probably never closed", bad.Error);
        Assert.Equal(Enumerable.Range(3, rowsAfter).Select(i => (long)i).Prepend(1L), items.Ids());
        Assert.Equal($"runaway.csv:{3 + rowsAfter}", items.Locations()[^1]);
    }

    [Fact]
    public async Task Csv_row_with_wrong_number_of_fields_is_unreadable_with_both_counts()
    {
        var path = _files.WriteLines("tweets.csv",
            Header,
            "1,too,many,2023-05-29T23:59:42Z",
            "2,too few",
            "3,right,2023-05-29T23:59:42Z");

        var items = await ImportFiles.ReadAllAsync(path);

        Assert.Equal([3L], items.Ids());
        Assert.Equal(
            ["tweets.csv:2: wrong number of fields: the row has 4, the header has 3",
             "tweets.csv:3: wrong number of fields: the row has 2, the header has 3"],
            items.Quarantined().Select(q => q.Error));
    }

    [Fact]
    public async Task Csv_unparseable_id_or_date_is_unreadable_naming_the_column_and_the_value()
    {
        var path = _files.WriteLines("tweets.csv",
            "status_id,text,date",
            "12x,text,2023-05-29T23:59:42Z",
            "13,text,yesterday",
            "14,text,2023-05-29T23:59:42Z");

        var items = await ImportFiles.ReadAllAsync(path);

        Assert.Equal([14L], items.Ids());
        var quarantined = items.Quarantined();
        Assert.Equal("tweets.csv:2: cannot read '12x' in column 'status_id' (expected a positive whole number)", quarantined[0].Error);
        Assert.StartsWith("tweets.csv:3: cannot read 'yesterday' in column 'date' (expected ISO 8601", quarantined[1].Error);
        Assert.Equal([null, new PostId(13)], quarantined.Select(q => q.PostId));
        Assert.Equal("13,text,yesterday", quarantined[1].Payload);
    }

    [Fact]
    public async Task Csv_counts_accept_thousands_separators_abbreviations_and_pandas_floats()
    {
        var path = _files.WriteLines("counts.csv",
            "id,text,created_at,likes,retweets,replies,quotes",
            "1,t,2023-05-29T23:59:42Z,\"1,234\",2.5K,12.0,",
            "2,t,2023-05-29T23:59:42Z,lots,0,0,0");

        var items = await ImportFiles.ReadAllAsync(path);

        var raw = Assert.Single(items.Posts()).Raw;
        Assert.Equal((1234, 2500, 12, 0), (raw.Likes, raw.Retweets, raw.Replies, raw.Quotes));
        Assert.StartsWith("counts.csv:3: cannot read 'lots' in column 'likes'", Assert.Single(items.Quarantined()).Error);
    }

    [Fact]
    public async Task Csv_without_flag_columns_takes_retweets_from_RT_text_and_replies_from_in_reply_to_ids()
    {
        var path = _files.WriteLines("flags.csv",
            "id,text,created_at,in_reply_to_status_id",
            "1,RT @gtbank: we are live,2023-05-29T23:59:42Z,",
            "2,Not RT @gtbank,2023-05-29T23:59:42Z,",
            "3,@gtbank help,2023-05-29T23:59:42Z,1663308382123456789");

        var posts = (await ImportFiles.ReadAllAsync(path)).Posts();

        Assert.Equal([true, false, false], posts.Select(p => p.Raw.IsRetweet));
        Assert.Equal([false, false, true], posts.Select(p => p.Raw.IsReply));
    }

    [Fact]
    public async Task Csv_explicit_reply_flag_wins_over_in_reply_to_ids_and_bad_flags_are_unreadable()
    {
        var path = _files.WriteLines("flags.csv",
            "id,text,created_at,is_reply,in_reply_to_user_id",
            "1,hi,2023-05-29T23:59:42Z,False,99",
            "2,hi,2023-05-29T23:59:42Z,perhaps,99");

        var items = await ImportFiles.ReadAllAsync(path);

        Assert.False(Assert.Single(items.Posts()).Raw.IsReply);
        Assert.StartsWith("flags.csv:3: cannot read 'perhaps' in column 'is_reply'", Assert.Single(items.Quarantined()).Error);
    }

    [Fact]
    public async Task Csv_missing_required_column_fails_the_whole_file_naming_file_line_and_column()
    {
        var path = _files.WriteLines("tweets.csv", "user,message,created_at", "a,b,2023-05-29T23:59:42Z");

        var error = await Assert.ThrowsAsync<PostFileException>(() => ImportFiles.ReadAllAsync(path));

        Assert.StartsWith("tweets.csv:1: no column for the post id (expected one of: id, status_id, tweet_id, id_str, post_id)", error.Message);
        Assert.Contains("no column for the post text", error.Message);
        Assert.Contains("the header has: user, message, created_at", error.Message);
        Assert.Equal(("tweets.csv", 1), (error.FileName, error.Line));
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n")]
    [InlineData("  \r\n\t\n")]
    public async Task Csv_empty_or_blank_file_has_no_posts_and_is_no_error(string escaped)
    {
        var path = _files.Write("empty.csv", System.Text.RegularExpressions.Regex.Unescape(escaped));

        Assert.Empty(await ImportFiles.ReadAllAsync(path));
    }

    [Fact]
    public async Task Csv_with_windows_line_endings_and_a_byte_order_mark_reads_like_any_other()
    {
        var path = Path.Combine(_files.Folder, "excel.csv");
        await File.WriteAllTextAsync(
            path,
            "ID,Text,Created_At\r\n1,\"two\r\nlines\",2023-05-29T23:59:42Z\r\n2,b,2023-05-29T23:59:42Z\r\n",
            new UTF8Encoding(encoderShouldEmitUTF8Identifier: true),
            TestContext.Current.CancellationToken);

        var items = await ImportFiles.ReadAllAsync(path);

        Assert.Equal(["excel.csv:2", "excel.csv:4"], items.Locations());
        Assert.Equal("two\r\nlines", items.Posts()[0].Raw.Text);
    }
}
