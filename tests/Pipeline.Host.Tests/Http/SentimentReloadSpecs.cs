using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Akka.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Host.Commands;
using Pipeline.Host.Database;
using Pipeline.Host.Settings;
using Pipeline.Host.Tests.Commands;

namespace Pipeline.Host.Tests.Http;

/// <summary>
/// Sentiment model hot reload on the running service with the shipped built-in model and copies of
/// it under other versions: endpoint, verb, health, and the versions stored on the rows.
/// </summary>
// The verb's answer is read from the process-wide Console.Out, like the other verbs' stderr.
[Collection(StandardErrorCollection.Name)]
public sealed class SentimentReloadSpecs(PostgresFixture postgres)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private static readonly string Shipped = SentimentCommands.DefaultModelFolder;

    private static (PipelineSettings Settings, Config Config) Configure(string connectionString, string inbox)
    {
        var config = ConfigurationFactory.ParseString($$"""
            pipeline.database.connection-string = "{{connectionString}}"
            pipeline.import.inbox = "{{inbox}}"
            pipeline.http.models-root = "{{Path.GetDirectoryName(inbox)}}"
            pipeline.import.files = []
            pipeline.import.poll-interval = 100ms
            pipeline.sink.max-wait = 50ms
            pipeline.topics.enabled = off
            pipeline.sentiment.scorer = builtin
            pipeline.sentiment.model-dir = "{{Shipped}}"
            pipeline.sentiment.batch-size = 32
            pipeline.sentiment.max-wait = 20ms
            pipeline.sentiment.parallelism = 2
            """).WithFallback(SettingsLoader.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "pipeline.conf")), _ => null));
        return (SettingsLoader.Load(config), config);
    }

    /// <summary>A copy of the shipped model whose sentiment.json says <paramref name="version"/> (and <paramref name="format"/>).</summary>
    private static string CopyOfShipped(string directory, string version, int format = Pipeline.Models.Sentiment.BuiltInSentimentMetadata.CurrentFormat)
    {
        Directory.CreateDirectory(directory);
        // The whole folder: model.zip, the Pidgin lexicon beside it, the notices.
        foreach (var file in Directory.GetFiles(Shipped))
        {
            File.Copy(file, Path.Combine(directory, Path.GetFileName(file)));
        }

        var metadata = JsonNode.Parse(File.ReadAllText(Path.Combine(Shipped, "sentiment.json")))!;
        metadata["modelVersion"] = version;
        metadata["format"] = format;
        File.WriteAllText(Path.Combine(directory, "sentiment.json"), metadata.ToJsonString());
        return directory;
    }

    [Fact]
    public async Task Reloading_while_posts_flow_switches_later_rows_to_the_new_version_and_bad_folders_get_422_keeping_the_old_one()
    {
        await using var service = await StartAsync();
        var (folder, inbox, database, root) = (service.Folder, service.Inbox, service.Database, service.Root);
        var reloaded = CopyOfShipped(folder.Combine("model-b"), "builtin-reloaded-b");
        var viaVerb = CopyOfShipped(folder.Combine("model-c"), "builtin-reloaded-c");
        var wrongFormat = CopyOfShipped(folder.Combine("model-format-9"), "builtin-format-9", format: 9);
        var empty = Directory.CreateDirectory(folder.Combine("empty")).FullName;
        var (shipped, shippedLoadedAt) = await RunningService.ModelAsync(root, "sentiment-model");
        Assert.StartsWith("builtin-", shipped);

        // The reload is asked for while the first file's posts are being scored.
        RunningService.Drop(inbox, "one.jsonl", 1_000_000_000_000_000_000, 3_000);
        using var switched = await Http.PostAsJsonAsync(new Uri(root, "/admin/sentiment/reload"), new { path = reloaded });
        var body = await switched.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.OK, switched.StatusCode);
        Assert.Equal(shipped, body.GetProperty("previousVersion").GetString());
        Assert.Equal("builtin-reloaded-b", body.GetProperty("version").GetString());
        Assert.Equal(Path.GetFullPath(reloaded), body.GetProperty("path").GetString());
        var (version, loadedAt) = await RunningService.ModelAsync(root, "sentiment-model");
        Assert.Equal("builtin-reloaded-b", version);
        Assert.True(loadedAt > shippedLoadedAt, $"loadedAt {loadedAt:O} is not after the start-up model's {shippedLoadedAt:O}");
        await RunningService.WaitImportedAsync(inbox, "one.jsonl");
        await RunningService.ImportAsync(inbox, "two.jsonl", 2_000_000_000_000_000_000);

        using var missing = await Http.PostAsync(new Uri(root, "/admin/sentiment/reload?path=" + Uri.EscapeDataString(empty)), null);
        var missingReason = await missing.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.UnprocessableEntity, missing.StatusCode);
        Assert.Contains("model.zip", missingReason.GetProperty("error").GetString());
        Assert.Contains(empty, missingReason.GetProperty("error").GetString());
        Assert.Equal("builtin-reloaded-b", missingReason.GetProperty("version").GetString());
        using var wrong = await Http.PostAsJsonAsync(new Uri(root, "/admin/sentiment/reload"), new { path = wrongFormat });
        var wrongReason = await wrong.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.UnprocessableEntity, wrong.StatusCode);
        Assert.Contains("format 9", wrongReason.GetProperty("error").GetString());
        await RunningService.ImportAsync(inbox, "three.jsonl", 3_000_000_000_000_000_000);

        var versions = await RunningService.VersionsByFileAsync(database, "sentiment_model_version");
        Assert.Subset(new HashSet<string> { shipped, "builtin-reloaded-b" }, versions[1].ToHashSet());
        Assert.Equal(["builtin-reloaded-b"], versions[2]);
        Assert.Equal(["builtin-reloaded-b"], versions[3]);
        // A scorer disposed under a running batch would have failed its posts into the quarantine.
        var metrics = await Http.GetStringAsync(new Uri(root, "/metrics"));
        Assert.Contains("pipeline_stage_failed_total{stage=\"sentiment\"} 0", metrics);
        await using (var quarantined = database.DataSource.CreateCommand("SELECT count(*) FROM pipeline.quarantine WHERE source = 'sentiment'"))
        {
            Assert.Equal(0L, (long)(await quarantined.ExecuteScalarAsync())!);
        }

        var (code, output) = await RunVerbAsync("reload-sentiment", "--url", root.ToString(), "--path", viaVerb);
        Assert.Equal(ExitCodes.Ok, code);
        var printed = JsonDocument.Parse(output).RootElement;
        Assert.Equal("builtin-reloaded-b", printed.GetProperty("previousVersion").GetString());
        Assert.Equal("builtin-reloaded-c", printed.GetProperty("version").GetString());
        Assert.Equal("builtin-reloaded-c", (await RunningService.ModelAsync(root, "sentiment-model")).Version);
    }

    [Fact]
    public async Task The_verb_prints_the_refusal_and_fails_when_the_folder_is_not_a_model()
    {
        await using var service = await StartAsync();
        var (folder, root) = (service.Folder, service.Root);
        var empty = Directory.CreateDirectory(folder.Combine("empty")).FullName;

        var (code, error) = await StandardError.RunProgramAsync("reload-sentiment", "--url", root.ToString(), "--path", empty);

        Assert.Equal(ExitCodes.Failed, code);
        Assert.Contains("model.zip", error, StringComparison.Ordinal);
        Assert.StartsWith("builtin-", (await RunningService.ModelAsync(root, "sentiment-model")).Version);
    }

    [Fact]
    public async Task A_request_the_endpoint_cannot_read_is_refused_instead_of_reloading_the_configured_folder()
    {
        await using var service = await StartAsync();
        var (folder, root) = (service.Folder, service.Root);
        var (_, loadedAt) = await RunningService.ModelAsync(root, "sentiment-model");
        var endpoint = new Uri(root, "/admin/sentiment/reload");

        using var form = await Http.PostAsync(endpoint, new FormUrlEncodedContent([new("path", folder.Path)]));
        using var twoPaths = await Http.PostAsync(new Uri(endpoint + "?path=a&path=b"), null);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, form.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, twoPaths.StatusCode);
        Assert.Equal(loadedAt, (await RunningService.ModelAsync(root, "sentiment-model")).LoadedAt);
    }

    /// <summary>The service on a fresh database, importing from an inbox in a folder of its own.</summary>
    private async Task<Service> StartAsync()
    {
        var folder = new TempDirectory();
        var inbox = folder.Combine("inbox");
        Directory.CreateDirectory(inbox);
        var (settings, config) = Configure(await postgres.CreateDatabaseAsync(), inbox);
        var database = await PipelineDatabase.OpenAsync(settings, NullLoggerFactory.Instance);
        var app = PipelineComposition.BuildService(settings, config, database.DataSource, ["http://127.0.0.1:0"]);
        await app.StartAsync();
        return new Service(folder, inbox, database, app, RunningService.Root(app));
    }

    private sealed record Service(TempDirectory Folder, string Inbox, PipelineDatabase Database, WebApplication App, Uri Root) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await App.DisposeAsync();
            await Database.DisposeAsync();
            Folder.Dispose();
        }
    }

    private static async Task<(int Code, string Output)> RunVerbAsync(params string[] args)
    {
        var original = Console.Out;
        using var output = new StringWriter();
        Console.SetOut(output);
        try
        {
            var (code, _) = await StandardError.RunProgramAsync(args);
            return (code, output.ToString());
        }
        finally
        {
            Console.SetOut(original);
        }
    }
}
