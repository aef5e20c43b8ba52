using System.Text;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Import;
using Pipeline.Models.Domain;
using Pipeline.Models.Text;
using Xunit;

namespace Pipeline.Actors.Tests.Import;

/// <summary>
/// Input that once stopped a whole import, or could exhaust memory: each case is one record (or line)
/// quarantined with its location while its neighbours are read, or, for a file with no usable
/// structure at all, one <see cref="PostFileException"/> that names it.
/// </summary>
public sealed class BadInputReadingTests : IDisposable
{
    private const string Date = "2023-05-29T23:59:42Z";
    private const string CsvHeader = "id,text,created_at";

    // Small bounds, so the tests stay small; the shipped defaults are a mebibyte of characters.
    private static readonly InputLimits Small = InputLimits.Default with
    {
        MaxLineLength = 200,
        MaxRecordLength = 300,
        MaxFields = 10,
        MaxNestingDepth = 8,
    };

    private readonly ImportFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static string JsonPost(long id, string text = "fine") => $$"""{"id": {{id}}, "text": "{{text}}", "created_at": "{{Date}}"}""";

    private static string Chars(params int[] codes) => new(codes.Select(c => (char)c).ToArray());

    // ---- one record can never stop a file ------------------------------------------------------------

    [Fact]
    public void Guard_turns_whatever_one_record_throws_into_its_quarantine_entry()
    {
        var file = new ImportFile("/data/posts.jsonl", ImportFiles.FetchedAt, PostSource.Import);

        var item = file.Guard(7, () => throw new InvalidOperationException("Cannot read incomplete UTF-16 JSON text"), () => "{\"id\": 1}");

        var entry = Assert.IsType<SourceItem.Unreadable>(item).Entry;
        Assert.Equal(("import", "posts.jsonl:7"), (entry.Source, entry.Location));
        Assert.Equal("posts.jsonl:7: cannot read this record (InvalidOperationException: Cannot read incomplete UTF-16 JSON text)", entry.Error);
        Assert.Equal("{\"id\": 1}", entry.Payload);
    }

    [Fact]
    public void Guard_keeps_the_entry_when_even_the_payload_cannot_be_read()
    {
        var file = new ImportFile("posts.jsonl", ImportFiles.FetchedAt, PostSource.Import);

        var item = file.Guard(3, () => throw new FormatException("bad"), () => throw new InvalidOperationException("worse"));

        var entry = Assert.IsType<SourceItem.Unreadable>(item).Entry;
        Assert.Equal(("posts.jsonl:3", null), (entry.Location, entry.Payload));
    }

    [Theory]
    [InlineData("created_at", "99999999999999999999")]
    [InlineData("created_at", "79228162514264337593543950335")]
    [InlineData("likes", "79228162514264337593543950335K")]
    [InlineData("likes", "7922816251426433759354395033.5M")]
    public async Task Csv_number_too_large_for_its_type_is_quarantined_naming_its_column_and_the_file_goes_on(string column, string value)
    {
        var created = column == "created_at" ? value : Date;
        var likes = column == "likes" ? value : "0";
        var path = _files.WriteLines("numbers.csv", CsvHeader + ",likes", $"1,fine,{Date},1", $"2,huge,{created},{likes}", $"3,fine,{Date},3");

        var items = await ImportFiles.ReadAllAsync(path);

        Assert.Equal([1L, 3L], items.Ids());
        Assert.StartsWith($"numbers.csv:3: cannot read '{value}' in column '{column}'", Assert.Single(items.Quarantined()).Error);
    }

    // ---- lone surrogates ----------------------------------------------------------------------------

    [Fact]
    public async Task JsonLines_lone_surrogate_escapes_are_read_into_the_text_and_the_post_is_kept()
    {
        var path = _files.WriteLines("surrogates.jsonl",
            JsonPost(1),
            JsonPost(2, @"high \ud800 alone"),
            JsonPost(3, @"low \udc00 alone"),
            JsonPost(4, @"reversed \ude00\ud83d pair"),
            JsonPost(5, @"a real pair \ud83d\ude00"));

        var items = await ImportFiles.ReadAllAsync(path);

        Assert.Empty(items.Quarantined());
        Assert.Equal(
            ["fine", "high " + Chars(0xD800) + " alone", "low " + Chars(0xDC00) + " alone", "reversed " + Chars(0xDE00, 0xD83D) + " pair", "a real pair \U0001F600"],
            items.Posts().Select(p => p.Raw.Text));
    }

