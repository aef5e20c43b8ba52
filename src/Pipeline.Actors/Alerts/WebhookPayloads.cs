using System.Globalization;
using System.Text;
using System.Text.Json;
using Pipeline.Models.Alerts;

namespace Pipeline.Actors.Alerts;

/// <summary>One topic behind an alert, as sent.</summary>
public sealed record AlertTopic(int? TopicId, string? TopicLabel, double Observed, double Expected);

/// <summary>One queued delivery with what is sent: the alert as stored now, its company name and topic labels.</summary>
/// <param name="Event"><c>opened</c> or <c>escalated</c>.</param>
public sealed record AlertEvent(
    long AlertId,
    string Endpoint,
    string Event,
    int Attempts,
    AlertSignal Signal,
    AlertSeverity Severity,
    string? CompanyId,
    string? Company,
    int? TopicId,
    string? TopicLabel,
    DateTimeOffset WindowStart,
    DateTimeOffset WindowEnd,
    double Observed,
    double Expected,
    double? PValue,
    double? NegativeShare,
    double? BaselineNegativeShare,
    string Baseline,
    string Summary,
    IReadOnlyList<AlertTopic> Topics,
    DateTimeOffset OpenedAt)
{
    /// <summary>Stable across retries and nodes, so a receiver can drop a repeat: <c>{alert_id}-{endpoint}-{event}</c>.</summary>
    public string DeliveryId => string.Create(CultureInfo.InvariantCulture, $"{AlertId}-{Endpoint}-{Event}");

    /// <summary>Observed over expected; null when nothing was expected.</summary>
    public double? Ratio => Expected > 0 ? Observed / Expected : null;
}

/// <summary>The bodies POSTed to webhooks. Pure: the same event and instant give the same bytes.</summary>
public static class WebhookPayloads
{
    public static string For(WebhookFormat format, AlertEvent e, AlertSettings links, DateTimeOffset sentAt) => format switch
    {
        WebhookFormat.Slack => Slack(e, links),
        _ => Json(e, links, sentAt),
    };

    /// <summary>
    /// <c>{ "id", "event", "alert": { id, signal, severity, company_id, company, topic_id, topic_label, window_start, window_end,
    /// observed, expected, ratio, p_value, negative_share, baseline_negative_share, baseline, summary, topics, opened_at,
    /// links: { dashboard, posts } }, "sent_at" }</c>; instants in ISO 8601 UTC.
    /// </summary>
    public static string Json(AlertEvent e, AlertSettings links, DateTimeOffset sentAt)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("id", e.DeliveryId);
            json.WriteString("event", e.Event);
            json.WriteStartObject("alert");
            json.WriteNumber("id", e.AlertId);
            json.WriteString("signal", AlertSignals.Name(e.Signal));
            json.WriteString("severity", AlertSeverities.Name(e.Severity));
            json.WriteString("company_id", e.CompanyId);
            json.WriteString("company", e.Company);
            Number(json, "topic_id", e.TopicId);
            json.WriteString("topic_label", e.TopicLabel);
            json.WriteString("window_start", Instant(e.WindowStart));
            json.WriteString("window_end", Instant(e.WindowEnd));
            Number(json, "observed", e.Observed);
            Number(json, "expected", e.Expected);
            Number(json, "ratio", e.Ratio);
            Number(json, "p_value", e.PValue);
            Number(json, "negative_share", e.NegativeShare);
            Number(json, "baseline_negative_share", e.BaselineNegativeShare);
            json.WriteString("baseline", e.Baseline);
            json.WriteString("summary", e.Summary);
            json.WriteStartArray("topics");
            foreach (var topic in e.Topics)
            {
                json.WriteStartObject();
                Number(json, "topic_id", topic.TopicId);
                json.WriteString("topic_label", topic.TopicLabel);
                Number(json, "observed", topic.Observed);
                Number(json, "expected", topic.Expected);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteString("opened_at", Instant(e.OpenedAt));
            json.WriteStartObject("links");
            json.WriteString("dashboard", links.DashboardLink(e.AlertId));
            json.WriteString("posts", links.PostsLink(e.AlertId));
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteString("sent_at", Instant(sentAt));
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>A Slack incoming-webhook message: <c>text</c> (notifications, clients without blocks) and <c>blocks</c> (a section and the link).</summary>
    public static string Slack(AlertEvent e, AlertSettings links)
    {
        var headline = $"{(e.Event == "escalated" ? "Escalated to " : "")}{AlertSeverities.Name(e.Severity)} {AlertSignals.Name(e.Signal)}";
        var dashboard = links.DashboardLink(e.AlertId);
        var body = new
        {
            text = $"{headline}: {e.Summary}",
            blocks = new object[]
            {
                new { type = "section", text = new { type = "mrkdwn", text = $"*{Escape(headline)}*\n{Escape(e.Summary)}" } },
                new { type = "context", elements = new object[] { new { type = "mrkdwn", text = $"<{dashboard}|Open in the dashboard> · alert {e.AlertId}" } } },
            },
        };
        return JsonSerializer.Serialize(body);
    }

    // Slack's mrkdwn gives &, < and > meaning (links, mentions); a summary must show them as text.
    private static string Escape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    private static string Instant(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static void Number(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v && double.IsFinite(v))
        {
            json.WriteNumber(name, Math.Round(v, 6));
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static void Number(Utf8JsonWriter json, string name, int? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
