using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Pipeline.Tests.Shared;

/// <summary>
/// A real HTTP server on a loopback port (Kestrel) that plays the part of a Nitter instance or
/// the X API: each request is answered by the next scripted response for its path, or by the
/// fallback. Every request is recorded with its time, so tests can assert pauses and order.
/// </summary>
public sealed class FakeHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Func<HttpContext, Task>>> _scripts = new();
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private Func<HttpContext, Task> _fallback = context =>
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    };

    private FakeHttpServer(WebApplication app) => _app = app;

    public Uri BaseUrl { get; private set; } = null!;

    public IReadOnlyList<RecordedRequest> Requests => _requests.ToList();

    public static async Task<FakeHttpServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakeHttpServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUrl = new Uri(address + "/");
        return server;
    }

    /// <summary>Answers the next request for <paramref name="path"/> (e.g. <c>/search</c>) with <paramref name="respond"/>; scripts queue up in order.</summary>
    public FakeHttpServer Then(string path, Func<HttpContext, Task> respond)
    {
        _scripts.GetOrAdd(path, _ => new ConcurrentQueue<Func<HttpContext, Task>>()).Enqueue(respond);
        return this;
    }

    /// <summary>Answers every request nothing is scripted for.</summary>
    public FakeHttpServer Otherwise(Func<HttpContext, Task> respond)
    {
        _fallback = respond;
        return this;
    }

    public static Func<HttpContext, Task> Respond(int status, string body, string contentType = "text/html; charset=utf-8",
        IDictionary<string, string>? headers = null, TimeSpan? delay = null) => async context =>
    {
        if (delay is { } wait)
        {
            // A slow instance: the client's timeout is what a test exercises, so the wait ends when the client gives up.
            try
            {
                await Task.Delay(wait, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            context.Response.Headers[name] = value;
        }

        await context.Response.WriteAsync(body);
    };

    private async Task HandleAsync(HttpContext context)
    {
        // The body too (webhook receivers check signatures over it); requests a source sends have none.
        using var body = new StreamReader(context.Request.Body);
        _requests.Enqueue(new RecordedRequest(context.Request.Path, context.Request.QueryString.Value ?? string.Empty,
            context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            DateTimeOffset.UtcNow, await body.ReadToEndAsync()));
        var respond = _scripts.TryGetValue(context.Request.Path, out var queue) && queue.TryDequeue(out var scripted)
            ? scripted
            : _fallback;
        await respond(context);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    public sealed record RecordedRequest(string Path, string Query, IReadOnlyDictionary<string, string> Headers, DateTimeOffset At, string Body = "");
}
