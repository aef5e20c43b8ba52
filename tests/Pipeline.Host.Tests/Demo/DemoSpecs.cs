using Akka.Configuration;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pipeline.Host.Database;
using Pipeline.Host.Demo;
using Pipeline.Host.Settings;

namespace Pipeline.Host.Tests.Demo;

/// <summary>
/// The demo end to end, in-process: the simulated Nitter instance on loopback, the service built
/// by <see cref="PipelineComposition"/> with the demo's settings, a throwaway PostgreSQL.
/// </summary>
public sealed class DemoSpecs(PostgresFixture postgres)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    /// <summary>The shipped settings and demo defaults, with a short backlog so the test is quick.</summary>
    internal static (PipelineSettings Settings, DemoSettings Demo, Config Config) Configure(string connectionString, string folder) 
    {
        var config = ConfigurationFactory.ParseString($$"""
            pipeline.database.connection-string = "{{connectionString}}"
            pipeline.demo.folder = "{{folder}}"
            pipeline.demo.backlog-days = 2
            pipeline.demo.backlog-posts-per-day = 600
            pipeline.demo.rate-limit-probability = 0.05
            pipeline.scraping.retry-min-backoff = 100ms
            pipeline.scraping.retry-max-backoff = 1s
            akka.loglevel = WARNING
            """).WithFallback(SettingsLoader.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "pipeline.conf")), _ => null));
        return (SettingsLoader.Load(config), SettingsLoader.LoadDemo(config), config);
    }

    [Fact]
    public async Task Demo_collects_the_simulated_conversation_into_the_reporting_views_for_several_companies_and_counts_drops()
    {
        using var folder = new TempDirectory();
        var (settings, demo, config) = Configure(await postgres.CreateDatabaseAsync(), folder.Path);
        await using var simulator = await SimulatorServer.StartAsync(settings.Companies, demo.Simulation(DateTimeOffset.UtcNow), demo.Faults);
        var demoSettings = demo.Apply(settings, simulator.BaseUrl);
        await using var database = await PipelineDatabase.OpenAsync(demoSettings, NullLoggerFactory.Instance);
        await using var app = PipelineComposition.BuildService(demoSettings, config, database.DataSource, ["http://127.0.0.1:0"],
            database.ConnectionString);
        await app.StartAsync();
        var root = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        using var http = new HttpClient();

        // Everything that grows while the demo runs is awaited; a fast machine meets the first
        // conditions after the scrapers' first pages, before they have paged on.
        await AwaitAsync("posts from three companies", async () =>
            await ScalarAsync(database.DataSource, "SELECT count(DISTINCT company_id) FROM reporting.posts") >= 3);
        await AwaitAsync("own posts and spam counted as drops", async () =>
            (await ListAsync(database.DataSource, "SELECT DISTINCT reason FROM reporting.drop_counts WHERE posts > 0"))
            is var reasons && reasons.Contains("own_post") && reasons.Contains("spam"));
        await AwaitAsync("fifty stored posts", async () =>
            await ScalarAsync(database.DataSource, "SELECT count(*) FROM reporting.posts WHERE source = 'nitter'") >= 50);
        await AwaitAsync("scrapers paging past their first page", () => Task.FromResult(simulator.Nitter.Requests > settings.Companies.Count));
        await AwaitAsync("two sentiment labels", async () =>
            await ScalarAsync(database.DataSource, "SELECT count(DISTINCT sentiment_label) FROM reporting.posts") >= 2);
        await AwaitAsync("three topics", async () =>
            await ScalarAsync(database.DataSource, "SELECT count(DISTINCT topic_id) FROM reporting.posts WHERE topic_id >= 0") >= 3);
        await AwaitAsync("/ready", async () => (await http.GetAsync(new Uri(root, "/ready"))).IsSuccessStatusCode);

        Assert.Equal(0, await ScalarAsync(database.DataSource, "SELECT count(*) FROM reporting.posts WHERE source <> 'nitter'"));
        // Every stored post went through the shipped topic model and the built-in sentiment model.
        Assert.Equal(0, await ScalarAsync(database.DataSource, "SELECT count(*) FROM reporting.posts WHERE topic_label IS NULL OR sentiment_label IS NULL"));
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<List<string>> ListAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    private static Task AwaitAsync(string what, Func<Task<bool>> condition) => Eventually.TrueAsync(what, condition, Patience);
}
