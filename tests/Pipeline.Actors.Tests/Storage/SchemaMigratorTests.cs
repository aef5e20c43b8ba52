using Npgsql;
using Pipeline.Actors.Storage;
using Pipeline.Actors.Tests.Support;

namespace Pipeline.Actors.Tests.Storage;

public sealed class SchemaMigratorTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Migrating_twice_applies_nothing_the_second_time()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());
        var migrator = new SchemaMigrator(dataSource);

        var first = await migrator.MigrateAsync();
        var second = await migrator.MigrateAsync();

        Assert.Equal(SchemaMigrator.Shipped.Count, first.Applied.Count);
        Assert.Empty(second.Applied);
        Assert.True(await migrator.IsUpToDateAsync());
    }

    [Fact]
    public async Task Nodes_migrating_at_the_same_time_apply_each_migration_once()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        var sources = Enumerable.Range(0, 4).Select(_ => NpgsqlDataSource.Create(connectionString)).ToList();
        try
        {
            var reports = await Task.WhenAll(sources.Select(s => new SchemaMigrator(s).MigrateAsync()));

            Assert.Equal(SchemaMigrator.Shipped.Count, reports.Sum(r => r.Applied.Count));
            await using var count = sources[0].CreateCommand("SELECT count(*) FROM pipeline.schema_migrations");
            Assert.Equal((long)SchemaMigrator.Shipped.Count, await count.ExecuteScalarAsync());
        }
        finally
        {
            foreach (var source in sources)
            {
                await source.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Empty_database_is_not_up_to_date()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());

        Assert.False(await new SchemaMigrator(dataSource).IsUpToDateAsync());
    }

    [Fact]
    public async Task Reporting_login_reads_the_reporting_views_and_nothing_else()
    {
        await using var database = await TestDatabase.CreateAsync(postgres);
        var user = "reader_" + Guid.NewGuid().ToString("N")[..8];
        await new SchemaMigrator(database.DataSource).EnsureReportingLoginAsync(user, "s3cret'pass");
        var asReader = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Username = user, Password = "s3cret'pass" };
        await using var reader = NpgsqlDataSource.Create(asReader.ConnectionString);

        foreach (var view in new[] { "posts", "daily_counts", "weekly_counts", "drop_counts", "companies" })
        {
            await using var select = reader.CreateCommand($"SELECT count(*) FROM reporting.{view}");
            await select.ExecuteScalarAsync();
        }

        foreach (var forbidden in new[]
                 {
                     "SELECT count(*) FROM pipeline.raw_posts",
                     "SELECT count(*) FROM pipeline.quarantine",
                     "DELETE FROM reporting.companies",
                     "CREATE TABLE reporting.mine (x int)",
                 })
        {
            await using var command = reader.CreateCommand(forbidden);
            var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
        }
    }
}
