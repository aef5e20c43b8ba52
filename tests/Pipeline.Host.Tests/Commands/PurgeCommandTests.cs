using Npgsql;
using Pipeline.Actors.Storage;
using Pipeline.Host.Commands;

namespace Pipeline.Host.Tests.Commands;

/// <summary><c>pipeline purge</c>: one retention run with the configured periods, its report on standard output.</summary>
public sealed class PurgeCommandTests(PostgresFixture postgres) : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string WriteConfig(string connectionString, string retention)
    {
        var path = _temp.Combine("pipeline.conf");
        File.WriteAllText(path, File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "pipeline.conf")) + $$"""

            pipeline.database.connection-string = "{{connectionString}}"
            pipeline.retention { {{retention}} }
            """);
        return path;
    }

    [Fact]
    public async Task Purge_removes_the_posts_past_the_configured_period_and_prints_what_went()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        var config = WriteConfig(connectionString, "kept-posts = 30d");
        // Start-up as the service does it (migrations), then posts of 100, 40 and 1 days ago, straight into the tables.
        using var output = new StringWriter();
        Assert.Equal(ExitCodes.Ok, await PurgeCommand.ExecuteAsync(config, output, TestContext.Current.CancellationToken));
        await using var dataSource = PipelineDataSource.Create(connectionString);
        await using (var insert = dataSource.CreateCommand("""
            INSERT INTO pipeline.companies (company_id, display_name, country, industry) VALUES ('gtbank', 'GTBank', 'Nigeria', 'Banking')
                ON CONFLICT DO NOTHING;
            INSERT INTO pipeline.raw_posts (post_id, company_id, source, author_handle, text, created_at, fetched_at)
                SELECT d, 'gtbank', 'import', 'ada', 'post', now() - d * interval '1 day', now() FROM unnest(ARRAY[100, 40, 1]) d;
            INSERT INTO pipeline.scored_posts (post_id, company_id, created_at, clean_text, sentiment_text)
                SELECT d, 'gtbank', now() - d * interval '1 day', 'post', 'post' FROM unnest(ARRAY[100, 40, 1]) d;
            """))
        {
            await insert.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        using var second = new StringWriter();
        Assert.Equal(ExitCodes.Ok, await PurgeCommand.ExecuteAsync(config, second, TestContext.Current.CancellationToken));

        Assert.Contains("removed 2 kept posts, 0 dropped posts, 0 quarantine entries in 1 batch (", second.ToString(), StringComparison.Ordinal);
        await using var ids = dataSource.CreateCommand("SELECT string_agg(post_id::text, ',' ORDER BY post_id) FROM pipeline.raw_posts");
        Assert.Equal("1", await ids.ExecuteScalarAsync(TestContext.Current.CancellationToken));
        await using var rollup = dataSource.CreateCommand("SELECT sum(posts)::int FROM pipeline.daily_rollup");
        Assert.Equal(1, await rollup.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Each_purge_run_leaves_one_audit_row_with_its_trigger_and_counts_and_the_local_user_as_caller()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        var config = WriteConfig(connectionString, "kept-posts = 30d");

        using var output = new StringWriter();
        Assert.Equal(ExitCodes.Ok, await PurgeCommand.ExecuteAsync(config, output, TestContext.Current.CancellationToken));

        await using var dataSource = PipelineDataSource.Create(connectionString);
        var entry = Assert.Single(await AuditTrail.ReadAsync(dataSource, ct: TestContext.Current.CancellationToken));
        Assert.Equal("retention", entry.Action);
        Assert.Equal(AuditTrail.CommandLineCaller(), entry.Caller);
        Assert.StartsWith("ran: removed 0 kept posts", entry.Outcome, StringComparison.Ordinal);
        using var parameters = System.Text.Json.JsonDocument.Parse(entry.Parameters);
        Assert.Equal("requested", parameters.RootElement.GetProperty("trigger").GetString());
        Assert.Equal(0, parameters.RootElement.GetProperty("removed").GetProperty("keptPosts").GetInt64());
    }

    [Fact]
    public async Task Purge_with_every_period_forever_touches_nothing_and_says_so()
    {
        using var output = new StringWriter();

        Assert.Equal(ExitCodes.Ok, await PurgeCommand.ExecuteAsync(WriteConfig("Host=invalid.example;Database=none", ""), output, TestContext.Current.CancellationToken));

        Assert.Equal("Every pipeline.retention period is forever: nothing to purge.", output.ToString().Trim());
    }
}