    [Fact]
    public async Task Json_lone_surrogates_in_property_names_and_other_fields_do_not_lose_the_post()
    {
        var path = _files.WriteLines("names.jsonl",
            $$$"""{"id": 1, "text": "t", "created_at": "{{{Date}}}", "odd\ud800name": "x", "user": {"screen_name": "ada\udfff", "z\udc00": 1}}""");

        var post = Assert.Single((await ImportFiles.ReadAllAsync(path)).Posts());

        Assert.Equal("ada" + Chars(0xDFFF), post.Raw.AuthorHandle);
    }

    [Fact]
    public async Task XArchive_lone_surrogate_in_an_element_is_read_like_in_json_lines()
    {
        var path = _files.Write("tweets.js",
            "window.YTD.tweets.part0 = [\n" +
            $$$"""{"tweet": {"id_str": "1", "full_text": "x\ud800", "created_at": "{{{Date}}}"}}""" + "\n]\n");

        var post = Assert.Single((await ImportFiles.ReadAllAsync(path)).Posts());

        Assert.Equal("x" + Chars(0xD800), post.Raw.Text);
    }

    // ---- excerpts never cut a surrogate pair --------------------------------------------------------

    [Fact]
    public async Task Csv_date_of_79_x_and_an_emoji_is_quarantined_with_an_excerpt_that_keeps_the_emoji_whole_or_drops_it()
    {
        var path = _files.WriteLines("dates.csv", CsvHeader, $"1,fine,{Date}", $"2,bad date,{new string('x', 79)}\U0001F600", $"3,fine,{Date}");

        var items = await ImportFiles.ReadAllAsync(path);

        Assert.Equal([1L, 3L], items.Ids());
        var bad = Assert.Single(items.Quarantined());
        Assert.Equal("dates.csv:3", bad.Location);
        Assert.Contains($"cannot read '{new string('x', 79)}…' in column 'created_at'", bad.Error);
        Assert.False(SafeText.HasLoneSurrogate(bad.Error));
    }

    [Theory]
    [InlineData(QuarantineEntry.PayloadExcerpt - 1)]
    [InlineData(QuarantineEntry.PayloadExcerpt)]
    public async Task Quarantine_payload_is_cut_at_its_bound_without_splitting_an_emoji(int emojiAt)
    {
        var longText = new string('x', emojiAt - "2,".Length) + "\U0001F600" + new string('y', 3_000);
        var path = _files.WriteLines("long.csv", CsvHeader, $"2,{longText},yesterday");

        var bad = Assert.Single((await ImportFiles.ReadAllAsync(path)).Quarantined());

        Assert.InRange(bad.Payload!.Length, QuarantineEntry.PayloadExcerpt - 1, QuarantineEntry.PayloadExcerpt + 1);
        Assert.EndsWith("…", bad.Payload);
        Assert.False(SafeText.HasLoneSurrogate(bad.Payload));
    }

    // ---- invalid UTF-8 and NUL ----------------------------------------------------------------------

    [Theory]
    [InlineData("bytes.csv")]
    [InlineData("bytes.jsonl")]
    public async Task Invalid_utf8_bytes_read_as_replacement_characters_and_the_post_is_kept(string name)
    {
        var prefix = name.EndsWith(".csv", StringComparison.Ordinal) ? $"{CsvHeader}\n1,bad " : "{\"id\": 1, \"text\": \"bad ";
        var suffix = name.EndsWith(".csv", StringComparison.Ordinal) ? $" bytes,{Date}\n" : $" bytes\", \"created_at\": \"{Date}\"}}\n";
        byte[] invalid = [0xC3, 0x28, 0xFF, 0xE2, 0x82];
        var path = _files.WriteBytes(name, [.. Encoding.UTF8.GetBytes(prefix), .. invalid, .. Encoding.UTF8.GetBytes(suffix)]);

        var post = Assert.Single((await ImportFiles.ReadAllAsync(path)).Posts());

        Assert.Equal("bad \uFFFD(\uFFFD\uFFFD bytes", post.Raw.Text);
    }

