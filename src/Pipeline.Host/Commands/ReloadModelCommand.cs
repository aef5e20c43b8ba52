using System.Net.Http.Json;
using Pipeline.Host.Http;
using Pipeline.Host.Settings;

namespace Pipeline.Host.Commands;

/// <summary>
/// <c>pipeline reload-topics</c> and <c>pipeline reload-sentiment</c>: ask the running service to
/// switch a model (<c>POST /admin/topics/reload</c>, <c>POST /admin/sentiment/reload</c>) and print its answer.
/// </summary>
public static class ReloadModelCommand
{
    /// <param name="url">The service's management address; default from <c>pipeline.http</c>.</param>
    /// <param name="path">The model folder, as the service sees it; default its <c>pipeline.topics.model-dir</c>.</param>
    public static Task<int> TopicsAsync(string? configPath, Uri? url, string? path, CancellationToken ct) =>
        ExecuteAsync(configPath, url, ModelReloadEndpoint.TopicsPath, path, ct);

    /// <param name="url">The service's management address; default from <c>pipeline.http</c>.</param>
    /// <param name="path">The model folder, as the service sees it; default its <c>pipeline.sentiment.model-dir</c>.</param>
    public static Task<int> SentimentAsync(string? configPath, Uri? url, string? path, CancellationToken ct) =>
        ExecuteAsync(configPath, url, ModelReloadEndpoint.SentimentPath, path, ct);

    private static async Task<int> ExecuteAsync(string? configPath, Uri? url, string endpoint, string? path, CancellationToken ct)
    {
        if (url is null)
        {
            var settings = SettingsLoader.Load(SettingsLoader.LoadConfig(SettingsLoader.ResolveConfigPath(configPath)));
            url = new Uri($"http://{settings.Http.Host}:{settings.Http.Port}/");
        }

        using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromMinutes(2) };
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsJsonAsync(endpoint.TrimStart('/'), new { path }, ct);
        }
        catch (HttpRequestException e)
        {
            await Console.Error.WriteLineAsync($"pipeline: no service answers at {url} ({e.Message}); is `pipeline run` running?");
            return ExitCodes.Failed;
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            (response.IsSuccessStatusCode ? Console.Out : Console.Error).WriteLine(body);
            return response.IsSuccessStatusCode ? ExitCodes.Ok : ExitCodes.Failed;
        }
    }
}
