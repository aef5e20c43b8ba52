using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Pipeline.Actors.Alerts;
using Pipeline.Models.Alerts;

namespace Pipeline.Host.Demo;

/// <summary>
/// <c>pipeline demo</c>'s webhook receiver on a loopback port: what a team's endpoint does with the service's alerts. It
/// checks each delivery's signature with the secret the demo generated (handed over in memory, never written), drops a
/// repeated delivery id, and prints one line per alert.
/// </summary>
public sealed class DemoWebhookReceiver : IAsyncDisposable
{
    public const string EndpointName = "demo";

    /// <summary>Requests signed longer ago than this are refused as replays.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);

    private readonly WebApplication _app;
    private readonly Secret _secret;

    private DemoWebhookReceiver(WebApplication app, Secret secret, Uri url)
    {
        _app = app;
        _secret = secret;
        Url = url;
    }

    /// <summary>Where deliveries are POSTed.</summary>
    public Uri Url { get; }

    /// <summary>The endpoint the demo adds to <c>pipeline.alerts.webhooks</c>: generic JSON, every alert, signed with this receiver's secret.</summary>
    public WebhookEndpoint Endpoint => new(EndpointName, new Secret(Url.AbsoluteUri), WebhookFormat.Json, new HashSet<string>(),
        new HashSet<AlertSignal>(), AlertSeverity.Warning, _secret);

    /// <param name="output">Where the lines go: the terminal, or a test's writer.</param>
    public static async Task<DemoWebhookReceiver> StartAsync(TextWriter output, TimeProvider? clock = null)
    {
        var time = clock ?? TimeProvider.System;
        // A fresh key every demo: nothing to configure, nothing that could leak from a file.
        var secret = new Secret(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)));
        var seen = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        // Ctrl+C belongs to the service, which drains first; the receiver stops when it is disposed.
        builder.Services.AddSingleton<IHostLifetime, OwnerStoppedLifetime>();
        var app = builder.Build();
        app.MapPost("/webhook", async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            var headers = context.Request.Headers;
            var timestamp = headers[WebhookDeliveryActor.TimestampHeader].ToString();
            var delivery = headers[WebhookDeliveryActor.DeliveryHeader].ToString();
            var fresh = long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
                && Math.Abs(time.GetUtcNow().ToUnixTimeSeconds() - seconds) <= MaxAge.TotalSeconds;
            if (!fresh || !WebhookSignature.Verify(secret.Reveal(), timestamp, body, headers[WebhookDeliveryActor.SignatureHeader].ToString()))
            {
                await output.WriteLineAsync($"  Webhook ✗ signature does not verify ({(fresh ? "signature" : "timestamp")}), delivery {Printable(delivery)} refused");
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }

            // At least once means sometimes twice: the delivery id says which.
            if (seen.TryAdd(delivery, true))
            {
                await output.WriteLineAsync(Line(body));
            }

            context.Response.StatusCode = StatusCodes.Status204NoContent;
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new DemoWebhookReceiver(app, secret, new Uri(address.TrimEnd('/') + "/webhook"));
    }

    /// <summary>e.g. <c>  Webhook ✓ major volume_spike GTBank: 48 posts in the last 15 min, 5.3x the 9 expected …</c></summary>
    public static string Line(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            var alert = json.RootElement.GetProperty("alert");
            var escalated = json.RootElement.GetProperty("event").GetString() == "escalated" ? "escalated to " : string.Empty;
            return $"  Webhook ✓ {escalated}{alert.GetProperty("severity").GetString()} {alert.GetProperty("signal").GetString()} {alert.GetProperty("summary").GetString()}";
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return "  Webhook ✓ (signed, but not an alert event)";
        }
    }

    private static string Printable(string value) => value.Length == 0 ? "(none)" : new string([.. value.Take(80).Where(c => !char.IsControl(c))]);

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