    [Fact]
    public async Task Nul_in_a_field_is_read_as_it_is_and_left_to_the_sink_to_strip()
    {
        var csv = _files.WriteLines("nul.csv", CsvHeader, $"1,a\0b,{Date}");
        var jsonl = _files.WriteLines("nul.jsonl", JsonPost(1, @"a\u0000b"));

        Assert.Equal("a\0b", Assert.Single((await ImportFiles.ReadAllAsync(csv)).Posts()).Raw.Text);
        Assert.Equal("a\0b", Assert.Single((await ImportFiles.ReadAllAsync(jsonl)).Posts()).Raw.Text);
    }

    // ---- line bound -------------------------------------------------------------------------------

    [Fact]
    public async Task JsonLines_line_longer_than_the_bound_is_quarantined_at_its_line_and_skipped()
    {
        var path = _files.WriteLines("long.jsonl", JsonPost(1), JsonPost(2, new string('x', 500)), JsonPost(3));

        var items = await ImportFiles.ReadAllAsync(path, Small);

        Assert.Equal([1L, 3L], items.Ids());
        Assert.Equal(["long.jsonl:1", "long.jsonl:2", "long.jsonl:3"], items.Locations());
        var bad = Assert.Single(items.Quarantined());
        Assert.Equal("long.jsonl:2: line 2 is longer than pipeline.limits.max-line-length (200 characters): it has 559; the line is skipped", bad.Error);
        Assert.StartsWith("{\"id\": 2, \"text\": \"xxx", bad.Payload);
    }

    [Fact]
    public async Task Csv_line_longer_than_the_bound_is_quarantined_and_the_lines_after_it_keep_their_numbers()
    {
        var path = _files.WriteLines("long.csv", CsvHeader, $"1,fine,{Date}", $"2,{new string('x', 500)},{Date}", "", $"4,fine,{Date}");

        var items = await ImportFiles.ReadAllAsync(path, Small);

        Assert.Equal([1L, 4L], items.Ids());
        Assert.Equal(["long.csv:2", "long.csv:3", "long.csv:5"], items.Locations());
        Assert.Equal(
            "long.csv:3: line 3 is longer than pipeline.limits.max-line-length (200 characters): it has 523; the line is skipped",
            Assert.Single(items.Quarantined()).Error);
    }

    [Fact]
    public async Task Csv_record_that_spans_an_overlong_line_is_quarantined_as_incomplete_instead_of_stored_without_it()
    {
        var path = _files.WriteLines("spans.csv", CsvHeader, $"1,\"first line", new string('x', 500), $"last line\",{Date}", $"2,fine,{Date}");

        var items = await ImportFiles.ReadAllAsync(path, Small);

        Assert.Equal([2L], items.Ids());
        Assert.Equal(
            ["spans.csv:3: line 3 is longer than pipeline.limits.max-line-length (200 characters): it has 500; the line is skipped",
             "spans.csv:2: the record is incomplete: its line 3 is longer than pipeline.limits.max-line-length and was skipped"],
            items.Quarantined().Select(q => q.Error));
        Assert.Equal("spans.csv:5", items.Locations()[^1]);
    }

    [Fact]
    public async Task Csv_overlong_line_before_the_header_fails_the_file()
    {
        var path = _files.WriteLines("noheader.csv", new string('x', 500), CsvHeader, $"1,fine,{Date}");

        var error = await Assert.ThrowsAsync<PostFileException>(() => ImportFiles.ReadAllAsync(path, Small));

        Assert.Equal(
            "noheader.csv:1: line 1 is longer than pipeline.limits.max-line-length (200 characters): it has 500, and no header row comes before it",
            error.Message);
    }

    // ---- record bound -----------------------------------------------------------------------------

