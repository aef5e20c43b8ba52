using Akka.Actor;
using Akka.Hosting;
using Npgsql;

namespace Pipeline.Actors.Alerts;

/// <summary>Akka.Hosting registration of the alert detector and the webhook sender (both on every node).</summary>
public static class AlertHosting
{
    /// <summary>Starts the detector; <see cref="NpgsqlDataSource"/> and <see cref="AlertCounters"/> come from the service provider.</summary>
    public static AkkaConfigurationBuilder AddAlertDetector(this AkkaConfigurationBuilder builder, AlertSettings settings) =>
        builder.WithActors((system, registry, resolver) =>
        {
            var detector = system.ActorOf(
                DetectorProps(settings, resolver.GetService<NpgsqlDataSource>(), resolver.GetService<AlertCounters>()), "alert-detector");
            registry.Register<AlertDetectorActor>(detector);
        });

    /// <summary>Starts the webhook sender; it does nothing while no webhook is configured.</summary>
    public static AkkaConfigurationBuilder AddWebhookDelivery(this AkkaConfigurationBuilder builder, AlertSettings settings) =>
        builder.WithActors((system, registry, resolver) =>
        {
            var sender = system.ActorOf(
                DeliveryProps(settings, resolver.GetService<NpgsqlDataSource>(), resolver.GetService<AlertCounters>()), "webhook-delivery");
            registry.Register<WebhookDeliveryActor>(sender);
        });

    public static Props DetectorProps(AlertSettings settings, NpgsqlDataSource dataSource, AlertCounters counters) =>
        Props.Create(() => new AlertDetectorActor(settings, new AlertStore(dataSource), counters));

    /// <param name="http">The client to POST with; one without redirects or a global timeout by default.</param>
    public static Props DeliveryProps(AlertSettings settings, NpgsqlDataSource dataSource, AlertCounters counters, HttpClient? http = null) =>
        Props.Create(() => new WebhookDeliveryActor(settings, new DeliveryStore(dataSource), counters, http ?? WebhookDeliveryActor.CreateHttpClient()));
}
