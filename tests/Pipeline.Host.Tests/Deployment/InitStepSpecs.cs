using Npgsql;
using Pipeline.Host.Tests.BadInput;

namespace Pipeline.Host.Tests.Deployment;

/// <summary>
/// The server deployment's order, with the real program as docker-compose.yml runs it: <c>pipeline migrate</c> as the
/// owner (PIPELINE_DB_OWNER and the logins' passwords) sets up the writer and reporting logins; then a verb that only
/// has the writer's connection string (PIPELINE_DB) stores posts, and Tableau's login reads them.
/// </summary>
public sealed class InitStepSpecs(PostgresFixture postgres)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Migrate_as_the_owner_then_the_writer_alone_stores_posts_and_no_password_is_printed()
    {
        using var folder = new TempDirectory();
        var owner = await postgres.CreateDatabaseAsync();
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var (writer, reporting) = ("writer_" + suffix, "tableau_" + suffix);
        const string writerPassword = "writer-init-5d1c";
        const string reportingPassword = "reporting-init-8e02";
        var ownerPassword = new NpgsqlConnectionStringBuilder(owner).Password!;
        var asWriter = new NpgsqlConnectionStringBuilder(owner) { Username = writer, Password = writerPassword }.ConnectionString;

        var migrate = await PipelineProcess.RunAsync(folder.Path, new Dictionary<string, string>
        {
            ["PIPELINE_DB_OWNER"] = owner,
            ["PIPELINE_DB"] = "",
            ["PIPELINE_WRITER_USER"] = writer,
            ["PIPELINE_WRITER_PASSWORD"] = writerPassword,
            ["PIPELINE_REPORTING_USER"] = reporting,
            ["PIPELINE_REPORTING_PASSWORD"] = reportingPassword,
        }, Timeout, "migrate");
        Assert.True(migrate.ExitCode == 0, migrate.Error);

        var posts = Path.Combine(folder.Path, "posts.jsonl");
        SyntheticTweets.WriteJsonLines(posts, SyntheticTweets.Generate(50, firstId: 7_000_000));
        var import = await PipelineProcess.RunAsync(folder.Path, new Dictionary<string, string>
        {
            ["PIPELINE_DB_OWNER"] = "",
            ["PIPELINE_DB"] = asWriter,
            ["PIPELINE_WRITER_USER"] = writer,
            ["PIPELINE_REPORTING_USER"] = reporting,
        }, Timeout, "import", posts);
        Assert.True(import.ExitCode == 0, import.Error);

        await using var tableau = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(owner) { Username = reporting, Password = reportingPassword }.ConnectionString);
        await using var count = tableau.CreateCommand("SELECT count(*) FROM reporting.posts");
        Assert.True((long)(await count.ExecuteScalarAsync())! > 0);
        await using var superuser = tableau.CreateCommand($"SELECT rolsuper OR rolcreaterole OR rolcreatedb FROM pg_roles WHERE rolname = '{writer}'");
        Assert.Equal(false, await superuser.ExecuteScalarAsync());
        foreach (var secret in new[] { writerPassword, reportingPassword, ownerPassword })
        {
            foreach (var printed in new[] { migrate.Output, migrate.Error, import.Output, import.Error })
            {
                Assert.DoesNotContain(secret, printed, StringComparison.Ordinal);
            }
        }
    }
}
