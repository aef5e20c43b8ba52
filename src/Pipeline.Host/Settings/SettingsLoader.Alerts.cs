using System.Globalization;
using Akka.Configuration;
using Pipeline.Actors.Alerts;
using Pipeline.Models.Alerts;
using Pipeline.Models.Domain;

namespace Pipeline.Host.Settings;

public static partial class SettingsLoader
{
    private const string Alerts = "pipeline.alerts";

    /// <summary>The variable a webhook's HMAC key is read from unless its <c>secret-env</c> names another.</summary>
    public const string DefaultWebhookSecretVariable = "PIPELINE_WEBHOOK_SECRET";

    /// <summary>
    /// Reads <c>pipeline.alerts</c>; every problem is added to <paramref name="reader"/>'s list, named by its setting.
    /// Secrets (the HMAC keys, URLs given through <c>url-env</c>) come from <paramref name="environment"/> only and appear in
    /// no message.
    /// </summary>
    private static AlertSettings LoadAlerts(Reader reader, Config config, HttpSettings http, IReadOnlyList<Company> companies, Func<string, string?> environment)
    {
        if (!config.HasPath(Alerts))
        {
            return AlertSettings.Disabled;
        }

        var raw = new Dictionary<string, string?>(StringComparer.Ordinal);
        string? Raw(string key)
        {
            var path = $"{Alerts}.{key}";
            string? value;
            try
            {
                value = config.HasPath(path) ? config.GetString(path) : null;
            }
            catch (Exception)
            {
                value = null;
            }

            raw[key] = value;
            return value;
        }

        // Ranges are the core's to judge (AlertRules.Problems, below); here only the form: a duration, a number.
        TimeSpan Span(string key)
        {
            Raw(key);
            return reader.Duration($"{Alerts}.{key}", TimeSpan.Zero, TimeSpan.FromDays(3650));
        }

        double Number(string key)
        {
            Raw(key);
            return reader.Double($"{Alerts}.{key}");
        }

        int Whole(string key)
        {
            Raw(key);
            return reader.Int($"{Alerts}.{key}");
        }

        var enabled = reader.Bool($"{Alerts}.enabled");
        // The detector's timer may tick faster than once a minute (tests do); the core sizes its minute history from
        // the interval in whole minutes, so it is told the interval rounded up to one.
        var checkInterval = reader.Duration($"{Alerts}.check-interval", TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1));
        var rules = new AlertRules
        {
            Windows = Windows(reader, config, $"{Alerts}.windows", raw),
            CheckInterval = TimeSpan.FromMinutes(Math.Max(1, Math.Ceiling(checkInterval.TotalMinutes))),
            LevelWindow = Span("level-window"),
            SeasonalWeeks = Whole("seasonal-weeks"),
            MinExpected = Number("min-expected"),
            CompanyMinPosts = Whole("company-min-posts"),
            TopicMinPosts = Whole("topic-min-posts"),
            SpikeRatio = Number("spike-ratio"),
            PValue = Number("p-value"),
            Dispersion = Number("dispersion"),
            TopicDispersion = Number("topic-dispersion"),
            MajorRatio = Number("major-ratio"),
            CriticalRatio = Number("critical-ratio"),
            NegativeBaselineWindow = Span("negative-baseline-window"),
            NegativePriorPosts = Number("negative-prior-posts"),
            NegativeMinPosts = Whole("negative-min-posts"),
            NegativeMinShift = Number("negative-min-shift"),
            NegativeRatio = Number("negative-ratio"),
            NegativePValue = Number("negative-p-value"),
            NegativeMajorShift = Number("negative-major-shift"),
            NegativeCriticalShift = Number("negative-critical-shift"),
            Cooldown = Span("cooldown"),
            EmergingWindow = Span("emerging-window"),
            EmergingBaselineWindow = Span("emerging-baseline-window"),
            EmergingFactor = Number("emerging-factor"),
            EmergingMinPosts = Whole("emerging-min-posts"),
            EmergingMinShare = Number("emerging-min-share"),
            EmergingShareFloor = Number("emerging-share-floor"),
            UnclassifiedRatio = Number("unclassified-ratio"),
            UnclassifiedMinShift = Number("unclassified-min-shift"),
            EmergingCooldown = Span("emerging-cooldown"),
        };
        foreach (var (setting, message) in rules.Problems())
        {
            var shown = raw.TryGetValue(setting, out var value) && value is not null ? $" = {value}" : string.Empty;
            reader.Problem($"{Alerts}.{setting}{shown}: {message}");
        }

