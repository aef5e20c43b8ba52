using Akka;
using Akka.Actor;
using Akka.Event;
using Akka.Hosting;
using Akka.Pattern;

namespace Pipeline.Actors.Graph;

/// <summary>Marker for the scrapers' shared graph (its backoff supervisor) in the actor registry.</summary>
public sealed class SharedScraperGraph;

/// <summary>Akka.Hosting registration of the scrapers' shared graph, restarted with backoff, drained on coordinated shutdown.</summary>
public static class SharedGraphHosting
{
    /// <summary>
    /// Starts the graph the scrapers on this node feed; <see cref="PipelineGraph"/> and <see cref="SharedGraphEntrance"/>
    /// come from the service provider (the entrance is also what readiness and /metrics read).
    /// </summary>
    /// <param name="drainTimeout">How long a shutdown waits for the pages in flight to be committed.</param>
    public static AkkaConfigurationBuilder AddSharedScraperGraph(
        this AkkaConfigurationBuilder builder, SupervisionSettings supervision, TimeSpan drainTimeout) =>
        builder.WithActors((system, registry, resolver) =>
        {
            var graph = system.ActorOf(
                SharedGraphRunner.Props(resolver.GetService<PipelineGraph>(), resolver.GetService<SharedGraphEntrance>(), supervision), "scraper-graph");
            registry.Register<SharedScraperGraph>(graph);

            // service-unbind comes before cluster-sharding-shutdown-region: the entrance refuses new pages at once, what is
            // in flight is committed, and the scrapers persist those checkpoints while they still live here, so that after
            // the hand-off they resume elsewhere from the newest one. The journal lasts until actor-system-terminate.
            CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseServiceUnbind, "drain-scraper-graph", async () =>
            {
                try
                {
                    await graph.Ask<SharedGraphRunner.Drained>(SharedGraphRunner.Drain.Instance, drainTimeout);
                }
                catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
                {
                    system.Log.Warning("The scrapers' graph did not drain within {0}; uncommitted pages are fetched again next start", drainTimeout);
                }

                return Done.Instance;
            });
        });
}
