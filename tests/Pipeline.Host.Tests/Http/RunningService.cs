using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Host.Database;

namespace Pipeline.Host.Tests.Http;

/// <summary>What the model reload specs do with a running service: feed its inbox, read /ready and the stored versions.</summary>
internal static class RunningService
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };

    public static Uri Root(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    /// <summary>Moves a file of <paramref name="count"/> synthetic tweets (ids from <paramref name="firstId"/>) into the inbox.</summary>
    public static void Drop(string inbox, string name, long firstId, int count = 300)
    {
        var staging = Path.Combine(inbox, "..", name);
        SyntheticTweets.WriteJsonLines(staging, SyntheticTweets.Generate(count, firstId: firstId));
        File.Move(staging, Path.Combine(inbox, name));
    }

    /// <summary>Waits until the importer has moved <paramref name="name"/> to <c>done</c>.</summary>
    public static Task WaitImportedAsync(string inbox, string name) =>
        Eventually.TrueAsync($"{name} imported (moved to done)", () => File.Exists(Path.Combine(inbox, "done", name)), Patience);

    public static async Task ImportAsync(string inbox, string name, long firstId)
    {
        Drop(inbox, name, firstId);
        await WaitImportedAsync(inbox, name);
    }

    /// <summary>The <c>data</c> of one /ready check (<c>topic-model</c>, <c>sentiment-model</c>): version, loadedAt, origin.</summary>
    public static async Task<(string Version, DateTimeOffset LoadedAt)> ModelAsync(Uri root, string check)
    {
        using var response = await Http.GetAsync(new Uri(root, "/ready"));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var data = body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == check).GetProperty("data");
        return (data.GetProperty("version").GetString()!,
            DateTimeOffset.Parse(data.GetProperty("loadedAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The model versions in <paramref name="column"/> of <c>pipeline.scored_posts</c>, by file (post id / 10^18).</summary>
    public static async Task<Dictionary<long, List<string>>> VersionsByFileAsync(PipelineDatabase database, string column)
    {
        var versions = new Dictionary<long, List<string>>();
        await using var command = database.DataSource.CreateCommand(
            $"SELECT post_id / 1000000000000000000, {column} FROM pipeline.scored_posts GROUP BY 1, 2 ORDER BY 1, 2");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var file = reader.GetInt64(0);
            (versions.TryGetValue(file, out var list) ? list : versions[file] = []).Add(reader.IsDBNull(1) ? "(none)" : reader.GetString(1));
        }

        return versions;
    }
}
