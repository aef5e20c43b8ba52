using Akka.Actor;
using Akka.Hosting;
using Pipeline.Host.Settings;

namespace Pipeline.Host.Scoring;

/// <summary><c>pipeline.model-reloads</c>: how a reload reaches the other nodes.</summary>
/// <param name="AckTimeout">How long the endpoint waits for the other members' answers (its own node's it always waits for).</param>
/// <param name="VersionsInterval">How often each node publishes the versions it runs (consensus, catching up).</param>
public sealed record ModelReloadPropagationSettings(TimeSpan AckTimeout, TimeSpan VersionsInterval)
{
    /// <exception cref="SettingsException">A duration is missing, unreadable or out of bounds; the setting is named.</exception>
    public static ModelReloadPropagationSettings Load(Akka.Configuration.Config config) => new(
        Duration(config, "pipeline.model-reloads.ack-timeout", TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5)),
        Duration(config, "pipeline.model-reloads.versions-interval", TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(50), TimeSpan.FromMinutes(10)));

    private static TimeSpan Duration(Akka.Configuration.Config config, string path, TimeSpan fallback, TimeSpan min, TimeSpan max)
    {
        TimeSpan value;
        try
        {
            value = config.HasPath(path) ? config.GetTimeSpan(path) : fallback;
        }
        catch (Exception e) when (e is FormatException or Akka.Configuration.ConfigurationException or OverflowException)
        {
            throw new SettingsException([$"{path}: not a duration ({e.Message})"]);
        }

        return value >= min && value <= max ? value : throw new SettingsException([$"{path} = {value}: must be between {min} and {max}"]);
    }
}

/// <summary>Akka.Hosting composition of cluster-wide model reloads: see <see cref="ModelReloadPropagator"/>.</summary>
public static class ModelReloadPropagation
{
    public const string ConsensusCheck = "model-consensus";

    /// <summary>
    /// The node's <see cref="ModelReloadPropagator"/> (registered in the <see cref="ActorRegistry"/>, asked by the
    /// reload endpoints) over the reloaders the container holds, and the <c>model-consensus</c> readiness check.
    /// Needs the node's cluster (<see cref="AkkaConfiguration.ConfigureNode"/>): Distributed Pub/Sub runs on it.
    /// </summary>
    /// <param name="modelsRoot"><c>pipeline.http.models-root</c>: folders travel relative to it and are resolved under it.</param>
    public static AkkaConfigurationBuilder AddModelReloadPropagation(
        this AkkaConfigurationBuilder builder, ModelReloadPropagationSettings settings, string modelsRoot, IReadOnlyList<string> readinessTags)
    {
        var board = new ModelConsensusBoard();
        return builder
            .WithHealthCheck(ConsensusCheck, (_, _, _) => Task.FromResult(board.Evaluate()), tags: readinessTags)
            .WithActors((system, registry, resolver) =>
            {
                var targets = new Dictionary<ModelKind, ReloadTarget>();
                if (resolver.GetService<TopicModelReloader>() is { } topics)
                {
                    targets[ModelKind.Topics] = new ReloadTarget(topics, () => topics.Slot.Current.Version);
                }

                if (resolver.GetService<SentimentModelReloader>() is { } sentiment)
                {
                    targets[ModelKind.Sentiment] = new ReloadTarget(sentiment, () => sentiment.Slot.Current.Version);
                }

                var propagator = system.ActorOf(
                    ModelReloadPropagator.Props(targets, modelsRoot, board, settings.AckTimeout, settings.VersionsInterval), "model-reloads");
                registry.Register<ModelReloadPropagator>(propagator);
            });
    }
}