    [Fact]
    public async Task Csv_quote_left_open_is_cut_off_at_the_record_bound_and_reading_resumes_on_the_next_line()
    {
        var lines = new List<string> { CsvHeader, $"1,fine,{Date}", $"2,\"never closed,{Date}" };
        lines.AddRange(Enumerable.Range(3, 20).Select(id => $"{id},{new string('t', 40)},{Date}"));
        var path = _files.WriteLines("runaway.csv", [.. lines]);

        var items = await ImportFiles.ReadAllAsync(path, Small);

        Assert.Equal(Enumerable.Range(3, 20).Select(i => (long)i).Prepend(1L), items.Ids());
        var bad = Assert.Single(items.Quarantined());
        Assert.Equal("runaway.csv:3", bad.Location);
        Assert.Equal(
            "runaway.csv:3: a record starting on this line is longer than pipeline.limits.max-record-length (300 characters): " +
            "a quoted field opened on it is probably never closed; reading resumes on the next line",
            bad.Error);
        Assert.Equal($"2,\"never closed,{Date}", bad.Payload);
    }

    [Fact]
    public async Task Json_array_element_larger_than_the_record_bound_is_stepped_over_and_the_next_one_read()
    {
        var path = _files.Write("dump.json", $"[\n{JsonPost(1)},\n{JsonPost(2, new string('x', 500))},\n{JsonPost(3)}\n]\n");

        var items = await ImportFiles.ReadAllAsync(path, Small with { MaxLineLength = 100_000 });

        Assert.Equal([1L, 3L], items.Ids());
        var bad = Assert.Single(items.Quarantined());
        Assert.Equal("dump.json:3: the array element is larger than pipeline.limits.max-record-length (300 characters)", bad.Error);
        Assert.StartsWith("{\"id\": 2, \"text\": \"xxx", bad.Payload);
        Assert.Equal("dump.json:4", items.Locations()[^1]);
    }

    // ---- field bound ------------------------------------------------------------------------------

    [Fact]
    public async Task Csv_record_with_more_fields_than_the_bound_is_quarantined_naming_the_count_and_the_setting()
    {
        var path = _files.WriteLines("fields.csv", CsvHeader, $"1,fine,{Date}", string.Join(',', Enumerable.Repeat("a", 40)), $"3,fine,{Date}");

        var items = await ImportFiles.ReadAllAsync(path, Small);

        Assert.Equal([1L, 3L], items.Ids());
        Assert.Equal("fields.csv:3: the record has 40 fields, more than pipeline.limits.max-fields (10)", Assert.Single(items.Quarantined()).Error);
    }

    [Fact]
    public async Task Csv_header_with_more_columns_than_the_bound_fails_the_file()
    {
        var path = _files.WriteLines("wide.csv", CsvHeader + string.Concat(Enumerable.Range(0, 20).Select(i => $",c{i}")));

        var error = await Assert.ThrowsAsync<PostFileException>(() => ImportFiles.ReadAllAsync(path, Small));

        Assert.Equal("wide.csv:1: the header has 23 columns, more than pipeline.limits.max-fields (10)", error.Message);
    }

    [Fact]
    public async Task Json_object_with_more_properties_than_the_bound_is_quarantined_naming_the_count_and_the_setting()
    {
        var extra = string.Concat(Enumerable.Range(0, 5).Select(i => $", \"p{i}\": {i}"));
        var path = _files.WriteLines("props.jsonl",
            JsonPost(1),
            $$$"""{"id": 2, "text": "t", "created_at": "{{{Date}}}"{{{extra}}}, "user": {"screen_name": "a", "id": 1, "x": 2}}""",
            JsonPost(3));

        var items = await ImportFiles.ReadAllAsync(path, Small);

        Assert.Equal([1L, 3L], items.Ids());
        Assert.Equal("props.jsonl:2: the object has 12 properties, more than pipeline.limits.max-fields (10)", Assert.Single(items.Quarantined()).Error);
    }

    // ---- nesting bound ----------------------------------------------------------------------------

    [Fact]
    public async Task JsonLines_line_nested_deeper_than_the_bound_is_quarantined_naming_the_depth_and_the_setting()
    {
        var deep = new string('[', 10_000) + new string(']', 10_000);
        var justTooDeep = JsonPost(3)[..^1] + ", \"x\": " + string.Concat(Enumerable.Repeat("{\"a\": ", 8)) + "1" + new string('}', 9);
        var path = _files.WriteLines("deep.jsonl", JsonPost(1), deep, justTooDeep, JsonPost(4));

        var items = await ImportFiles.ReadAllAsync(path, Small with { MaxLineLength = 100_000 });

        Assert.Equal([1L, 4L], items.Ids());
        Assert.Equal(
            ["deep.jsonl:2: the JSON is nested 10,000 levels deep, more than pipeline.limits.max-nesting-depth (8)",
             "deep.jsonl:3: the JSON is nested 9 levels deep, more than pipeline.limits.max-nesting-depth (8)"],
            items.Quarantined().Select(q => q.Error));
    }

