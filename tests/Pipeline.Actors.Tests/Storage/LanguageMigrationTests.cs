using Pipeline.Actors.Graph;
using Pipeline.Actors.Storage;
using Pipeline.Actors.Tests.Support;
using Pipeline.Models.Domain;

namespace Pipeline.Actors.Tests.Storage;

/// <summary>V010: the language column and the views that show it, on a database an older release left.</summary>
public sealed class LanguageMigrationTests(PostgresFixture postgres)
{
    private static async Task<List<string>> ColumnsAsync(TestDatabase database, string view) =>
        (await database.RowsAsync($"""
            SELECT column_name FROM information_schema.columns
            WHERE table_schema = 'reporting' AND table_name = '{view}' ORDER BY ordinal_position
            """)).Select(r => (string)r[0]!).ToList();

    [Theory]
    [InlineData("posts")]
    [InlineData("out_of_range_posts")]
    public async Task Post_views_keep_every_column_in_place_and_add_language_last(string view)
    {
        await using var database = await TestDatabase.PrepareAsync(await postgres.CreateDatabaseAsync(), targetVersion: 9);
        var before = await ColumnsAsync(database, view);

        await new SchemaMigrator(database.DataSource).MigrateAsync();

        Assert.Equal([.. before, "language"], await ColumnsAsync(database, view));
    }

    [Fact]
    public async Task Post_stored_before_the_migration_has_no_language_until_a_replay_decides_it()
    {
        await using var database = await TestDatabase.PrepareAsync(await postgres.CreateDatabaseAsync(), targetVersion: 9);
        await using (var insert = database.DataSource.CreateCommand("""
            INSERT INTO pipeline.raw_posts (post_id, company_id, source, author_handle, text, created_at, fetched_at, drop_reason)
            VALUES (1, 'gtbank', 'nitter', 'ada', '@gtbank abeg una app don crash', '2023-04-03', '2023-04-03', 'spam')
            """))
        {
            await insert.ExecuteNonQueryAsync();
        }

        await new SchemaMigrator(database.DataSource).MigrateAsync();
        var before = Assert.Single(await database.RowsAsync("SELECT language FROM pipeline.raw_posts WHERE post_id = 1"));
        var raw = new RawPost(new PostId(1), new CompanyId("gtbank"), PostSource.Nitter, null, "ada", "@gtbank abeg una app don crash",
            new DateTimeOffset(2023, 4, 3, 0, 0, 0, TimeSpan.Zero), 0, 0, 0, 0, null, null, false, false, DateTimeOffset.UtcNow);
        var sink = new PostgresSink(new PostStore(database.DataSource), SinkSettings.Default, new PipelineCounters());

        await sink.CommitAsync([new PipelineItem.Dropped(raw, new CompanyId("gtbank"), DropReason.NotRelevant, "replay", Language: "pcm")]);

        Assert.Equal(new object?[] { null }, before);
        Assert.Equal(new object?[] { "spam", "pcm" }, Assert.Single(await database.RowsAsync("SELECT drop_reason, language FROM pipeline.raw_posts WHERE post_id = 1")));
    }
}
