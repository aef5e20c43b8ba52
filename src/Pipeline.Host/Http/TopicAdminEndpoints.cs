using Pipeline.Host.Scoring;

namespace Pipeline.Host.Http;

/// <summary><c>POST /admin/topics/reload</c>: switch the topic model without restarting (see <see cref="ModelReloadEndpoint"/>).</summary>
public static class TopicAdminEndpoints
{
    public const string ReloadPath = "/admin/topics/reload";

    public static WebApplication MapTopicAdmin(this WebApplication app) =>
        app.MapModelReload<TopicModelReloader>(ReloadPath, "topics are disabled (pipeline.topics.enabled = off)");
}
