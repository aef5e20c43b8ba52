using System.Text.RegularExpressions;
using System.Globalization;
using Akka.Configuration;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Import;
using Pipeline.Actors.Sources.Scraping;
using Pipeline.Actors.Storage;
using Pipeline.Models.Cleaning;
using Pipeline.Models.Domain;

namespace Pipeline.Host.Settings;

/// <summary>
/// Reads <c>hocon/pipeline.conf</c> (or the file named by <c>--config</c> / <c>PIPELINE_CONFIG</c>)
/// and turns it into <see cref="PipelineSettings"/>, collecting every problem before failing so
/// that one start-up shows them all.
/// </summary>
public static partial class SettingsLoader
{
    public const string ConfigFileVariable = "PIPELINE_CONFIG";

    /// <summary>The file to read: explicit path, then the environment, then pipeline.conf beside the binary or in ./hocon.</summary>
    public static string ResolveConfigPath(string? explicitPath)
    {
        var candidates = new[]
        {
            explicitPath,
            Environment.GetEnvironmentVariable(ConfigFileVariable),
            Path.Combine(AppContext.BaseDirectory, "pipeline.conf"),
            Path.Combine(Directory.GetCurrentDirectory(), "hocon", "pipeline.conf"),
        };
        foreach (var candidate in candidates.Where(c => !string.IsNullOrWhiteSpace(c)))
        {
            if (File.Exists(candidate))
            {
                return Path.GetFullPath(candidate!);
            }

            if (candidate == explicitPath || candidate == Environment.GetEnvironmentVariable(ConfigFileVariable))
            {
                throw new SettingsException([$"configuration file '{candidate}' does not exist"]);
            }
        }

        throw new SettingsException(["no pipeline.conf found beside the program or in ./hocon; pass --config PATH"]);
    }

    public static Config LoadConfig(string path)
    {
        try
        {
            return Parse(File.ReadAllText(path), Environment.GetEnvironmentVariable);
        }
        catch (Exception e) when (e is not SettingsException)
        {
            throw new SettingsException([$"{path}: not valid HOCON: {e.Message}"]);
        }
    }

    /// <summary>
    /// Parses HOCON after resolving environment overrides written as <c>key = ${?VARIABLE}</c> on a line
    /// of their own: Akka 1.5's built-in HOCON parser reads every value of an object that holds such a
    /// substitution as empty, so the override lines are settled here, before it sees them. A set
    /// variable becomes a quoted value; an unset one drops its line, leaving the default above it.
    /// </summary>
    public static Config Parse(string hocon, Func<string, string?> environment)
    {
        var resolved = EnvironmentOverride().Replace(hocon, match =>
            environment(match.Groups["variable"].Value) is { } value
                ? $"{match.Groups["indent"].Value}{match.Groups["key"].Value} = {Quote(value)}"
                : string.Empty);
        return ConfigurationFactory.ParseString(resolved);
    }

