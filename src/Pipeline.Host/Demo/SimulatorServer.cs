using System.Globalization;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Pipeline.Actors.Sources.Simulator;
using Pipeline.Models.Domain;

namespace Pipeline.Host.Demo;

/// <summary>
/// The simulated Nitter instance on a loopback port (Kestrel): <c>GET /search</c> answers from the
/// simulated timeline, with its occasional 429s (Retry-After in seconds) and slow pages.
/// </summary>
public sealed class SimulatorServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SimulatorServer(WebApplication app, SimulatedNitter nitter, Uri baseUrl)
    {
        _app = app;
        Nitter = nitter;
        BaseUrl = baseUrl;
    }

    /// <summary>The instance's root, with a trailing slash (what <c>pipeline.scraping.nitter.instances</c> takes).</summary>
    public Uri BaseUrl { get; }

    public SimulatedNitter Nitter { get; }

    public static async Task<SimulatorServer> StartAsync(
        IReadOnlyList<Company> companies, SimulationSettings simulation, SimulatedFaults faults, int port = 0, TimeProvider? clock = null)
    {
        var time = clock ?? TimeProvider.System;
        var nitter = new SimulatedNitter(new SimulatedTimeline(new ConversationGenerator(companies, simulation)), faults);
        // The backlog is written before the first request, not while a scraper waits for it.
        nitter.Timeline.GenerateThrough(time.GetUtcNow());

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
        builder.Logging.ClearProviders();
        // Ctrl+C belongs to the service, which drains first; the simulator stops when it is disposed.
        builder.Services.AddSingleton<IHostLifetime, OwnerStoppedLifetime>();
        var app = builder.Build();
        app.MapGet("/search", async context =>
        {
            var answer = nitter.Search(name => context.Request.Query.TryGetValue(name, out var v) ? v.ToString() : null, time.GetUtcNow());
            if (answer.Delay > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(answer.Delay, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            context.Response.StatusCode = answer.Status;
            context.Response.ContentType = "text/html; charset=utf-8";
            if (answer.RetryAfter is { } retry)
            {
                context.Response.Headers.RetryAfter = Math.Ceiling(retry.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            }

            await context.Response.WriteAsync(answer.Html, context.RequestAborted);
        });
        app.MapGet("/", () => Results.Text("Simulated Nitter instance: GET /search?f=tweets&q=...\n"));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new SimulatorServer(app, nitter, new Uri(address.TrimEnd('/') + "/"));
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