    [Fact]
    public async Task Json_array_element_nested_deeper_than_the_bound_is_stepped_over_and_the_next_one_read()
    {
        var deep = new string('[', 5_000) + new string(']', 5_000);
        var path = _files.Write("tweets.js", $"window.YTD.tweets.part0 = [\n{JsonPost(1)},\n{deep},\n{JsonPost(3)}\n]\n");

        var items = await ImportFiles.ReadAllAsync(path, Small with { MaxLineLength = 100_000, MaxRecordLength = 100_000 });

        Assert.Equal([1L, 3L], items.Ids());
        Assert.Equal(
            "tweets.js:3: the array element is nested 5,000 levels deep, more than pipeline.limits.max-nesting-depth (8)",
            Assert.Single(items.Quarantined()).Error);
    }

    [Fact]
    public async Task Json_array_element_broken_inside_is_quarantined_while_its_brackets_show_where_it_ends()
    {
        var path = _files.Write("dump.json", $"[\n{JsonPost(1)},\n{{\"id\": 2, \"text\": \"a\" \"b\": 1}},\n{JsonPost(3)}\n]\n");

        var items = await ImportFiles.ReadAllAsync(path);

        Assert.Equal([1L, 3L], items.Ids());
        var bad = Assert.Single(items.Quarantined());
        Assert.StartsWith("dump.json:3: invalid JSON (", bad.Error);
        Assert.Equal("{\"id\": 2, \"text\": \"a\" \"b\": 1}", bad.Payload);
    }

    // ---- empty and binary files -------------------------------------------------------------------

    [Theory]
    [InlineData("empty.csv", "")]
    [InlineData("empty.jsonl", "")]
    [InlineData("empty.json", "")]
    [InlineData("tweets.js", "")]
    [InlineData("blank.csv", " \n\t\r\n")]
    [InlineData("blank.jsonl", " \n\t\r\n")]
    [InlineData("blank.json", " \n\t\r\n")]
    [InlineData("tweets.js", " \n\t\r\n")]
    [InlineData("bom.csv", "\uFEFF")]
    [InlineData("tweets.js", "\uFEFF\n")]
    public async Task Empty_or_blank_file_of_any_format_has_no_posts_and_is_no_error(string name, string content)
    {
        var path = _files.WriteBytes(name, Encoding.UTF8.GetBytes(content));

        Assert.Empty(await ImportFiles.ReadAllAsync(path));
    }

    private static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        new Random(20240229).NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public async Task Binary_file_read_as_json_lines_quarantines_every_line_with_a_bounded_payload()
    {
        var bytes = RandomBytes(256 * 1024);
        var path = _files.WriteBytes("random.jsonl", bytes);

        var items = await ImportFiles.ReadAllAsync(path);

        Assert.NotEmpty(items);
        Assert.Empty(items.Posts());
        Assert.All(items.Quarantined(), q =>
        {
            Assert.StartsWith("random.jsonl:", q.Location);
            Assert.InRange(q.Payload!.Length, 1, QuarantineEntry.PayloadExcerpt + 1);
            Assert.DoesNotContain(q.Error, c => char.IsControl(c));
        });
    }

    [Fact]
    public async Task Binary_file_read_as_csv_fails_the_file_with_a_one_line_reason_naming_it()
    {
        var path = _files.WriteBytes("random.csv", RandomBytes(256 * 1024));

        var error = await Assert.ThrowsAsync<PostFileException>(() => ImportFiles.ReadAllAsync(path));

        Assert.StartsWith("random.csv:", error.Message);
        Assert.DoesNotContain(error.Message, c => char.IsControl(c));
        Assert.InRange(error.Message.Length, 20, 3_000);
    }
}
