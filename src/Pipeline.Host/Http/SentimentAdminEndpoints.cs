using Pipeline.Host.Scoring;

namespace Pipeline.Host.Http;

/// <summary>
/// <c>POST /admin/sentiment/reload</c>: switch the sentiment model without restarting (see
/// <see cref="ModelReloadEndpoint"/>); the folder defaults to <c>pipeline.sentiment.model-dir</c>
/// and is read as the configured <c>pipeline.sentiment.scorer</c> kind.
/// </summary>
public static class SentimentAdminEndpoints
{
    public const string ReloadPath = "/admin/sentiment/reload";

    public static WebApplication MapSentimentAdmin(this WebApplication app) =>
        app.MapModelReload<SentimentModelReloader>(ReloadPath, "sentiment is disabled (pipeline.sentiment.enabled = off)");
}
