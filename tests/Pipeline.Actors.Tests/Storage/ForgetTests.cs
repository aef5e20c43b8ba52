using System.Text;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Storage;
using Pipeline.Actors.Tests.Support;
using Pipeline.Models.Domain;

namespace Pipeline.Actors.Tests.Storage;

/// <summary>Tombstones in the sink, forget by post, pseudonyms at write time and the backfill of older rows, the audit trail's redaction.</summary>
public sealed class ForgetTests(PostgresFixture postgres)
{
    private static readonly DateTimeOffset Day = new(2024, 5, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly PrivacyKeys Keys = new("forget-tests-secret-0123456789abcdef"u8);
    private const string Secret = "forget-tests-secret-0123456789abcdef";

    private static RawPost Raw(long id, string author, int day = 0) => new(new PostId(id), new CompanyId("gtbank"), PostSource.Import, "7", author,
        $"@gtbank my transfer failed ({id})", Day.AddDays(day), 1, 2, 3, 4, null, "en", false, false, DateTimeOffset.UtcNow);

    private static PipelineItem.Scored Kept(long id, string author, int day = 0)
    {
        var raw = Raw(id, author, day);
        return new(new ScoredPost(new CleanedPost(raw, raw.Company!.Value, raw.Text, raw.Text, ["transfer", "failed"])), $"test:{id}");
    }

    private static PipelineItem.Dropped Dropped(long id, string author) => new(Raw(id, author), new CompanyId("gtbank"), DropReason.Spam, $"test:{id}");

    [Fact]
    public async Task Posts_of_a_forgotten_author_or_post_are_not_stored_again_and_are_counted_as_forgotten()
    {
        await using var database = await TestDatabase.CreateAsync(postgres);
        var counters = new PipelineCounters();
        var sink = new PostgresSink(new PostStore(database.DataSource, Secret), SinkSettings.Default, counters);
        List<PipelineItem> batch = [Kept(1, "Ada_Obi"), Kept(2, "@ada_obi", day: 1), Dropped(3, "ada_obi"), Kept(4, "tunde_b"), Kept(5, "tunde_b")];
        await sink.CommitAsync(batch);

        var byAuthor = await DataSubjects.ForgetAsync(database.DataSource, Keys, new DataSubject.Author("ADA_OBI"), null);
        var byPost = await DataSubjects.ForgetAsync(database.DataSource, Keys, new DataSubject.Post(5), null);
        foreach (var item in batch)
            counters.Counted(item);
        var again = await sink.CommitAsync(batch);

        Assert.Equal(new ForgetReport(3, 2, 0, 0, 4), byAuthor);
        Assert.Equal(new ForgetReport(1, 1, 0, 0, 1), byPost);
        Assert.Equal(0, again.NewPosts);
        Assert.Equal([4L], await StoredIdsAsync(database));
        Assert.Equal(4, (await database.DropCountsAsync())["forgotten"]);
        Assert.Equal(4, counters.Dropped[DropReason.Forgotten]);
        Assert.Equal(1, counters.Kept);
        Assert.Equal(0, counters.Dropped.GetValueOrDefault(DropReason.Spam));
    }

    [Fact]
    public async Task An_author_gets_the_same_pseudonym_on_every_day_and_rows_stored_before_pseudonyms_get_theirs_at_start_up()
    {
        await using var database = await TestDatabase.CreateAsync(postgres);
        var sink = new PostgresSink(new PostStore(database.DataSource, Secret), SinkSettings.Default, new PipelineCounters());
        await sink.CommitAsync([Kept(1, "Ada_Obi"), Kept(2, "ada_obi", day: 3), Kept(3, "tunde_b", day: 3)]);
        // A row as a release before V014 left it.
        await ExecuteAsync(database, "UPDATE pipeline.raw_posts SET author_pseudonym = NULL WHERE post_id = 2");

        Assert.Equal(2, await database.CountAsync("SELECT count(DISTINCT author_pseudonym) FROM pipeline.raw_posts"));
        Assert.Equal(1, await PseudonymBackfill.RunAsync(database.DataSource, Keys));

        Assert.Equal(1, await database.CountAsync($"SELECT count(DISTINCT author_pseudonym) FROM pipeline.raw_posts WHERE post_id IN (1, 2) AND author_pseudonym = '{Keys.Pseudonym("ada_obi")}'"));
        Assert.Equal(2, await database.CountAsync($"SELECT count(*) FROM pipeline.raw_posts WHERE author_pseudonym = '{Keys.Pseudonym("@ADA_OBI ")}'"));
        Assert.NotEqual(Keys.Pseudonym("ada_obi"), new PrivacyKeys(Encoding.UTF8.GetBytes(Secret + "x")).Pseudonym("ada_obi"));
        // Without a secret in the environment, the database's own key: the same on every load, another database's differs.
        var own = await PrivacyKeys.LoadAsync(database.DataSource, null);
        Assert.Equal(own.Pseudonym("ada_obi"), (await PrivacyKeys.LoadAsync(database.DataSource, null)).Pseudonym("ada_obi"));
        await using var other = await TestDatabase.CreateAsync(postgres);
        Assert.NotEqual(own.Pseudonym("ada_obi"), (await PrivacyKeys.LoadAsync(other.DataSource, null)).Pseudonym("ada_obi"));
        Assert.Throws<PrivacyKeyException>(() => PrivacyKeys.LoadAsync(database.DataSource, "short").GetAwaiter().GetResult());
    }

    [Fact]
    public async Task Audit_rows_keep_parameters_but_redact_every_secret_looking_one_at_any_depth()
    {
        await using var database = await TestDatabase.CreateAsync(postgres);

        await AuditTrail.RecordAsync(database.DataSource, "retention", new { period = "30d", adminToken = "t0ps3cret", nested = new { password = "hunter2", rows = 3 } },
            "purged 3 posts", "cli:ops");

        var row = Assert.Single(await AuditTrail.ReadAsync(database.DataSource));
        Assert.Equal(("retention", "purged 3 posts", "cli:ops"), (row.Action, row.Outcome, row.Caller));
        Assert.Contains("\"period\": \"30d\"", row.Parameters);
        Assert.Contains("\"rows\": 3", row.Parameters);
        Assert.DoesNotContain("t0ps3cret", row.Parameters);
        Assert.DoesNotContain("hunter2", row.Parameters);
        Assert.Contains(AuditTrail.Redacted, row.Parameters);
    }

    [Theory]
    [InlineData("ada_obi", "{\"author_handle\":\"Ada_Obi\"}", true)]
    [InlineData("@ada_obi", "hi @ADA_OBI!", true)]
    [InlineData("ada_obi", "ada_obi2 and xada_obi", false)]
    [InlineData("a.b+c", "by a.b+c today", true)]
    [InlineData("a.b+c", "by aXb+c today", false)]
    public async Task Handle_pattern_matches_the_whole_handle_alike_in_postgres_and_dotnet(string handle, string text, bool matches)
    {
        await using var database = await TestDatabase.CreateAsync(postgres);
        var pattern = DataSubjects.HandlePattern(handle);

        Assert.Equal(matches, System.Text.RegularExpressions.Regex.IsMatch(text, pattern, System.Text.RegularExpressions.RegexOptions.IgnoreCase));
        await using var command = database.DataSource.CreateCommand("SELECT $1 ~* $2");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = text });
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = pattern });
        Assert.Equal(matches, (bool)(await command.ExecuteScalarAsync())!);
    }

    private static async Task<List<long>> StoredIdsAsync(TestDatabase database)
    {
        var ids = new List<long>();
        await using var command = database.DataSource.CreateCommand("SELECT post_id FROM pipeline.raw_posts ORDER BY 1");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            ids.Add(reader.GetInt64(0));
        return ids;
    }

    private static async Task ExecuteAsync(TestDatabase database, string sql)
    {
        await using var command = database.DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}
