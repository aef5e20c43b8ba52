using System.Text;
using Pipeline.Models.Alerts;

namespace Pipeline.Actors.Alerts;

/// <summary><c>pipeline.alerts</c>: when the detector checks, what it calls unusual, where alerts are sent.</summary>
/// <param name="CheckInterval">How often each node's detector checks (only the node holding the database lock does the work).</param>
/// <param name="Rules">The detection rules, validated by <see cref="AlertRules.Problems"/>.</param>
/// <param name="PublicUrl">Base of the dashboard links sent with alerts (no trailing slash).</param>
public sealed record AlertSettings(
    bool Enabled,
    TimeSpan CheckInterval,
    AlertRules Rules,
    Uri PublicUrl,
    IReadOnlyList<WebhookEndpoint> Webhooks,
    DeliverySettings Delivery)
{
    /// <summary>Alerts off (what a service built without settings for them runs).</summary>
    public static AlertSettings Disabled { get; } = new(false, TimeSpan.FromMinutes(1), AlertRules.Default,
        new Uri("http://127.0.0.1:8558"), [], DeliverySettings.Default);

    /// <summary>The dashboard link of one alert.</summary>
    public string DashboardLink(long alertId) => $"{PublicUrl.AbsoluteUri.TrimEnd('/')}/?alert={alertId}";

    /// <summary>The API link listing the posts behind one alert.</summary>
    public string PostsLink(long alertId) => $"{PublicUrl.AbsoluteUri.TrimEnd('/')}/api/alerts/{alertId}/posts";
}

/// <summary><c>pipeline.alerts.delivery</c>: how the webhook outbox is worked off.</summary>
/// <param name="PollInterval">How often each node looks for due deliveries (new alerts are also pushed at once).</param>
/// <param name="Timeout">Longest one POST may take; a slower receiver counts as a failure and is tried again.</param>
/// <param name="FirstRetry">Wait after the first failure; doubles with each further one, up to <paramref name="MaxRetry"/>.</param>
/// <param name="MaxAttempts">Attempts before a delivery is abandoned (kept in the table, counted, logged once).</param>
/// <param name="BatchSize">Deliveries one poll claims at most: small, so several nodes share a backlog.</param>
public sealed record DeliverySettings(
    TimeSpan PollInterval,
    TimeSpan Timeout,
    TimeSpan FirstRetry,
    TimeSpan MaxRetry,
    int MaxAttempts,
    int BatchSize = 10)
{
    public static DeliverySettings Default { get; } = new(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10),
        TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(10), 20);

    /// <summary>
    /// How long a claimed delivery stays invisible to other nodes: the POST's timeout plus slack for the bookkeeping.
    /// A node that dies mid-send leaves the row due again after it (delivered at least once).
    /// </summary>
    public TimeSpan Lease => Timeout + Timeout + TimeSpan.FromSeconds(5);

    /// <summary>
    /// Wait before the next attempt after <paramref name="failures"/> failed ones: first-retry doubling, capped at
    /// max-retry, then jittered down by up to a quarter so receivers that came back are not hit by every node in step.
    /// </summary>
    /// <param name="random">A number in [0, 1).</param>
    public TimeSpan RetryDelay(int failures, double random)
    {
        var exponential = FirstRetry.TotalMilliseconds * Math.Pow(2, Math.Clamp(failures - 1, 0, 30));
        var capped = Math.Min(exponential, MaxRetry.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (1 - 0.25 * random));
    }
}

/// <summary>How a webhook's body is shaped.</summary>
public enum WebhookFormat
{
    /// <summary>The generic, signed JSON event (<see cref="WebhookPayloads.Json"/>).</summary>
    Json,

    /// <summary>A Slack incoming-webhook message (<see cref="WebhookPayloads.Slack"/>).</summary>
    Slack,
}

/// <summary>
/// A secret read from the environment: the HMAC key, or a webhook URL that is itself a credential. Its
/// <see cref="ToString"/> never shows it, so no log line, exception or record printout can.
/// </summary>
public sealed class Secret(string value)
{
    /// <summary>The value, for the one place that needs it (signing, the HTTP request).</summary>
    public string Reveal() => value;

    public override string ToString() => "[redacted]";
}

/// <summary>One entry of <c>pipeline.alerts.webhooks</c>.</summary>
/// <param name="Name">Names the endpoint in the outbox, the metrics and the delivery id; a lower-case slug.</param>
/// <param name="Url">Where events are POSTed; a secret when it came from <c>url-env</c>.</param>
/// <param name="Companies">Only alerts about these companies; empty = all. A list leaves corpus-wide alerts (emerging topics) out: they are about no company.</param>
/// <param name="Signals">Only these signals; empty = all.</param>
/// <param name="SigningSecret">HMAC-SHA256 key (from the variable named by <c>secret-env</c>); null only for a Slack hook without one.</param>
public sealed record WebhookEndpoint(
    string Name,
    Secret Url,
    WebhookFormat Format,
    IReadOnlySet<string> Companies,
    IReadOnlySet<AlertSignal> Signals,
    AlertSeverity MinSeverity,
    Secret? SigningSecret)
{
    /// <summary>Whether an alert event of this signal, company and severity goes to this endpoint.</summary>
    public bool Wants(AlertSignal signal, string? companyId, AlertSeverity severity) =>
        severity >= MinSeverity
        && (Signals.Count == 0 || Signals.Contains(signal))
        && (Companies.Count == 0 || (companyId is not null && Companies.Contains(companyId)));

    // The record's generated printout would show the URL and the secret's wrapper; this one shows neither.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Name = ").Append(Name)
            .Append(", Format = ").Append(Format)
            .Append(", Companies = [").AppendJoin(", ", Companies).Append(']')
            .Append(", Signals = [").AppendJoin(", ", Signals.Select(AlertSignals.Name)).Append(']')
            .Append(", MinSeverity = ").Append(AlertSeverities.Name(MinSeverity));
        return true;
    }
}
