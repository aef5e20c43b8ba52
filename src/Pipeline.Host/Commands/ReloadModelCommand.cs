using System.Net.Http.Json;
using Pipeline.Host.Http;
using Pipeline.Host.Settings;

namespace Pipeline.Host.Commands;

/// <summary>
/// <c>pipeline reload-topics</c> and <c>pipeline reload-sentiment</c>: ask the running service to
/// switch a model (<c>POST /admin/topics/reload</c>, <c>POST /admin/sentiment/reload</c>) and print its answer.
/// The token is the service's own: <c>PIPELINE_ADMIN_TOKEN</c> from the environment, sent as a bearer token when set.
/// </summary>
public static class ReloadModelCommand
{
    /// <param name="url">The service's management address; default from <c>pipeline.http</c>.</param>
    /// <param name="path">The model folder, as the service sees it; default its <c>pipeline.topics.model-dir</c>.</param>
    /// <param name="environment">Where the admin token is read; the process environment unless a test gives its own.</param>
    public static Task<int> TopicsAsync(string? configPath, Uri? url, string? path, CancellationToken ct, Func<string, string?>? environment = null) =>
        ExecuteAsync(configPath, url, ModelReloadEndpoint.TopicsPath, path, environment ?? Environment.GetEnvironmentVariable, ct);

    /// <param name="url">The service's management address; default from <c>pipeline.http</c>.</param>
    /// <param name="path">The model folder, as the service sees it; default its <c>pipeline.sentiment.model-dir</c>.</param>
    /// <param name="environment">Where the admin token is read; the process environment unless a test gives its own.</param>
    public static Task<int> SentimentAsync(string? configPath, Uri? url, string? path, CancellationToken ct, Func<string, string?>? environment = null) =>
        ExecuteAsync(configPath, url, ModelReloadEndpoint.SentimentPath, path, environment ?? Environment.GetEnvironmentVariable, ct);

    private static async Task<int> ExecuteAsync(
        string? configPath, Uri? url, string endpoint, string? path, Func<string, string?> environment, CancellationToken ct)
    {
        if (url is null)
        {
            var settings = SettingsLoader.Load(SettingsLoader.LoadConfig(SettingsLoader.ResolveConfigPath(configPath)));
            url = HttpAccessRules.LocalUrl(settings.Http.Host, settings.Http.Port);
        }

        using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromMinutes(2) };
        if (HttpCredentials.FromEnvironment(environment).AdminToken is { } token)
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

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
