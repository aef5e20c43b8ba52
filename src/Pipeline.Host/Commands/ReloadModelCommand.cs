using System.CommandLine;
using System.Net.Http.Json;
using Pipeline.Host.Http;

namespace Pipeline.Host.Commands;

/// <summary>
/// <c>pipeline reload-topics</c> and <c>pipeline reload-sentiment</c>: ask the running service to
/// switch a model (<c>POST /admin/topics/reload</c>, <c>POST /admin/sentiment/reload</c>) and print its answer.
/// The token is the service's own: <c>PIPELINE_ADMIN_TOKEN</c> from the environment, sent as a bearer token when set.
/// </summary>
public sealed class ReloadModelCommand : PipelineCommand
{
    private readonly Option<Uri?> _url = new("--url")
    {
        Description = "The running service's management address (default: pipeline.http host and port)",
        // System.CommandLine has no converter for Uri.
        CustomParser = result =>
        {
            var text = result.Tokens.Single().Value;
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri))
            {
                return uri;
            }

            result.AddError($"--url {text}: not an absolute URL (e.g. http://127.0.0.1:8558/)");
            return null;
        },
    };

    private readonly Option<string?> _path = new("--path");

    // The two verbs differ only in the model they name: its endpoint, and the folder --path means.
    private ReloadModelCommand(string name, string model, string endpoint, string pathDescription)
        : base(name, $"Ask the running service to switch to the {model} model in a folder, without a restart.")
    {
        _path.Description = pathDescription;
        Declare(_url, _path);
        SetAction((result, context, ct) =>
            ExecuteAsync(context, result.GetValue(_url), endpoint, result.GetValue(_path), Environment.GetEnvironmentVariable, ct));
    }

    /// <summary><c>pipeline reload-topics</c>.</summary>
    public static ReloadModelCommand Topics() =>
        new("reload-topics", "topic", ModelReloadEndpoint.TopicsPath, "Topic model folder (default: the service's pipeline.topics.model-dir)");

    /// <summary><c>pipeline reload-sentiment</c>.</summary>
    public static ReloadModelCommand Sentiment() =>
        new("reload-sentiment", "sentiment", ModelReloadEndpoint.SentimentPath,
            "Sentiment model folder, read as the service's pipeline.sentiment.scorer kind (default: its pipeline.sentiment.model-dir)");

    /// <param name="url">The service's management address; default from <c>pipeline.http</c>.</param>
    /// <param name="path">The model folder, as the service sees it; default its <c>pipeline.sentiment.model-dir</c>.</param>
    /// <param name="environment">Where the admin token is read; the process environment unless a test gives its own.</param>
    public static Task<int> SentimentAsync(string? configPath, Uri? url, string? path, CancellationToken ct, Func<string, string?>? environment = null) =>
        ExecuteAsync(configPath, url, ModelReloadEndpoint.SentimentPath, path, environment ?? Environment.GetEnvironmentVariable, ct);

    private static async Task<int> ExecuteAsync(
        string? configPath, Uri? url, string endpoint, string? path, Func<string, string?> environment, CancellationToken ct)
    {
        using var context = new CommandContext(configPath);
        return await ExecuteAsync(context, url, endpoint, path, environment, ct);
    }

    private static async Task<int> ExecuteAsync(
        CommandContext context, Uri? url, string endpoint, string? path, Func<string, string?> environment, CancellationToken ct)
    {
        // Only without --url are the settings read: the service's address is all this verb takes from them.
        url ??= HttpAccessRules.LocalUrl(context.Settings.Http.Host, context.Settings.Http.Port);

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
