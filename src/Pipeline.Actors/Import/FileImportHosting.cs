using Akka.Actor;
using Akka.Event;
using Akka.Hosting;
using Pipeline.Actors.Graph;

namespace Pipeline.Actors.Import;

/// <summary>Akka.Hosting registration of the file importer, with the drain on coordinated shutdown.</summary>
public static class FileImportHosting
{
    /// <summary>Starts the importer; <see cref="PipelineGraph"/> and <see cref="PipelineStatus"/> come from the service provider.</summary>
    public static AkkaConfigurationBuilder AddFileImporter(
        this AkkaConfigurationBuilder builder, ImportSettings settings, TimeSpan drainTimeout)
    {
        return builder.WithActors((system, registry, resolver) =>
        {
            var graph = resolver.GetService<PipelineGraph>();
            var status = resolver.GetService<PipelineStatus>();
            var importer = system.ActorOf(
                Props.Create(() => new FileImportActor(settings, graph, status)), "file-import");
            registry.Register<FileImportActor>(importer);

            // SIGTERM: stop reading, commit what is in flight, then let the system go down.
            CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseServiceUnbind, "drain-file-import", async () =>
            {
                try
                {
                    await importer.Ask<FileImportActor.Drained>(FileImportActor.Drain.Instance, drainTimeout);
                }
                catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
                {
                    system.Log.Warning("Pipeline did not drain within {0}; uncommitted items will be read again next start", drainTimeout);
                }

                return Akka.Done.Instance;
            });
        });
    }
}