    private static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    /// <param name="environment">Where secrets named by the settings are read from (webhook keys and URLs); the process environment unless a test gives its own.</param>
    public static PipelineSettings Load(Config config, Func<string, string?>? environment = null)
    {
        var reader = new Reader(config);
        var settings = new PipelineSettings(
            new DatabaseSettings(
                reader.OptionalString("pipeline.database.connection-string"),
                new EmbeddedPostgresSettings(
                    reader.String("pipeline.database.embedded.data-directory"),
                    reader.OptionalString("pipeline.database.embedded.bin-directory"),
                    reader.Int("pipeline.database.embedded.port", 0, 65535)),
                reader.Identifier("pipeline.database.reporting-user"),
                reader.OptionalString("pipeline.database.owner-connection-string"),
                reader.Identifier("pipeline.database.writer-user")),
            new HttpSettings(
                reader.String("pipeline.http.host"),
                reader.Int("pipeline.http.port", 0, 65535))
            {
                AllowedHosts = reader.HostList("pipeline.http.allowed-hosts"),
                ModelsRoot = ResolveShippedDirectory(reader.String("pipeline.http.models-root")),
                DashboardAuth = reader.Choice("pipeline.http.dashboard-auth", new Dictionary<string, DashboardAuthMode>
                {
                    ["auto"] = DashboardAuthMode.Auto,
                    ["off"] = DashboardAuthMode.Off,
                    ["on"] = DashboardAuthMode.On,
                }),
            },
            new SinkSettings(
                reader.Int("pipeline.sink.batch-size", 1, 100_000),
                reader.Duration("pipeline.sink.max-wait", TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(5)),
                reader.Duration("pipeline.sink.retry-min-backoff", TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(1)),
                reader.Duration("pipeline.sink.retry-max-backoff", TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1)),
                reader.Int("pipeline.sink.max-attempts", 0, int.MaxValue),
                reader.Int("pipeline.sink.parallelism", 1, 16)),
            reader.Int("pipeline.sink.import-max-attempts", 1, int.MaxValue),
            LoadCleaning(reader, config),
            new ImportSettings(
                reader.StringList("pipeline.import.files").Select(ResolveShippedFile).ToList(),
                reader.String("pipeline.import.inbox"),
                reader.Duration("pipeline.import.poll-interval", TimeSpan.FromMilliseconds(50), TimeSpan.FromHours(24)),
                reader.Duration("pipeline.import.settle-time", TimeSpan.Zero, TimeSpan.FromHours(1))),
            new ScrapingSettings(
                reader.Int("pipeline.scraping.backfill-days", 0, 3650),
                reader.Duration("pipeline.scraping.window", TimeSpan.FromMinutes(1), TimeSpan.FromDays(366)),
                reader.Duration("pipeline.scraping.poll-interval", TimeSpan.FromMilliseconds(100), TimeSpan.FromDays(1)),
                reader.Duration("pipeline.scraping.request-interval", TimeSpan.Zero, TimeSpan.FromHours(1)),
                new RetryBackoff(
                    reader.Duration("pipeline.scraping.retry-min-backoff", TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1)),
                    reader.Duration("pipeline.scraping.retry-max-backoff", TimeSpan.FromMilliseconds(10), TimeSpan.FromDays(1))),
                reader.Duration("pipeline.scraping.suspect-pause", TimeSpan.Zero, TimeSpan.FromDays(1)),
                reader.String("pipeline.scraping.diagnostics"),
                new NitterSettings(
                    reader.Bool("pipeline.scraping.nitter.enabled"),
                    reader.UrlList("pipeline.scraping.nitter.instances"),
                    reader.Duration("pipeline.scraping.nitter.timeout", TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5)),
                    reader.String("pipeline.scraping.nitter.user-agent"),
                    reader.Int("pipeline.scraping.nitter.concurrency-per-instance", 1, 64)),
                new XApiSettings(
                    reader.Bool("pipeline.scraping.x-api.enabled"),
                    reader.Url("pipeline.scraping.x-api.base-url"),
                    reader.Int("pipeline.scraping.x-api.page-size", 10, 100),
                    reader.OptionalString("pipeline.scraping.x-api.language"),
                    reader.Bool("pipeline.scraping.x-api.exclude-retweets"),
                    reader.Duration("pipeline.scraping.x-api.timeout", TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5)),
                    reader.String("pipeline.scraping.x-api.user-agent"))),
            reader.Companies("pipeline.companies"),
            new TopicSettings(
                reader.Bool("pipeline.topics.enabled"),
                ResolveShippedDirectory(reader.String("pipeline.topics.model-dir")),
                reader.DoubleOrAuto("pipeline.topics.threshold", 0, 1),
                reader.ScoringStage("pipeline.topics")),
            new SentimentSettings(
                reader.Bool("pipeline.sentiment.enabled"),
                reader.Choice("pipeline.sentiment.scorer", new Dictionary<string, SentimentScorerKind>
                {
                    ["builtin"] = SentimentScorerKind.BuiltIn,
                    ["onnx"] = SentimentScorerKind.Onnx,
                }),
                ResolveShippedDirectory(reader.String("pipeline.sentiment.model-dir")),
                reader.ScoringStage("pipeline.sentiment"),
                new OnnxScorerSettings(
                    reader.Int("pipeline.sentiment.onnx.intra-op-threads", 0, 256),
                    reader.Choice("pipeline.sentiment.onnx.graph-optimization", new Dictionary<string, Microsoft.ML.OnnxRuntime.GraphOptimizationLevel>
                    {
                        ["none"] = Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_DISABLE_ALL,
                        ["basic"] = Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_BASIC,
                        ["extended"] = Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
                        ["all"] = Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_ALL,
                    }),
                    reader.Int("pipeline.sentiment.onnx.max-tokens", 8, 512))))
        {
            Limits = new InputLimits(
                reader.Int("pipeline.limits.max-line-length", 1_024, 256 << 20),
                reader.Int("pipeline.limits.max-record-length", 1_024, 256 << 20),
                reader.Int("pipeline.limits.max-fields", 8, 1_000_000),
                reader.Int("pipeline.limits.max-text-length", 280, 1 << 20),
                reader.ByteSize("pipeline.limits.max-body-size", 64 << 10, 1L << 30),
                reader.Int("pipeline.limits.max-nesting-depth", 16, 4_096),
                // raw_posts' CHECK refuses earlier dates: a post the guard let through would only fail in the sink.
                reader.Date("pipeline.limits.earliest-date", InputLimits.PlatformStart),
                reader.Duration("pipeline.limits.future-tolerance", TimeSpan.Zero, TimeSpan.FromDays(366))),
            Supervision = new SupervisionSettings(
                reader.Duration("pipeline.supervision.min-backoff", TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(10)),
                reader.Duration("pipeline.supervision.max-backoff", TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1)),
                reader.Double("pipeline.supervision.random-factor", 0, 1)),
            Dashboard = new DashboardSettings(
                reader.Duration("pipeline.dashboard.refresh-interval", TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(60)),
                reader.Int("pipeline.dashboard.feed-size", 1, 500)),
            Cluster = LoadCluster(reader, config),
        };
        if (new DatabaseRoles(settings.Database.WriterUser, settings.Database.ReportingUser).Problem(owner: null) is { } roleProblem)
        {
            reader.Problem(roleProblem);
        }

        settings = settings with { Alerts = LoadAlerts(reader, config, settings.Http, settings.Companies, environment ?? Environment.GetEnvironmentVariable) };
        settings = settings with { TopicRetrain = LoadTopicRetrain(reader, config) };
        settings = settings with { Retention = LoadRetention(reader, config) };
        if (settings.Scraping.Nitter is { Enabled: true, Instances.Count: 0 })
        {
            reader.Problem("pipeline.scraping.nitter.instances: at least one instance URL is needed when nitter.enabled = on");
        }

        reader.ThrowIfInvalid();
        return settings;
    }

    /// <summary>
    /// A relative file name is looked up in the working directory first, then beside the program,
    /// where the shipped samples are copied: `dotnet run` starts in the project folder, a
    /// container in /app, a user wherever they like.
    /// </summary>
    private static string ResolveShippedFile(string path)
    {
        if (Path.IsPathRooted(path) || File.Exists(path))
        {
            return path;
        }

        var besideProgram = Path.Combine(AppContext.BaseDirectory, path);
        return File.Exists(besideProgram) ? besideProgram : path;
    }

    /// <summary>A model folder, looked up like the shipped files: working directory first, then beside the program.</summary>
    public static string ResolveShippedDirectory(string path)
    {
        if (path.Length == 0 || Path.IsPathRooted(path) || Directory.Exists(path))
        {
            return path;
        }

        var besideProgram = Path.Combine(AppContext.BaseDirectory, path);
        return Directory.Exists(besideProgram) ? besideProgram : path;
    }

    private sealed class Reader(Config config)
    {
        private readonly List<string> _problems = [];

        public void ThrowIfInvalid()
        {
            if (_problems.Count > 0)
            {
                throw new SettingsException(_problems);
            }
        }

        public string String(string path)
        {
            var value = Raw(path);
            if (string.IsNullOrWhiteSpace(value))
            {
                _problems.Add($"{path}: must not be empty");
            }

            return value ?? string.Empty;
        }

        public void Problem(string problem) => _problems.Add(problem);

        public IReadOnlyList<string> Problems => _problems;

        public Uri Url(string path)
        {
            var value = String(path);
            if (Uri.TryCreate(value, UriKind.Absolute, out var url) && url.Scheme is "http" or "https")
            {
                return url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");
            }

            _problems.Add($"{path} = \"{Pipeline.Actors.Sources.UrlRedaction.Redact(value)}\": must be an http(s) URL");
            return new Uri("http://invalid/");
        }

        /// <summary>A list of URLs, or one comma-separated string (the form an environment variable gives).</summary>
        public IReadOnlyList<Uri> UrlList(string path)
        {
            // An environment override replaces the file's list with one string, which GetStringList reads as empty.
            IEnumerable<string> values = !config.HasPath(path) ? []
                : config.GetValue(path).IsArray() ? config.GetStringList(path)
                : (Raw(path) ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

            var urls = new List<Uri>();
            foreach (var value in values)
            {
                if (Uri.TryCreate(value, UriKind.Absolute, out var url) && url.Scheme is "http" or "https")
                {
                    urls.Add(url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/"));
                }
                else
                {
                    // An instance URL may carry user:password@; the message may be printed anywhere.
                    _problems.Add($"{path}: \"{Pipeline.Actors.Sources.UrlRedaction.Redact(value)}\" is not an http(s) URL");
                }
            }

            return urls;
        }

        /// <summary>
        /// Host names as HostFiltering takes them: a list, or one <c>;</c>-separated string (the form an
        /// environment variable gives). A port, scheme or path is refused, since HostFiltering would never match it.
        /// </summary>
        public IReadOnlyList<string> HostList(string path)
        {
            // An environment override replaces the file's list with one string (GetStringList would read it as empty).
            IEnumerable<string> values = !config.HasPath(path) ? []
                : config.GetValue(path).IsArray() ? config.GetStringList(path)
                : (Raw(path) ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var hosts = new List<string>();
            foreach (var value in values.Select(v => v.Trim()).Where(v => v.Length > 0))
            {
                var name = value.StartsWith("*.", StringComparison.Ordinal) ? value[2..] : value;
                var valid = value == "*"
                    || (name.StartsWith('[') && name.EndsWith(']') && System.Net.IPAddress.TryParse(name[1..^1], out _))
                    || Uri.CheckHostName(name) is UriHostNameType.Dns or UriHostNameType.IPv4;
                if (valid)
                {
                    hosts.Add(value);
                }
                else
                {
                    _problems.Add($"{path}: \"{value}\" is not a host name (no scheme or port; IPv6 in brackets, *.example.com for subdomains)");
                }
            }

            return hosts;
        }

        public string? OptionalString(string path) => Raw(path) is { Length: > 0 } value && !string.IsNullOrWhiteSpace(value) ? value : null;

        public string Identifier(string path)
        {
            var value = String(path);
            if (value.Length > 0 && !IdentifierPattern().IsMatch(value))
            {
                _problems.Add($"{path} = \"{value}\": must be a lower-case identifier (letters, digits, _)");
            }

            return value;
        }

        /// <summary>A whole number whose range someone else judges.</summary>
        public int Int(string path)
        {
            var raw = Raw(path);
            if (int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }

            _problems.Add($"{path} = \"{raw}\": must be a whole number");
            return 0;
        }

        /// <summary>A finite number whose range someone else judges.</summary>
        public double Double(string path)
        {
            var raw = Raw(path);
            if (double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
            {
                return value;
            }

            _problems.Add($"{path} = \"{raw}\": must be a number");
            return 0;
        }

        public int Int(string path, int min, int max)
        {
            var raw = Raw(path);
            if (!int.TryParse(raw, out var value))
            {
                _problems.Add($"{path} = \"{raw}\": must be a whole number between {min} and {max}");
                return min;
            }

            if (value < min || value > max)
            {
                _problems.Add($"{path} = {value}: must be between {min} and {max}");
            }

            return value;
        }

        public double Double(string path, double min, double max)
        {
            var raw = Raw(path);
            if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            {
                _problems.Add($"{path} = \"{raw}\": must be a number between {min} and {max}");
                return min;
            }

            if (value < min || value > max)
            {
                _problems.Add($"{path} = {raw}: must be between {min} and {max}");
            }

            return value;
        }

        /// <summary>A number in range, or <c>auto</c> (null): let the model decide.</summary>
        public double? DoubleOrAuto(string path, double min, double max)
        {
            var raw = Raw(path);
            if (string.Equals(raw?.Trim(), "auto", StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            {
                _problems.Add($"{path} = \"{raw}\": must be auto or a number between {min} and {max}");
                return null;
            }

            if (value < min || value > max)
            {
                _problems.Add($"{path} = {raw}: must be auto or a number between {min} and {max}");
            }

            return value;
        }

        public T Choice<T>(string path, IReadOnlyDictionary<string, T> choices)
        {
            var raw = Raw(path)?.Trim().ToLowerInvariant();
            if (raw is not null && choices.TryGetValue(raw, out var value))
            {
                return value;
            }

            _problems.Add($"{path} = \"{raw}\": must be one of {string.Join(", ", choices.Keys)}");
            return choices.Values.First();
        }

        /// <summary>The batching keys every scoring stage has under <paramref name="path"/>.</summary>
        public ScoringStageSettings ScoringStage(string path) => new(
            Int($"{path}.batch-size", 1, 100_000),
            Duration($"{path}.max-wait", TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(5)),
            Int($"{path}.parallelism", 1, 64));

        /// <summary>A size in bytes: a number, or one with a unit such as 512KiB or 8MiB.</summary>
        public long ByteSize(string path, long min, long max)
        {
            var raw = Raw(path);
            long? value;
            try
            {
                value = raw is null ? null : config.GetByteSize(path);
            }
            catch (Exception)
            {
                value = null;
            }

            if (value is null)
            {
                _problems.Add($"{path} = \"{raw}\": must be a size such as 512KiB or 8MiB");
                return min;
            }

            if (value < min || value > max)
            {
                _problems.Add($"{path} = {raw}: must be between {min:N0} and {max:N0} bytes");
            }

            return value.Value;
        }

        /// <summary>A calendar day (UTC), written yyyy-MM-dd, on or after <paramref name="min"/>.</summary>
        public DateTimeOffset Date(string path, DateTimeOffset min)
        {
            var raw = Raw(path);
            if (DateTime.TryParseExact(raw, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                var date = new DateTimeOffset(day, TimeSpan.Zero);
                if (date < min)
                {
                    _problems.Add($"{path} = \"{raw}\": must not be before {min:yyyy-MM-dd}");
                }

                return date;
            }

            _problems.Add($"{path} = \"{raw}\": must be a date written yyyy-MM-dd");
            return InputLimits.PlatformStart;
        }

        public bool Bool(string path)
        {
            var raw = Raw(path)?.ToLowerInvariant();
            switch (raw)
            {
                case "on" or "true" or "yes":
                    return true;
                case "off" or "false" or "no":
                    return false;
                default:
                    _problems.Add($"{path} = \"{raw}\": must be on or off");
                    return false;
            }
        }

        public TimeSpan Duration(string path, TimeSpan min, TimeSpan max)
        {
            var raw = Raw(path);
            TimeSpan? value;
            try
            {
                value = raw is null ? null : config.GetTimeSpan(path, allowInfinite: false);
            }
            catch (Exception)
            {
                value = null;
            }

            if (value is null)
            {
                _problems.Add($"{path} = \"{raw}\": must be a duration such as 500ms, 5s or 1m");
                return min;
            }

            if (value < min || value > max)
            {
                _problems.Add($"{path} = {raw}: must be between {Format(min)} and {Format(max)}");
            }

            return value.Value;
        }

        public IReadOnlyList<string> StringList(string path)
        {
            try
            {
                return config.HasPath(path) ? config.GetStringList(path).ToList() : [];
            }
            catch (Exception)
            {
                _problems.Add($"{path}: must be a list of strings");
                return [];
            }
        }

        public IReadOnlyList<Company> Companies(string path)
        {
            if (!config.HasPath(path))
            {
                _problems.Add($"{path}: at least one company must be configured");
                return [];
            }

            var companies = new List<Company>();
            var entries = config.GetValue(path).GetArray();
            for (var i = 0; i < entries.Count; i++)
            {
                var where = $"{path}[{i}]";
                var entry = new Config(new Akka.Configuration.Hocon.HoconRoot(entries[i]));
                var id = entry.GetString("id", string.Empty);
                if (!SlugPattern().IsMatch(id))
                {
                    _problems.Add($"{where}.id = \"{id}\": must be a lower-case slug (letters, digits, -)");
                }

                var name = entry.GetString("name", string.Empty);
                if (string.IsNullOrWhiteSpace(name))
                {
                    _problems.Add($"{where}.name: must not be empty (company '{id}')");
                }

                var handles = entry.HasPath("handles") ? entry.GetStringList("handles").ToList() : [];
                foreach (var handle in handles.Where(h => !HandlePattern().IsMatch(h)))
                {
                    _problems.Add($"{where}.handles: \"{handle}\" is not a handle like @gtbank");
                }

                var terms = entry.HasPath("terms") ? entry.GetStringList("terms").Where(t => !string.IsNullOrWhiteSpace(t)).ToList() : [];
                if (handles.Count + terms.Count == 0)
                {
                    _problems.Add($"{where}: company '{id}' needs at least one handle or term, or nothing can be matched to it");
                }

                if (companies.Any(c => c.Id.Value == id))
                {
                    _problems.Add($"{where}.id = \"{id}\": used by another company already");
                }

                companies.Add(new Company(new CompanyId(id), name, handles, terms,
                    entry.GetString("country", string.Empty), entry.GetString("industry", string.Empty)));
            }

            if (companies.Count == 0)
            {
                _problems.Add($"{path}: at least one company must be configured");
            }

            return companies;
        }

        private string? Raw(string path)
        {
            try
            {
                return config.HasPath(path) ? config.GetString(path) : null;
            }
            catch (Exception)
            {
                return null;
            }
        }

        private static string Format(TimeSpan span) => span.TotalSeconds < 1 ? $"{span.TotalMilliseconds}ms" : $"{span.TotalSeconds}s";
    }

    [GeneratedRegex(@"^(?<indent>[ \t]*)(?<key>[A-Za-z0-9_.\-]+)[ \t]*[=:][ \t]*\$\{\?(?<variable>[A-Za-z_][A-Za-z0-9_]*)\}[ \t]*\r?$", RegexOptions.Multiline)]
    private static partial Regex EnvironmentOverride();

    [GeneratedRegex("^[a-z][a-z0-9-]{0,39}$")]
    private static partial Regex SlugPattern();

    [GeneratedRegex("^@[A-Za-z0-9_]{1,15}$")]
    private static partial Regex HandlePattern();

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex IdentifierPattern();
}
