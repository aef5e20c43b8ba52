using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Logging;
using Pipeline.Host.Demo;
using Pipeline.Host.Settings;

namespace Pipeline.Host.Commands;

/// <summary>
/// <c>pipeline demo</c>: the embedded PostgreSQL, a simulated Nitter instance on loopback and the
/// full service collecting from it, until Ctrl+C (which drains in-flight batches, then stops the simulator).
/// </summary>
public static class DemoCommand
{
    public static async Task<int> ExecuteAsync(string? configPath)
    {
        var configFile = SettingsLoader.ResolveConfigPath(configPath);
        var config = SettingsLoader.LoadConfig(configFile);
        var settings = SettingsLoader.Load(config);
        var demo = SettingsLoader.LoadDemo(config);
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).AddFilter("Npgsql", LogLevel.Warning));
        var logger = loggers.CreateLogger("demo");

        var origin = DateTimeOffset.UtcNow;
        await using var simulator = await SimulatorServer.StartAsync(settings.Companies, demo.Simulation(origin), demo.Faults, demo.SimulatorPort);
        logger.LogInformation("Simulated Nitter on {Url}: {Days} days of backlog about {Count} companies (seed {Seed}), then live posts at {Rate} a minute on average (by hour of day), with scheduled incidents",
            simulator.BaseUrl, demo.BacklogDays, settings.Companies.Count, demo.Seed, demo.LivePostsPerMinute);

        // Alerts go to a receiver of the demo's own, which checks their signatures and prints them.
        await using var receiver = await DemoWebhookReceiver.StartAsync(Console.Out);
        var demoSettings = demo.Embedded(demo.Apply(settings, simulator.BaseUrl));
        demoSettings = demoSettings with { Alerts = demoSettings.Alerts with { Webhooks = [.. demoSettings.Alerts.Webhooks, receiver.Endpoint] } };
        demoSettings = demo.Retraining(demoSettings);
        Directory.CreateDirectory(demoSettings.Http.ModelsRoot);
        return await RunCommand.ServeAsync(demoSettings, config, loggers, logger, app =>
        {
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() is { } bound
                ? new Uri(bound)
                : new Uri($"http://{demoSettings.Http.Host}:{demoSettings.Http.Port}");
            // A wildcard bind prints as 0.0.0.0, which no browser should be sent to (and HostFiltering refuses).
            var root = Pipeline.Host.Http.HttpAccessRules.LocalUrl(address.Host, address.Port).ToString().TrimEnd('/');
            Console.WriteLine();
            Console.WriteLine($"  Dashboard:  {root}/");
            Console.WriteLine($"  Health:     {root}/ready");
            Console.WriteLine($"  Simulator:  {simulator.BaseUrl}search  (posts appear live; the backlog is collected first)");
            Console.WriteLine(demoSettings.Alerts.Enabled
                ? $"  Webhooks:   {receiver.Url}  (alerts print here as they are delivered, signatures checked)"
                : "  Webhooks:   off (pipeline.alerts.enabled = off)");
            Console.WriteLine("  Ctrl+C stops after committing in-flight batches.");
            Console.WriteLine();
            if (demo.RetrainAfterBacklog && demoSettings.TopicRetrain.Enabled)
            {
                // Runs beside the service; stops with it.
                _ = Task.Run(() => DemoRetrain.AfterBacklogAsync(app.Services, demoSettings, logger, Console.Out, app.Lifetime.ApplicationStopping));
            }
        });
    }
}
