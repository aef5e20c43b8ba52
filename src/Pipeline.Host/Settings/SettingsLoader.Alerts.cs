using Pipeline.Actors.Alerts;
using Pipeline.Actors.Sources;
using Pipeline.Host.Http;
using Pipeline.Models.Alerts;
using Pipeline.Models.Domain;

namespace Pipeline.Host.Settings;

public static partial class SettingsLoader
{
    /// <summary>The variable a webhook's HMAC key is read from unless its <c>secret-env</c> names another.</summary>
    public const string DefaultWebhookSecretVariable = "PIPELINE_WEBHOOK_SECRET";

    /// <summary>
    /// <c>pipeline.alerts</c>. Secrets (the HMAC keys, URLs given through <c>url-env</c>) come from
    /// <paramref name="environment"/> only and appear in no message.
    /// </summary>
    private static AlertSettings Alerts(SettingsReader root, HttpSettings http, IReadOnlyList<Company> companies, Func<string, string?> environment)
    {
        if (!root.Has("pipeline.alerts")) return AlertSettings.Disabled;
        var r = root.Section("pipeline.alerts");
        // Ranges are the core's to judge (AlertRules.Problems, adopted below): it checks the same rules wherever rules come from.
        TimeSpan Span(string key) => r.Duration(key, "0s", "3650d");
        // The detector's timer may tick faster than once a minute (tests do); the core sizes its minute history from
        // the interval in whole minutes, so it is told the interval rounded up to one.
        var checkInterval = r.Duration("check-interval", "100ms", "1h");
        var rules = new AlertRules
        {
            Windows = r.Durations("windows", "a duration such as 15m or 1h"),
            CheckInterval = TimeSpan.FromMinutes(Math.Max(1, Math.Ceiling(checkInterval.TotalMinutes))),
            LevelWindow = Span("level-window"),
            SeasonalWeeks = r.Int("seasonal-weeks"),
            MinExpected = r.Double("min-expected"),
            CompanyMinPosts = r.Int("company-min-posts"),
            TopicMinPosts = r.Int("topic-min-posts"),
            SpikeRatio = r.Double("spike-ratio"),
            PValue = r.Double("p-value"),
            Dispersion = r.Double("dispersion"),
            TopicDispersion = r.Double("topic-dispersion"),
            MajorRatio = r.Double("major-ratio"),
            CriticalRatio = r.Double("critical-ratio"),
            NegativeBaselineWindow = Span("negative-baseline-window"),
            NegativePriorPosts = r.Double("negative-prior-posts"),
            NegativeMinPosts = r.Int("negative-min-posts"),
            NegativeMinShift = r.Double("negative-min-shift"),
            NegativeRatio = r.Double("negative-ratio"),
            NegativePValue = r.Double("negative-p-value"),
            NegativeMajorShift = r.Double("negative-major-shift"),
            NegativeCriticalShift = r.Double("negative-critical-shift"),
            Cooldown = Span("cooldown"),
            EmergingWindow = Span("emerging-window"),
            EmergingBaselineWindow = Span("emerging-baseline-window"),
            EmergingFactor = r.Double("emerging-factor"),
            EmergingMinPosts = r.Int("emerging-min-posts"),
            EmergingMinShare = r.Double("emerging-min-share"),
            EmergingShareFloor = r.Double("emerging-share-floor"),
            UnclassifiedRatio = r.Double("unclassified-ratio"),
            UnclassifiedMinShift = r.Double("unclassified-min-shift"),
            EmergingCooldown = Span("emerging-cooldown"),
        };
        r.Adopt(rules.Problems().Select(p => r.Written(p.Setting) is { Length: > 0 } value ? $"{p.Setting} = {value}: {p.Message}" : $"{p.Setting}: {p.Message}"));

        var d = r.Section("delivery");
        var delivery = new DeliverySettings(d.Duration("poll-interval", "50ms", "1h"), d.Duration("timeout", "100ms", "5m"),
            d.Duration("first-retry", "10ms", "1h"), d.Duration("max-retry", "10ms", "1d"), d.Int("max-attempts", 1, 1_000));
        d.Check(delivery.MaxRetry >= delivery.FirstRetry, $"{d.Name("max-retry")} = {d.Raw("max-retry")}: must be at least first-retry ({d.Raw("first-retry")})");

        var known = companies.Select(c => c.Id.Value).ToHashSet(StringComparer.Ordinal);
        var webhooks = new List<WebhookEndpoint>();
        foreach (var w in r.Entries("webhooks", "{ name, url or url-env, format, ... }")) webhooks.Add(Webhook(w, webhooks, known, environment));
        return new AlertSettings(r.Bool("enabled"), checkInterval, rules, PublicUrl(r, http), webhooks, delivery);
    }

