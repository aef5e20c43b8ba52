using System.Globalization;
using System.Net;
using System.Text;
using Akka.Actor;
using Akka.Event;

namespace Pipeline.Actors.Alerts;

/// <summary>
/// Works off the webhook outbox: every <see cref="DeliverySettings.PollInterval"/> (and at once when the detector queued
/// rows) it claims a few due deliveries, POSTs them, and records each result. Runs on every node (claims never
/// overlap); its own actor with async I/O, so a slow receiver never holds up the pipeline.
/// </summary>
public sealed class WebhookDeliveryActor : ReceiveActor, IWithTimers
{
    public const string EventHeader = "X-Pipeline-Event";
    public const string DeliveryHeader = "X-Pipeline-Delivery";
    public const string TimestampHeader = "X-Pipeline-Timestamp";
    public const string SignatureHeader = "X-Pipeline-Signature";

    private const string TimerKey = "poll";
    private readonly AlertSettings _settings;
    private readonly DeliveryStore _store;
    private readonly AlertCounters _counters;
    private readonly HttpClient _http;
    private readonly Dictionary<string, WebhookEndpoint> _endpoints;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly CancellationTokenSource _stopping = new();
    private bool _polling;
    private bool _pollAgain;
    private bool _failing;

    public WebhookDeliveryActor(AlertSettings settings, DeliveryStore store, AlertCounters counters, HttpClient http)
    {
        _settings = settings;
        _store = store;
        _counters = counters;
        _http = http;
        _endpoints = settings.Webhooks.ToDictionary(w => w.Name, StringComparer.Ordinal);
        foreach (var name in _endpoints.Keys)
        {
            counters.Known(name);
        }

        Receive<Poll>(_ => StartPoll());
        Receive<DeliveriesQueued>(_ => StartPoll());
        Receive<Polled>(OnPolled);
        Receive<Status.Failure>(OnPollFailed);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>The detector queued deliveries: poll now.</summary>
    public sealed record DeliveriesQueued
    {
        public static DeliveriesQueued Instance { get; } = new();
    }

    private sealed record Poll
    {
        public static Poll Instance { get; } = new();
    }

    /// <summary>One attempt's outcome, reported back to the actor to count and log.</summary>
    private sealed record Sent(AlertEvent Delivery, DeliveryAttempt Attempt, bool Abandoned);

    private sealed record Polled(IReadOnlyList<Sent> Sent, bool Full, long Pending);

    /// <summary>A client for webhooks: no redirects (a body must not follow one to another host), no global timeout (each POST has its own).</summary>
    public static HttpClient CreateHttpClient() => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    protected override void PreStart()
    {
        if (_endpoints.Count > 0)
        {
            Timers.StartPeriodicTimer(TimerKey, Poll.Instance, TimeSpan.Zero, _settings.Delivery.PollInterval);
        }
    }

    protected override void PostStop()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private void StartPoll()
    {
        if (_endpoints.Count == 0)
        {
            return;
        }

        if (_polling)
        {
            _pollAgain = true;
            return;
        }

        _polling = true;
        _pollAgain = false;
        RunAsync(_stopping.Token).PipeTo(Self);
    }

    private async Task<Polled> RunAsync(CancellationToken ct)
    {
        var delivery = _settings.Delivery;
        var claimed = await _store.ClaimAsync(_endpoints.Keys, delivery.BatchSize, delivery.Lease, ct);
        // One receiver's slowness must not delay another's: the batch is sent side by side.
        var sent = await Task.WhenAll(claimed.Select(async e =>
        {
            var attempt = await SendAsync(_endpoints[e.Endpoint], e, ct);
            // Recorded even while the actor stops: a receiver that took the event must not get it again after a restart.
            var abandoned = await _store.RecordAsync(e, attempt, delivery.MaxAttempts, delivery.RetryDelay(e.Attempts + 1, Random.Shared.NextDouble()),
                CancellationToken.None);
            return new Sent(e, attempt, abandoned);
        }));
        var pending = await _store.PendingAsync(_endpoints.Keys, ct);
        return new Polled(sent, claimed.Count >= delivery.BatchSize, pending);
    }

    private async Task<DeliveryAttempt> SendAsync(WebhookEndpoint endpoint, AlertEvent delivery, CancellationToken ct)
    {
        var sentAt = DateTimeOffset.UtcNow;
        var body = WebhookPayloads.For(endpoint.Format, delivery, _settings, sentAt);
        var timestamp = sentAt.ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url.Reveal())
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(EventHeader, delivery.Event);
        request.Headers.Add(DeliveryHeader, delivery.DeliveryId);
        request.Headers.Add(TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        if (endpoint.SigningSecret is { } secret)
        {
            request.Headers.Add(SignatureHeader, WebhookSignature.Sign(secret.Reveal(), timestamp, body));
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_settings.Delivery.Timeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var status = (int)response.StatusCode;
            return response.IsSuccessStatusCode
                ? new DeliveryAttempt(true, status, null)
                : new DeliveryAttempt(false, status, $"HTTP {status} {Reason(response.StatusCode)}".TrimEnd());
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new DeliveryAttempt(false, null, $"no answer within {_settings.Delivery.Timeout.TotalSeconds:0.###} s");
        }
        catch (HttpRequestException e)
        {
            // The error kind only: the message names the host and may carry the URL, which can be a secret (Slack).
            return new DeliveryAttempt(false, null, $"request failed: {e.HttpRequestError}");
        }
    }

    private static string Reason(HttpStatusCode status) => Enum.IsDefined(status) ? status.ToString() : string.Empty;

    private void OnPolled(Polled polled)
    {
        _polling = false;
        if (_failing)
        {
            _log.Info("Webhook deliveries work again");
            _failing = false;
        }

        _counters.PendingIs(polled.Pending);
        var now = DateTimeOffset.UtcNow;
        foreach (var sent in polled.Sent)
        {
            if (sent.Attempt.Delivered)
            {
                _counters.Delivered(sent.Delivery.Endpoint, now);
                _log.Info("Webhook {0} delivered {1}", sent.Delivery.Endpoint, sent.Delivery.DeliveryId);
                continue;
            }

            _counters.DeliveryFailed(sent.Delivery.Endpoint);
            if (sent.Abandoned)
            {
                // Logged once: the row is abandoned now and never claimed again.
                _counters.Abandoned(sent.Delivery.Endpoint, now);
                _log.Error("Webhook {0} abandoned {1} after {2} attempts (last: {3})",
                    sent.Delivery.Endpoint, sent.Delivery.DeliveryId, sent.Delivery.Attempts + 1, sent.Attempt.Error);
            }
            else
            {
                _log.Debug("Webhook {0} failed {1} (attempt {2}: {3})",
                    sent.Delivery.Endpoint, sent.Delivery.DeliveryId, sent.Delivery.Attempts + 1, sent.Attempt.Error);
            }
        }

        if (polled.Full || _pollAgain)
        {
            StartPoll();
        }
    }

    private void OnPollFailed(Status.Failure failure)
    {
        _polling = false;
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        if (!_failing)
        {
            _failing = true;
            _log.Warning("Webhook outbox unreachable ({0}); trying again every {1}", failure.Cause.GetBaseException().Message, _settings.Delivery.PollInterval);
        }
    }
}
