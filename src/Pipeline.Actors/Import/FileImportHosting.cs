using Akka.Actor;
using Akka.Event;
using Akka.Hosting;
using Akka.Pattern;
using Akka.Streams;
using Pipeline.Actors.Graph;
using Pipeline.Models.Domain;

namespace Pipeline.Actors.Import;

/// <summary>Akka.Hosting registration of the file importer, supervised, with the drain on coordinated shutdown.</summary>
public static class FileImportHosting
{
    /// <summary>Starts the importer; <see cref="PipelineGraph"/> and <see cref="PipelineStatus"/> come from the service provider.</summary>
    /// <param name="supervision">Backoff of the importer's restarts, and of its retries of an import that failed for a reason other than its file.</param>
    public static AkkaConfigurationBuilder AddFileImporter(
        this AkkaConfigurationBuilder builder, ImportSettings settings, InputLimits limits, SupervisionSettings supervision, TimeSpan drainTimeout)
    {
        return builder.WithActors((system, registry, resolver) =>
        {
            var graph = resolver.GetService<PipelineGraph>();
            var status = resolver.GetService<PipelineStatus>();
            var importer = system.ActorOf(
                SupervisedProps(settings, limits, graph, status, supervision, system.Materializer(namePrefix: "file-import")), "file-import");
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

    /// <summary>
    /// The importer under a backoff supervisor: whatever exception stops it (in a handler, or in its
    /// start, such as an inbox folder that cannot be created) it is started again after a growing pause,
    /// and carries on with the configured files and the inbox (imports are idempotent). Messages reach
    /// the importer through the supervisor; a drain while it is down is answered at once.
    /// </summary>
    public static Props SupervisedProps(
        ImportSettings settings, InputLimits limits, PipelineGraph graph, PipelineStatus status, SupervisionSettings supervision, IMaterializer materializer) =>
        BackoffSupervisor.Props(
            Backoff.OnFailure(
                    Props.Create(() => new FileImportActor(settings, limits, graph, status, supervision, materializer)),
                    "importer", supervision.MinBackoff, supervision.MaxBackoff, supervision.RandomFactor, maxNrOfRetries: -1)
                .WithSupervisorStrategy(new OneForOneStrategy(_ => Directive.Restart))
                .WithReplyWhileStopped(FileImportActor.Drained.Instance));
}
