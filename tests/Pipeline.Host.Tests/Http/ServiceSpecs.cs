using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using System.Text.Json;
using Akka.Configuration;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pipeline.Actors.Graph;
using Pipeline.Host.Database;
using Pipeline.Host.Settings;
using Pipeline.Tests.Shared;

namespace Pipeline.Host.Tests.Http;

/// <summary>The whole service as <c>run</c> composes it, on a loopback port, against a real PostgreSQL.</summary>
public sealed class ServiceSpecs(PostgresFixture postgres)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private static (PipelineSettings Settings, Config Config) Configure(string connectionString, string inbox, string extra = "")
    {
        var config = ConfigurationFactory.ParseString(extra).WithFallback(ConfigurationFactory.ParseString($$"""
            pipeline.database.connection-string = "{{connectionString}}"
            pipeline.import.inbox = "{{inbox}}"
            pipeline.import.files = []
            pipeline.topics.enabled = off
            pipeline.sentiment.enabled = off
            pipeline.import.poll-interval = 100ms
            pipeline.sink.max-wait = 50ms
            pipeline.sink.retry-max-backoff = 500ms
            """)).WithFallback(SettingsLoader.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "pipeline.conf")), _ => null));
        return (SettingsLoader.Load(config), config);
    }

    private static async Task<(WebApplication App, Uri Base)> StartAsync(PipelineSettings settings, Config config, NpgsqlDataSource dataSource)
    {
        var app = PipelineComposition.BuildService(settings, config, dataSource, ["http://127.0.0.1:0"]);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new Uri(address));
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(Uri root, string path)
    {
        using var response = await Http.GetAsync(new Uri(root, path));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    private static string CheckStatus(JsonElement body, string name) =>
        body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name)
            .GetProperty("status").GetString()!;

    [Fact]
    public async Task Ready_while_the_database_answers_and_not_ready_while_it_is_unreachable()
    {
        using var folder = new TempDirectory();
        var server = await postgres.StartDedicatedServerAsync();
        var (settings, config) = Configure(server.ConnectionString, folder.Combine("inbox"));
        await using var database = await PipelineDatabase.OpenAsync(settings, NullLoggerFactory.Instance);
        var (app, root) = await StartAsync(settings, config, database.DataSource);
        await using var _ = app;

        await AwaitReadyAsync(root, HttpStatusCode.OK);
        var (_, ready) = await GetAsync(root, "/healthz/ready");
        Assert.Equal("Healthy", CheckStatus(ready, "database"));
        Assert.Equal("Healthy", CheckStatus(ready, "migrations"));
        Assert.Equal("Healthy", CheckStatus(ready, "import-graph"));
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(root, "/ready")).Status);

        await server.StopAsync();
        await AwaitReadyAsync(root, HttpStatusCode.ServiceUnavailable);
        var (_, down) = await GetAsync(root, "/healthz/ready");
        Assert.Equal("Unhealthy", CheckStatus(down, "database"));
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(root, "/healthz/live")).Status);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(root, "/alive")).Status);

        await server.RestartAsync();
        await AwaitReadyAsync(root, HttpStatusCode.OK);
    }

    [Fact]
    public async Task Not_ready_while_migrations_are_not_applied()
    {
        using var folder = new TempDirectory();
        var connectionString = await postgres.CreateDatabaseAsync();
        var (settings, config) = Configure(connectionString, folder.Combine("inbox"));
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var (app, root) = await StartAsync(settings, config, dataSource);
        await using var _ = app;

        var (status, body) = await GetAsync(root, "/healthz/ready");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("Unhealthy", CheckStatus(body, "migrations"));
        Assert.Equal("Healthy", CheckStatus(body, "database"));
    }

    [Fact]
    public async Task Stopping_the_service_commits_everything_it_has_read_before_exit()
    {
        using var folder = new TempDirectory();
        var inbox = folder.Combine("inbox");
        Directory.CreateDirectory(inbox);
        // A file that has no end until the test gives it one: the service is stopped in the middle of
        // the file while it is still reading, however fast the machine is.
        await using var file = await ImportPipe.CreateAsync(Path.Combine(inbox, "big.jsonl"), SyntheticTweets.Generate(int.MaxValue));
        var (settings, config) = Configure(await postgres.CreateDatabaseAsync(), inbox);
        await using var database = await PipelineDatabase.OpenAsync(settings, NullLoggerFactory.Instance);
        var (app, root) = await StartAsync(settings, config, database.DataSource);
        await using var _ = app;
        var counters = app.Services.GetRequiredService<PipelineCounters>();
        await AwaitAsync(() => counters.Batches >= 2);

        await app.StopAsync();

        Assert.True(await file.Closed.WaitAsync(Patience), "stopped before the end of the file: the service closed it unfinished");
        Assert.Equal(counters.Read, counters.CommittedItems);
        await using var count = database.DataSource.CreateCommand("SELECT count(*) FROM pipeline.raw_posts");
        Assert.True((long)(await count.ExecuteScalarAsync())! >= counters.NewPosts);
        Assert.True(File.Exists(Path.Combine(inbox, "big.jsonl")), "the file is finished at the next start");
    }

    [Fact]
    public async Task Metrics_count_posts_by_drop_reason()
    {
        using var folder = new TempDirectory();
        var inbox = folder.Combine("inbox");
        Directory.CreateDirectory(inbox);
        SyntheticTweets.WriteJsonLines(Path.Combine(inbox, "small.jsonl"), SyntheticTweets.Generate(500));
        var (settings, config) = Configure(await postgres.CreateDatabaseAsync(), inbox);
        await using var database = await PipelineDatabase.OpenAsync(settings, NullLoggerFactory.Instance);
        var (app, root) = await StartAsync(settings, config, database.DataSource);
        await using var _ = app;
        await AwaitAsync(() => File.Exists(Path.Combine(inbox, "done", "small.jsonl")));

        var metrics = await Http.GetStringAsync(new Uri(root, "/metrics"));

        Assert.Contains("pipeline_posts_read_total 500", metrics);
        Assert.Matches(@"pipeline_posts_dropped_total\{reason=""own_post""\} [1-9]", metrics);
        Assert.Contains("pipeline_items_committed_total 500", metrics);
    }

    [Fact]
    public async Task Inbox_files_are_held_to_the_configured_limits()
    {
        using var folder = new TempDirectory();
        var inbox = folder.Combine("inbox");
        Directory.CreateDirectory(inbox);
        var rows = SyntheticTweets.Generate(3).ToList();
        SyntheticTweets.WriteJsonLines(folder.Combine("rows.jsonl"), rows);
        var lines = File.ReadAllLines(folder.Combine("rows.jsonl"));
        // A line of 5,000 characters: far below the shipped bound, above the one configured here.
        File.WriteAllLines(Path.Combine(inbox, "long.jsonl"), [lines[0], "{\"text\": \"" + new string('x', 5_000) + "\"}", lines[1], lines[2]]);
        var (settings, config) = Configure(await postgres.CreateDatabaseAsync(), inbox, "pipeline.limits.max-line-length = 2000");
        await using var database = await PipelineDatabase.OpenAsync(settings, NullLoggerFactory.Instance);
        var (app, _) = await StartAsync(settings, config, database.DataSource);
        await using var __ = app;

        await AwaitAsync(() => File.Exists(Path.Combine(inbox, "done", "long.jsonl")));

        await using var command = database.DataSource.CreateCommand("SELECT location || ' ' || error FROM pipeline.quarantine");
        var quarantined = (string?)await command.ExecuteScalarAsync();
        Assert.StartsWith("long.jsonl:2 ", quarantined);
        Assert.Contains("max-line-length", quarantined);
        Assert.Equal(rows.Select(r => r.Id).Order(), await StoredPosts.IdsAsync(database.DataSource));
    }

    [Fact]
    public async Task Metrics_report_the_managed_heap()
    {
        using var folder = new TempDirectory();
        var (settings, config) = Configure(await postgres.CreateDatabaseAsync(), folder.Combine("inbox"));
        await using var database = await PipelineDatabase.OpenAsync(settings, NullLoggerFactory.Instance);
        var (app, root) = await StartAsync(settings, config, database.DataSource);
        await using var _ = app;

        var metrics = await Http.GetStringAsync(new Uri(root, "/metrics"));

        // A service that has started has a heap of megabytes; zero would mean the gauge reads nothing.
        Assert.Matches(@"(?m)^dotnet_gc_heap_size_bytes [1-9][0-9]{5,}$", metrics);
        Assert.Matches(@"(?m)^dotnet_gc_committed_bytes [1-9][0-9]{5,}$", metrics);
        Assert.Matches(@"(?m)^dotnet_gc_allocated_bytes [1-9][0-9]{5,}$", metrics);
    }

    private static Task AwaitReadyAsync(Uri root, HttpStatusCode expected) =>
        Eventually.ValueAsync(last => $"/healthz/ready stayed {last}, expected {expected}",
            async () => (await GetAsync(root, "/healthz/ready")).Status, status => status == expected, Patience);

    private static Task AwaitAsync(Func<bool> condition) => Eventually.TrueAsync("the awaited condition", condition, Patience);
}
