using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Logging;
using Npgsql;
using Pipeline.Actors.Sources.Scraping;
using Pipeline.Host.Demo;
using Pipeline.Host.Settings;
using Serilog;
using Serilog.Extensions.Logging;
using Spectre.Console;

namespace Pipeline.Host.Commands;

/// <summary>
/// <c>pipeline demo</c>: the embedded PostgreSQL, a simulated Nitter instance on loopback and the
/// full service collecting from it, until Ctrl+C (which drains in-flight batches, then stops the simulator).
/// The terminal shows where things are (<see cref="DemoTerminal"/>); the logs go to a file (<see cref="DemoLog"/>).
/// </summary>
public sealed class DemoCommand : PipelineCommand
{
    public DemoCommand()
        : base("demo", "Run the demo: embedded PostgreSQL, a simulated Nitter instance on loopback and the full service collecting from it; prints the dashboard and health URLs.") =>
        SetAction((_, context, _) => ExecuteAsync(context));

    /// <remarks>The demo's logs go to its log file, not to the context's console loggers.</remarks>
    public static async Task<int> ExecuteAsync(CommandContext context)
    {
        var settings = context.Settings;
        // Akka prints its last lines at shutdown on stdout once its loggers have stopped; the demo's terminal is not for them.
        var config = Akka.Configuration.ConfigurationFactory.ParseString("akka.stdout-loglevel = OFF").WithFallback(context.Config);
        var demo = SettingsLoader.LoadDemo(config);

        var terminal = DemoTerminal.For(AnsiConsole.Console, Console.IsOutputRedirected);
        var logFile = DemoLog.PathFor(demo.Folder, DateTime.Now);
        await using var log = DemoLog.Create(logFile, terminal);
        using var loggers = new SerilogLoggerFactory(log);
        var logger = loggers.CreateLogger("demo");
        terminal.WriteLine("Pipeline demo: an embedded PostgreSQL, a simulated Nitter instance and the service collecting from it.");
        terminal.WriteLine($"  Log file:   {logFile}");
        terminal.WriteLine("              (the full log; this terminal shows the status, alerts and the warnings that need you)");

        var origin = DateTimeOffset.UtcNow;
        await using var simulator = await SimulatorServer.StartAsync(settings.Companies, demo.Simulation(origin), demo.Faults, demo.SimulatorPort);
        logger.LogInformation("Simulated Nitter on {Url}: {Days} days of backlog about {Count} companies (seed {Seed}), then live posts at {Rate} a minute on average (by hour of day), with scheduled incidents",
            simulator.BaseUrl, demo.BacklogDays, settings.Companies.Count, demo.Seed, demo.LivePostsPerMinute);

        // Alerts go to a receiver of the demo's own, which checks their signatures and prints them.
        await using var receiver = await DemoWebhookReceiver.StartAsync(terminal.Writer);
        var demoSettings = demo.Embedded(demo.Apply(settings, simulator.BaseUrl));
        demoSettings = demoSettings with { Alerts = demoSettings.Alerts with { Webhooks = [.. demoSettings.Alerts.Webhooks, receiver.Endpoint] } };
        demoSettings = demo.Retraining(demoSettings);
        Directory.CreateDirectory(demoSettings.Http.ModelsRoot);
        var retraining = new DemoRetrainProgress(
            !demo.RetrainAfterBacklog || !demoSettings.TopicRetrain.Enabled ? "off" : "waits until the backlog is collected");
        return await RunCommand.ServeAsync(demoSettings, config, loggers, logger, app =>
        {
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() is { } bound
                ? new Uri(bound)
                : new Uri($"http://{demoSettings.Http.Host}:{demoSettings.Http.Port}");
            // A wildcard bind prints as 0.0.0.0, which no browser should be sent to (and HostFiltering refuses).
            var dashboard = Pipeline.Host.Http.HttpAccessRules.LocalUrl(address.Host, address.Port);
            var root = dashboard.ToString().TrimEnd('/');
            terminal.WriteLine($"  Dashboard:  {root}/");
            terminal.WriteLine($"  Health:     {root}/ready");
            terminal.WriteLine($"  Simulator:  {simulator.BaseUrl}search  (posts appear live; the backlog is collected first; a 429 now and then on purpose)");
            terminal.WriteLine(demoSettings.Alerts.Enabled
                ? $"  Webhooks:   {receiver.Url}  (alerts print here as they are delivered, signatures checked)"
                : "  Webhooks:   off (pipeline.alerts.enabled = off)");
            terminal.WriteLine("  Ctrl+C stops after committing in-flight batches.");
            terminal.WriteLine(string.Empty);
            var stopping = app.Lifetime.ApplicationStopping;
            if (demo.RetrainAfterBacklog && demoSettings.TopicRetrain.Enabled)
            {
                // Runs beside the service; stops with it.
                _ = Task.Run(() => DemoRetrain.AfterBacklogAsync(app.Services, demoSettings, logger, terminal.Writer, retraining, stopping));
            }

            var source = new DemoStatusSource(app.Services.GetRequiredService<NpgsqlDataSource>(), demoSettings.Companies,
                app.Services.GetRequiredService<SourceStatusBoard>(), retraining);
            return ShowUntilStoppingAsync();

            async Task ShowUntilStoppingAsync()
            {
                await terminal.ShowAsync(
                async ct =>
                {
                    try
                    {
                        return await source.ReadAsync(ct);
                    }
                    catch (Exception e) when (e is NpgsqlException or InvalidOperationException or OperationCanceledException)
                    {
                        if (!ct.IsCancellationRequested)
                        {
                            logger.LogInformation("The demo's status could not be read: {Error}", e.GetBaseException().Message);
                        }

                        return null;
                    }
                },
                status => DemoStatusView.Line(status, dashboard),
                (status, width) => DemoStatusView.Table(status, dashboard, logFile, width),
                demo.StatusInterval,
                stopping);
                terminal.WriteLine("Stopped collecting; the in-flight batches are committed and the service shuts down (details in the log file).");
            }
        }, logging => logging.ClearProviders().AddSerilog(log));
    }
}
