using System.Text.RegularExpressions;
using Akka.Configuration;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Import;
using Pipeline.Actors.Sources;
using Pipeline.Actors.Sources.Scraping;
using Pipeline.Actors.Storage;
using Pipeline.Host.Http;
using Pipeline.Models.Cleaning;
using Pipeline.Models.Domain;
using Pipeline.Models.Language;
using Pipeline.Models.Sentiment;
using Onnx = Microsoft.ML.OnnxRuntime;

namespace Pipeline.Host.Settings;

/// <summary>
/// Reads <c>hocon/pipeline.conf</c> (or the file named by <c>--config</c> / <c>PIPELINE_CONFIG</c>) into
/// <see cref="PipelineSettings"/>, one section at a time; <see cref="SettingsReader"/> judges every value.
/// </summary>
public static partial class SettingsLoader
{
    public const string ConfigFileVariable = "PIPELINE_CONFIG";

    private const string Slug = "a lower-case slug (letters, digits, -)";

    /// <summary>The file to read: explicit path, then the environment, then pipeline.conf beside the binary or in ./hocon.</summary>
    public static string ResolveConfigPath(string? explicitPath)
    {
        var named = explicitPath ?? Environment.GetEnvironmentVariable(ConfigFileVariable);
        if (!string.IsNullOrWhiteSpace(named)) return File.Exists(named) ? Path.GetFullPath(named) : throw new SettingsException([$"configuration file '{named}' does not exist"]);
        return new[] { Path.Combine(AppContext.BaseDirectory, "pipeline.conf"), Path.Combine(Directory.GetCurrentDirectory(), "hocon", "pipeline.conf") }
            .FirstOrDefault(File.Exists) is { } found
            ? Path.GetFullPath(found)
            : throw new SettingsException(["no pipeline.conf found beside the program or in ./hocon; pass --config PATH"]);
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
    /// Parses HOCON after settling the environment overrides written as <c>key = ${?VARIABLE}</c> on a line of their own:
    /// a set variable becomes a quoted value, an unset one drops its line (leaving the default above it).
    /// </summary>
    /// <remarks>
    /// Akka 1.5's own parser cannot: its tokenizer does not take <c>?</c> as part of a substitution, so <c>${?X}</c> reads as
    /// an empty substitution followed by <c>X}</c>, whose brace closes the enclosing object (every later value in it reads
    /// empty); and it resolves substitutions against the document only, never the environment. The stand-alone HOCON
    /// library that has both was taken out of Akka 1.4 again, and Akka.Hosting's <c>AddHocon(IConfiguration)</c> maps
    /// <c>AKKA__X__Y</c> variables into the actor system's config only, while verbs such as <c>migrate</c> start none.
    /// Taking the environment as a function also lets tests give their own.
    /// </remarks>
    public static Config Parse(string hocon, Func<string, string?> environment) =>
        ConfigurationFactory.ParseString(EnvironmentOverride().Replace(hocon, match =>
            environment(match.Groups["variable"].Value) is { } value
                ? $"{match.Groups["indent"].Value}{match.Groups["key"].Value} = \"{value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\""
                : string.Empty));

    /// <param name="environment">Where secrets named by the settings are read from (webhook keys and URLs); the process environment unless a test gives its own.</param>
    public static PipelineSettings Load(Config config, Func<string, string?>? environment = null)
    {
        var r = new SettingsReader(config);
        var http = Http(r.Section("pipeline.http"));
        var companies = Companies(r, "pipeline.companies");
        return r.Judged(new PipelineSettings(
            Database(r.Section("pipeline.database")), http, Sink(r.Section("pipeline.sink")),
            r.Int("pipeline.sink.import-max-attempts", 1, int.MaxValue), Cleaning(r.Section("pipeline.cleaning")),
            Import(r.Section("pipeline.import")), Scraping(r.Section("pipeline.scraping")), companies,
            Topics(r.Section("pipeline.topics")), Sentiment(r.Section("pipeline.sentiment")),
            Limits(r.Section("pipeline.limits")),
            new SupervisionSettings(r.Duration("pipeline.supervision.min-backoff", "10ms", "10m"),
                r.Duration("pipeline.supervision.max-backoff", "10ms", "1h"), r.Double("pipeline.supervision.random-factor", 0, 1)),
            new DashboardSettings(r.Duration("pipeline.dashboard.refresh-interval", "200ms", "60s"), r.Int("pipeline.dashboard.feed-size", 1, 500)),
            Cluster(r.Section("pipeline.cluster")),
            Alerts(r, http, companies, environment ?? Environment.GetEnvironmentVariable),
            TopicRetrain(r),
            Retention(r)));
    }

    private static DatabaseSettings Database(SettingsReader r)
    {
        var database = new DatabaseSettings(r.OptionalString("connection-string"),
            new EmbeddedPostgresSettings(r.String("embedded.data-directory"), r.OptionalString("embedded.bin-directory"), r.Int("embedded.port", 0, 65535)),
            Identifier(r, "reporting-user"), r.OptionalString("owner-connection-string"), Identifier(r, "writer-user"));
        if (new DatabaseRoles(database.WriterUser, database.ReportingUser).Problem(owner: null) is { } problem) r.Problem(problem);
        return database;
    }

    private static string Identifier(SettingsReader r, string path)
    {
        var value = r.String(path);
        Matches(r, path, value, IdentifierPattern(), "a lower-case identifier (letters, digits, _)", allowEmpty: true);
        return value;
    }

    /// <summary>Whether <paramref name="value"/> matches <paramref name="pattern"/>; if not, a problem <c>path = "value": must be form</c>.</summary>
    private static bool Matches(SettingsReader r, string path, string value, Regex pattern, string form, bool allowEmpty = false) =>
        r.Check((allowEmpty && value.Length == 0) || pattern.IsMatch(value), $"{r.Name(path)} = \"{value}\": must be {form}");

    private static HttpSettings Http(SettingsReader r) => new(
        r.String("host"),
        r.Int("port", 0, 65535),
        // Host names as HostFiltering takes them; a port, scheme or path is refused, since HostFiltering would never match it.
        r.List("allowed-hosts", ';').Where(host => r.Check(IsAllowedHost(host),
            $"{r.Name("allowed-hosts")}: \"{host}\" is not a host name (no scheme or port; IPv6 in brackets, *.example.com for subdomains)")).ToList(),
        ResolveShippedDirectory(r.String("models-root")),
        r.Choice("dashboard-auth", new Dictionary<string, DashboardAuthMode> { ["auto"] = DashboardAuthMode.Auto, ["off"] = DashboardAuthMode.Off, ["on"] = DashboardAuthMode.On }));

    private static bool IsAllowedHost(string value)
    {
        var name = value.StartsWith("*.", StringComparison.Ordinal) ? value[2..] : value;
        return value == "*" || (name.StartsWith('[') && name.EndsWith(']') && System.Net.IPAddress.TryParse(name[1..^1], out _))
            || Uri.CheckHostName(name) is UriHostNameType.Dns or UriHostNameType.IPv4;
    }

    private static SinkSettings Sink(SettingsReader r) => new(
        r.Int("batch-size", 1, 100_000),
        r.Duration("max-wait", "1ms", "5m"),
        r.Duration("retry-min-backoff", "1ms", "1m"),
        r.Duration("retry-max-backoff", "1ms", "1h"),
        r.Int("max-attempts", 0, int.MaxValue),
        r.Int("parallelism", 1, 16));

    /// <summary>
    /// Every language named must be one the pipeline can decide (an ISO 639-1 code Lingua knows, or <c>pcm</c>):
    /// a typo such as <c>eng</c> would otherwise drop every post as non-English.
    /// </summary>
    private static CleaningPolicy Cleaning(SettingsReader r)
    {
        var languages = r.List("languages").Where(language => r.Check(LanguageCodes.Known.Contains(language.ToLowerInvariant()),
            $"{r.Name("languages")}: \"{language}\" is not a language code the pipeline knows (an ISO 639-1 code such as en, fr, yo, or pcm for Nigerian Pidgin)"));
        var mode = r.Choice("language-detection", new Dictionary<string, LanguageDetectionMode>
        {
            ["high-accuracy"] = LanguageDetectionMode.HighAccuracy, ["low-accuracy"] = LanguageDetectionMode.LowAccuracy, ["off"] = LanguageDetectionMode.Off,
        });
        return new CleaningPolicy(
            languages.Select(language => language.ToLowerInvariant()).ToHashSet(StringComparer.OrdinalIgnoreCase),
            r.Bool("keep-undetermined-language"),
            r.Bool("drop-own-posts"),
            r.Bool("drop-retweets"),
            r.Int("duplicate-window", 1, 50_000_000),
            r.List("domain-stopwords").Select(w => w.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal))
        {
            LanguageDetection = new LanguageDetectionSettings(
                mode,
                // Below a half another language could be likelier still: no decision worth dropping a post on.
                r.DoubleOrAuto("min-language-confidence", 0.5, 1) ?? LanguageDetectionSettings.DefaultMinConfidence(mode),
                r.Int("min-language-words", 1, 50)),
        };
    }

    private static ImportSettings Import(SettingsReader r) =>
        new(r.List("files").Select(ResolveShippedFile).ToList(), r.String("inbox"), r.Duration("poll-interval", "50ms", "24h"), r.Duration("settle-time", "0s", "1h"));

    private static ScrapingSettings Scraping(SettingsReader r)
    {
        var nitter = r.Section("nitter");
        // An instance URL may carry user:password@; the message may be printed anywhere.
        var instances = nitter.List("instances")
            .Where(value => nitter.Check(HttpUrl(value) is not null, $"{nitter.Name("instances")}: \"{UrlRedaction.Redact(value)}\" is not an http(s) URL"))
            .Select(value => HttpUrl(value)!).ToList();
        var enabled = nitter.Bool("enabled");
        nitter.Check(!enabled || instances.Count > 0, $"{nitter.Name("instances")}: at least one instance URL is needed when nitter.enabled = on");
        var xApi = r.Section("x-api");
        var baseUrl = xApi.String("base-url");
        xApi.Check(HttpUrl(baseUrl) is not null, $"{xApi.Name("base-url")} = \"{UrlRedaction.Redact(baseUrl)}\": must be an http(s) URL");
        return new ScrapingSettings(
            r.Int("backfill-days", 0, 3650),
            r.Duration("window", "1m", "366d"),
            r.Duration("poll-interval", "100ms", "1d"),
            r.Duration("request-interval", "0s", "1h"),
            new RetryBackoff(r.Duration("retry-min-backoff", "10ms", "1h"), r.Duration("retry-max-backoff", "10ms", "1d")),
            r.Duration("suspect-pause", "0s", "1d"),
            r.String("diagnostics"),
            new NitterSettings(enabled, instances, nitter.Duration("timeout", "100ms", "5m"), nitter.String("user-agent"), nitter.Int("concurrency-per-instance", 1, 64)),
            new XApiSettings(
                xApi.Bool("enabled"),
                HttpUrl(baseUrl) ?? new Uri("http://invalid/"),
                xApi.Int("page-size", 10, 100),
                xApi.OptionalString("language"),
                xApi.Bool("exclude-retweets"),
                xApi.Duration("timeout", "100ms", "5m"),
                xApi.String("user-agent")));
    }

    /// <summary>An absolute http(s) URL, ending in a slash so relative paths resolve under it; null if it is none.</summary>
    private static Uri? HttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
            ? url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/")
            : null;

    private static TopicSettings Topics(SettingsReader r) =>
        new(r.Bool("enabled"), ResolveShippedDirectory(r.String("model-dir")), r.DoubleOrAuto("threshold", 0, 1), ScoringStage(r));

    private static SentimentSettings Sentiment(SettingsReader r) => new(
        r.Bool("enabled"),
        r.Choice("scorer", new Dictionary<string, SentimentScorerKind> { ["builtin"] = SentimentScorerKind.BuiltIn, ["onnx"] = SentimentScorerKind.Onnx }),
        ResolveShippedDirectory(r.String("model-dir")),
        ScoringStage(r),
        new OnnxScorerSettings(
            r.Int("onnx.intra-op-threads", 0, 256),
            r.Choice<Onnx.GraphOptimizationLevel>("onnx.graph-optimization", OnnxScorerOptions.GraphOptimizationWords),
            r.Int("onnx.max-tokens", 8, 512)));

    /// <summary>The batching keys every scoring stage has.</summary>
    private static ScoringStageSettings ScoringStage(SettingsReader r) =>
        new(r.Int("batch-size", 1, 100_000), r.Duration("max-wait", "1ms", "5m"), r.Int("parallelism", 1, 64));

    private static InputLimits Limits(SettingsReader r) => new(
        r.Int("max-line-length", 1_024, 256 << 20),
        r.Int("max-record-length", 1_024, 256 << 20),
        r.Int("max-fields", 8, 1_000_000),
        r.Int("max-text-length", 280, 1 << 20),
        r.ByteSize("max-body-size", 64 << 10, 1L << 30),
        r.Int("max-nesting-depth", 16, 4_096),
        // raw_posts' CHECK refuses earlier dates: a post the guard let through would only fail in the sink.
        r.Date("earliest-date", InputLimits.PlatformStart),
        r.Duration("future-tolerance", "0s", "366d"));

    private static List<Company> Companies(SettingsReader r, string path)
    {
        var companies = new List<Company>();
        foreach (var entry in r.Entries(path, "{ id, name, handles, terms }"))
        {
            var id = entry.Raw("id") ?? string.Empty;
            Matches(entry, "id", id, SlugPattern(), Slug);
            entry.Check(companies.All(c => c.Id.Value != id), $"{entry.Name("id")} = \"{id}\": used by another company already");
            var name = entry.Raw("name") ?? string.Empty;
            entry.Check(!string.IsNullOrWhiteSpace(name), $"{entry.Name("name")}: must not be empty (company '{id}')");
            var handles = entry.List("handles");
            foreach (var handle in handles.Where(h => !HandlePattern().IsMatch(h))) entry.Problem($"{entry.Name("handles")}: \"{handle}\" is not a handle like @gtbank");
            var terms = entry.List("terms");
            entry.Check(handles.Count + terms.Count > 0, $"{entry.Path}: company '{id}' needs at least one handle or term, or nothing can be matched to it");
            companies.Add(new Company(new CompanyId(id), name, handles, terms, entry.Raw("country") ?? string.Empty, entry.Raw("industry") ?? string.Empty));
        }

        r.Check(companies.Count > 0, $"{path}: at least one company must be configured");
        return companies;
    }

    /// <summary>
    /// A relative file name is looked up in the working directory first, then beside the program, where the shipped
    /// samples are copied: `dotnet run` starts in the project folder, a container in /app, a user wherever they like.
    /// </summary>
    private static string ResolveShippedFile(string path) => ResolveShipped(path, File.Exists);

    /// <summary>A model folder, looked up like the shipped files: working directory first, then beside the program.</summary>
    public static string ResolveShippedDirectory(string path) => path.Length == 0 ? path : ResolveShipped(path, Directory.Exists);

    private static string ResolveShipped(string path, Func<string, bool> exists) =>
        Path.IsPathRooted(path) || exists(path) || !exists(Path.Combine(AppContext.BaseDirectory, path)) ? path : Path.Combine(AppContext.BaseDirectory, path);

    /// <summary>
    /// The management port's secrets, read from <paramref name="environment"/> only (never a config file).
    /// A dashboard that needs a login but has no credential to check stops start-up, naming the setting and the variables.
    /// </summary>
    public static HttpCredentials LoadHttpCredentials(HttpSettings http, Func<string, string?> environment)
    {
        var credentials = HttpCredentials.FromEnvironment(environment);
        if (http.DashboardAuthRequired && !credentials.HasDashboardCredential)
        {
            var why = http.DashboardAuth == DashboardAuthMode.On ? "on" : $"auto, and pipeline.http.host = \"{http.Host}\" is reachable beyond loopback";
            throw new SettingsException([
                $"pipeline.http.dashboard-auth = {why}: set {HttpCredentials.DashboardPasswordVariable} (basic auth, user " +
                $"{HttpCredentials.DashboardUserVariable}, default '{HttpCredentials.DefaultDashboardUser}') and/or {HttpCredentials.DashboardTokenVariable} " +
                $"(bearer) in the environment, or set pipeline.http.dashboard-auth = off (PIPELINE_DASHBOARD_AUTH=off)",
            ]);
        }

        return credentials;
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