    private static Uri PublicUrl(SettingsReader r, HttpSettings http)
    {
        var value = r.Raw("public-url")?.Trim();
        var ok = Uri.TryCreate(value, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" && url.Query.Length == 0
            && url.Fragment.Length == 0 && url.UserInfo.Length == 0;
        return string.IsNullOrEmpty(value) || !r.Check(ok,
            $"{r.Name("public-url")} = \"{UrlRedaction.Redact(value)}\": must be an http(s) URL without user, query or fragment (the links add /?alert=ID)")
            ? ManagementUrl(http) : url!;
    }

    /// <summary>The management port's own address; a host or port already refused elsewhere gives a placeholder, not a second error.</summary>
    private static Uri ManagementUrl(HttpSettings http)
    {
        try
        {
            return HttpAccessRules.LocalUrl(http.Host, http.Port is >= 0 and <= 65535 ? http.Port : 8558);
        }
        catch (UriFormatException)
        {
            return new Uri("http://127.0.0.1:8558/");
        }
    }

    private static WebhookEndpoint Webhook(SettingsReader w, List<WebhookEndpoint> earlier, HashSet<string> known, Func<string, string?> environment)
    {
        var name = w.Raw("name") ?? string.Empty;
        var named = $"(webhook '{name}')";
        if (Matches(w, "name", name, SlugPattern(), Slug)) w.Check(earlier.All(e => e.Name != name), $"{w.Name("name")} = \"{name}\": used by another webhook already");
        var format = w.Choice("format", new Dictionary<string, WebhookFormat> { ["json"] = WebhookFormat.Json, ["slack"] = WebhookFormat.Slack }, "json",
            $"json or slack {named}");
        var severity = w.Choice("min-severity", new[] { "warning", "major", "critical" }.ToDictionary(word => word, AlertSeverities.Parse), "warning",
            $"warning, major or critical {named}");
        var listed = w.List("companies");
        foreach (var unknown in listed.Where(c => !known.Contains(c)))
            w.Problem($"{w.Name("companies")}: \"{unknown}\" is not a configured company (webhook '{name}'; pipeline.companies ids: {string.Join(", ", known.Order(StringComparer.Ordinal))})");

        var signalWords = Enum.GetValues<AlertSignal>().ToDictionary(AlertSignals.Name);
        var signals = w.List("signals").Where(signal => w.Check(signalWords.ContainsKey(signal),
            $"{w.Name("signals")}: \"{signal}\" is not a signal (webhook '{name}'; {string.Join(", ", signalWords.Keys)})")).Select(s => signalWords[s]).ToHashSet();

        var secretVariable = w.Has("secret-env") ? (w.Raw("secret-env") ?? string.Empty).Trim() : DefaultWebhookSecretVariable;
        var key = secretVariable.Length == 0 ? null : environment(secretVariable);
        w.Check(secretVariable.Length > 0 || format == WebhookFormat.Slack,
            $"{w.Name("secret-env")} = \"\": a json webhook is signed; name the environment variable holding its key {named}");
        w.Check(secretVariable.Length == 0 || !string.IsNullOrWhiteSpace(key), $"{w.Name("secret-env")} = \"{secretVariable}\": the environment variable " +
            $"{secretVariable} is not set or empty; it holds the HMAC key of X-Pipeline-Signature {named}");

        return new WebhookEndpoint(name, WebhookUrl(w, named, format, environment), format, listed.ToHashSet(StringComparer.Ordinal),
            signals, severity, string.IsNullOrWhiteSpace(key) ? null : new Secret(key));
    }

    /// <summary>The endpoint's URL: <c>url</c> from the file, or the value of the variable <c>url-env</c> names (never shown).</summary>
    private static Secret WebhookUrl(SettingsReader w, string named, WebhookFormat format, Func<string, string?> environment)
    {
        var unusable = new Secret("http://invalid/");
        var (url, variable) = ((w.Raw("url") ?? string.Empty).Trim(), (w.Raw("url-env") ?? string.Empty).Trim());
        if (!w.Check((url.Length > 0) != (variable.Length > 0), $"{w.Path}: give exactly one of url and url-env {named}")) return unusable;
        if (url.Length > 0)
        {
            return w.Check(HttpUrl(url) is { Host.Length: > 0 }, $"{w.Name("url")} = \"{UrlRedaction.Redact(url)}\": must be an http(s) URL {named}")
                && w.Check(format != WebhookFormat.Slack || !new Uri(url).Host.EndsWith("slack.com", StringComparison.OrdinalIgnoreCase),
                    $"{w.Name("url")}: a Slack webhook URL is a secret; put it in an environment variable and name that in url-env {named}")
                ? new Secret(url) : unusable;
        }

        var value = environment(variable)?.Trim();
        return w.Check(!string.IsNullOrEmpty(value), $"{w.Name("url-env")} = \"{variable}\": the environment variable {variable} is not set or empty {named}")
            // The value is a secret: the message says what is wrong with it, not what it is.
            && w.Check(HttpUrl(value!) is { Host.Length: > 0 }, $"{w.Name("url-env")} = \"{variable}\": the variable's value is not an http(s) URL {named}")
            ? new Secret(value!) : unusable;
    }
}