        var delivery = new DeliverySettings(
            reader.Duration($"{Alerts}.delivery.poll-interval", TimeSpan.FromMilliseconds(50), TimeSpan.FromHours(1)),
            reader.Duration($"{Alerts}.delivery.timeout", TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5)),
            reader.Duration($"{Alerts}.delivery.first-retry", TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1)),
            reader.Duration($"{Alerts}.delivery.max-retry", TimeSpan.FromMilliseconds(10), TimeSpan.FromDays(1)),
            reader.Int($"{Alerts}.delivery.max-attempts", 1, 1_000));
        if (delivery.MaxRetry < delivery.FirstRetry)
        {
            reader.Problem($"{Alerts}.delivery.max-retry = {config.GetString($"{Alerts}.delivery.max-retry")}: must be at least first-retry ({config.GetString($"{Alerts}.delivery.first-retry")})");
        }

        return new AlertSettings(enabled, checkInterval, rules, PublicUrl(reader, config, http),
            Webhooks(reader, config, companies, environment), delivery);
    }

    private static IReadOnlyList<TimeSpan> Windows(Reader reader, Config config, string path, Dictionary<string, string?> raw)
    {
        // A list, or one comma-separated string (an environment override).
        IEnumerable<string> values = !config.HasPath(path) ? []
            : config.GetValue(path).IsArray() ? config.GetStringList(path)
            : (config.GetString(path) ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var list = values.ToList();
        raw["windows"] = "[" + string.Join(", ", list) + "]";
        var windows = new List<TimeSpan>();
        foreach (var value in list)
        {
            try
            {
                windows.Add(ConfigurationFactory.ParseString($"w = \"{value.Replace("\"", string.Empty, StringComparison.Ordinal)}\"").GetTimeSpan("w", allowInfinite: false));
            }
            catch (Exception)
            {
                reader.Problem($"{path}: \"{value}\" is not a duration such as 15m or 1h");
            }
        }

        return windows;
    }

    private static Uri PublicUrl(Reader reader, Config config, HttpSettings http)
    {
        var path = $"{Alerts}.public-url";
        var value = config.HasPath(path) ? config.GetString(path)?.Trim() : null;
        if (string.IsNullOrEmpty(value))
        {
            return ManagementUrl(http);
        }

        if (Uri.TryCreate(value, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" && url.Query.Length == 0 && url.Fragment.Length == 0
            && url.UserInfo.Length == 0)
        {
            return url;
        }

        reader.Problem($"{path} = \"{Actors.Sources.UrlRedaction.Redact(value)}\": must be an http(s) URL without user, query or fragment (the links add /?alert=ID)");
        return ManagementUrl(http);
    }

    /// <summary>The management port's own address; a host or port already refused elsewhere gives a placeholder, not a second error.</summary>
    private static Uri ManagementUrl(HttpSettings http)
    {
        try
        {
            return Http.HttpAccessRules.LocalUrl(http.Host, http.Port is >= 0 and <= 65535 ? http.Port : 8558);
        }
        catch (UriFormatException)
        {
            return new Uri("http://127.0.0.1:8558/");
        }
    }

    private static IReadOnlyList<WebhookEndpoint> Webhooks(Reader reader, Config config, IReadOnlyList<Company> companies, Func<string, string?> environment)
    {
        var path = $"{Alerts}.webhooks";
        if (!config.HasPath(path))
        {
            return [];
        }

        var value = config.GetValue(path);
        // Akka's HOCON reads an empty list as an empty value, not as an array.
        if (value.IsEmpty || (!value.IsArray() && !value.IsObject() && string.IsNullOrWhiteSpace(TryString(value))))
        {
            return [];
        }

        if (!value.IsArray())
        {
            reader.Problem($"{path}: must be a list of {{ name, url or url-env, format, ... }} objects");
            return [];
        }

        var known = companies.Select(c => c.Id.Value).ToHashSet(StringComparer.Ordinal);
        var endpoints = new List<WebhookEndpoint>();
        var entries = value.GetArray();
        for (var i = 0; i < entries.Count; i++)
        {
            var where = $"{path}[{i}]";
            if (!entries[i].IsObject())
            {
                reader.Problem($"{where}: must be an object {{ name, url or url-env, format, ... }}");
                continue;
            }

            var entry = new Config(new Akka.Configuration.Hocon.HoconRoot(entries[i]));
            string Text(string key, string fallback = "") => entry.HasPath(key) ? entry.GetString(key) ?? fallback : fallback;

            var name = Text("name");
            if (!SlugPattern().IsMatch(name))
            {
                reader.Problem($"{where}.name = \"{name}\": must be a lower-case slug (letters, digits, -)");
            }
            else if (endpoints.Any(e => e.Name == name))
            {
                reader.Problem($"{where}.name = \"{name}\": used by another webhook already");
            }

            var formatText = Text("format", "json").Trim().ToLowerInvariant();
            WebhookFormat? format = formatText switch { "json" => WebhookFormat.Json, "slack" => WebhookFormat.Slack, _ => null };
            if (format is null)
            {
                reader.Problem($"{where}.format = \"{formatText}\": must be json or slack (webhook '{name}')");
            }

            var url = WebhookUrl(reader, where, name, Text("url").Trim(), Text("url-env").Trim(), format, environment);

            var listed = entry.HasPath("companies") ? entry.GetStringList("companies").ToList() : [];
            foreach (var unknown in listed.Where(c => !known.Contains(c)))
            {
                reader.Problem($"{where}.companies: \"{unknown}\" is not a configured company (webhook '{name}'; pipeline.companies ids: {string.Join(", ", known.Order(StringComparer.Ordinal))})");
            }

            var signals = new HashSet<AlertSignal>();
            foreach (var signal in entry.HasPath("signals") ? entry.GetStringList("signals") : [])
            {
                try
                {
                    signals.Add(AlertSignals.Parse(signal.Trim()));
                }
                catch (FormatException)
                {
                    reader.Problem($"{where}.signals: \"{signal}\" is not a signal (webhook '{name}'; volume_spike, negative_shift, emerging_topic, unclassified_growth)");
                }
            }

            var severityText = Text("min-severity", "warning").Trim().ToLowerInvariant();
            var severity = AlertSeverity.Warning;
            try
            {
                severity = AlertSeverities.Parse(severityText);
            }
            catch (FormatException)
            {
                reader.Problem($"{where}.min-severity = \"{severityText}\": must be warning, major or critical (webhook '{name}')");
            }

            var secretVariable = entry.HasPath("secret-env") ? Text("secret-env").Trim() : DefaultWebhookSecretVariable;
            Secret? secret = null;
            if (secretVariable.Length == 0)
            {
                if (format != WebhookFormat.Slack)
                {
                    reader.Problem($"{where}.secret-env = \"\": a json webhook is signed; name the environment variable holding its key (webhook '{name}')");
                }
            }
            else if (environment(secretVariable) is { Length: > 0 } key && !string.IsNullOrWhiteSpace(key))
            {
                secret = new Secret(key);
            }
            else
            {
                reader.Problem($"{where}.secret-env = \"{secretVariable}\": the environment variable {secretVariable} is not set or empty; it holds the " +
                    $"HMAC key of X-Pipeline-Signature (webhook '{name}')");
            }

            endpoints.Add(new WebhookEndpoint(name, url, format ?? WebhookFormat.Json, listed.ToHashSet(StringComparer.Ordinal), signals, severity, secret));
        }

        return endpoints;
    }

    /// <summary>The endpoint's URL: <c>url</c> from the file, or the value of the variable <c>url-env</c> names (never shown).</summary>
    private static Secret WebhookUrl(Reader reader, string where, string name, string url, string urlVariable, WebhookFormat? format, Func<string, string?> environment)
    {
        var unusable = new Secret("http://invalid/");
        if ((url.Length > 0) == (urlVariable.Length > 0))
        {
            reader.Problem($"{where}: give exactly one of url and url-env (webhook '{name}')");
            return unusable;
        }

        if (url.Length > 0)
        {
            if (!IsHttpUrl(url))
            {
                reader.Problem($"{where}.url = \"{Actors.Sources.UrlRedaction.Redact(url)}\": must be an http(s) URL (webhook '{name}')");
                return unusable;
            }

            if (format == WebhookFormat.Slack && new Uri(url).Host.EndsWith("slack.com", StringComparison.OrdinalIgnoreCase))
            {
                reader.Problem($"{where}.url: a Slack webhook URL is a secret; put it in an environment variable and name that in url-env (webhook '{name}')");
                return unusable;
            }

            return new Secret(url);
        }

        var value = environment(urlVariable)?.Trim();
        if (string.IsNullOrEmpty(value))
        {
            reader.Problem($"{where}.url-env = \"{urlVariable}\": the environment variable {urlVariable} is not set or empty (webhook '{name}')");
            return unusable;
        }

        if (!IsHttpUrl(value))
        {
            // The value is a secret: the message says what is wrong with it, not what it is.
            reader.Problem($"{where}.url-env = \"{urlVariable}\": the variable's value is not an http(s) URL (webhook '{name}')");
            return unusable;
        }

        return new Secret(value);
    }

    private static bool IsHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" && url.Host.Length > 0;

    private static string? TryString(Akka.Configuration.Hocon.HoconValue value)
    {
        try
        {
            return value.GetString();
        }
        catch (Exception)
        {
            return null;
        }
    }
}
