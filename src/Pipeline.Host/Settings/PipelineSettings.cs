using Pipeline.Actors.Alerts;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Import;
using Pipeline.Actors.Sources.Scraping;
using Pipeline.Actors.Storage;
using Pipeline.Host.Retention;
using Pipeline.Host.Scoring;
using Pipeline.Models.Cleaning;
using Pipeline.Models.Domain;

namespace Pipeline.Host.Settings;

/// <summary>Everything under <c>pipeline { }</c>, typed and validated; each section's defaults live in hocon/pipeline.conf.</summary>
/// <param name="Limits"><c>pipeline.limits</c>: bounds on every input (line, record, text, body, nesting, dates).</param>
/// <param name="Supervision"><c>pipeline.supervision</c>: restart backoff of the long-running graphs.</param>
/// <param name="Cluster"><c>pipeline.cluster</c>: remoting address, seed nodes, split brain resolver.</param>
/// <param name="Alerts"><c>pipeline.alerts</c>: the detector's rules and interval, the webhooks and their outbox.</param>
/// <param name="TopicRetrain"><c>pipeline.topics.retrain</c>: scheduled retraining of the topic model on recent posts.</param>
/// <param name="Retention"><c>pipeline.retention</c>: how long stored rows are kept and the scheduled purge.</param>
public sealed record PipelineSettings(
    DatabaseSettings Database,
    HttpSettings Http,
    SinkSettings Sink,
    int ImportMaxAttempts,
    CleaningPolicy Cleaning,
    ImportSettings Import,
    ScrapingSettings Scraping,
    IReadOnlyList<Company> Companies,
    TopicSettings Topics,
    SentimentSettings Sentiment,
    InputLimits Limits,
    SupervisionSettings Supervision,
    DashboardSettings Dashboard,
    ClusterSettings Cluster,
    AlertSettings Alerts,
    TopicRetrainSettings TopicRetrain,
    RetentionSettings Retention);

/// <param name="ConnectionString">The service's run-time login (the writer, on a server); null: start the embedded PostgreSQL.</param>
/// <param name="ReportingUser">The read-only login for Tableau, made when PIPELINE_REPORTING_PASSWORD is set.</param>
/// <param name="OwnerConnectionString">The login that owns the schema: runs migrations and sets up the other roles.
/// Null: <paramref name="ConnectionString"/> does it too (as before roles existed).</param>
/// <param name="WriterUser">The login the service runs as, made by the owner when PIPELINE_WRITER_PASSWORD is set.</param>
public sealed record DatabaseSettings(
    string? ConnectionString, EmbeddedPostgresSettings Embedded, string ReportingUser, string? OwnerConnectionString, string WriterUser);

public sealed record EmbeddedPostgresSettings(string DataDirectory, string? BinDirectory, int Port);

/// <summary><c>pipeline.http</c>: the management port and who may use it.</summary>
/// <param name="AllowedHosts">
/// Host names the port answers (HostFiltering syntax: <c>*.example.com</c>, <c>[::1]</c>); loopback names and the
/// bind address are always added by <see cref="Http.HttpAccessRules.AllowedHosts"/>.
/// </param>
/// <param name="ModelsRoot">Resolved like the model folders; a reload request may only name a folder under it.</param>
public sealed record HttpSettings(string Host, int Port, IReadOnlyList<string> AllowedHosts, string ModelsRoot, DashboardAuthMode DashboardAuth)
{
    /// <summary>
    /// The bind address is loopback only (<c>localhost</c>, <c>127.x</c>, <c>::1</c>); anything else, a
    /// wildcard included, is reachable from the network.
    /// </summary>
    public bool LoopbackOnly => IsLoopback(Host);

    /// <summary>Whether the dashboard, /metrics and /status/* ask for credentials.</summary>
    public bool DashboardAuthRequired => DashboardAuth switch
    {
        DashboardAuthMode.On => true,
        DashboardAuthMode.Off => false,
        _ => !LoopbackOnly,
    };

    public static bool IsLoopback(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (System.Net.IPAddress.TryParse(host.Trim('[', ']'), out var address) && System.Net.IPAddress.IsLoopback(address));
}

/// <summary><c>pipeline.http.dashboard-auth</c>.</summary>
public enum DashboardAuthMode
{
    /// <summary>Off while bound to loopback, on when bound beyond it.</summary>
    Auto,
    Off,
    On,
}

/// <summary><c>pipeline.topics</c>: the LDA model folder (<c>model.zip</c> + <c>topics.json</c>) and how the stage batches.</summary>
/// <param name="ModelDirectory">Resolved: the working directory first, then beside the program.</param>
/// <param name="Threshold">Null (<c>auto</c>): the model's own calibrated rule (0.4 for a model that has none). A number:
/// below this top probability a post is Unclassified (id −1), the fixed rule of models before calibration.</param>
public sealed record TopicSettings(bool Enabled, string ModelDirectory, double? Threshold, ScoringStageSettings Stage);

public enum SentimentScorerKind
{
    /// <summary>The model the project trains and ships (<c>scorer = builtin</c>).</summary>
    BuiltIn,

    /// <summary>An exported Cardiff RoBERTa model run with ONNX Runtime (<c>scorer = onnx</c>).</summary>
    Onnx,
}

/// <summary><c>pipeline.sentiment.onnx</c>: ONNX Runtime session options.</summary>
/// <param name="IntraOpThreads">0: ONNX Runtime's default (one per core).</param>
/// <param name="MaxTokens">Longer tweets are truncated, never rejected (the original crashed whole batches on them).</param>
public sealed record OnnxScorerSettings(int IntraOpThreads, Microsoft.ML.OnnxRuntime.GraphOptimizationLevel GraphOptimization, int MaxTokens);

/// <summary><c>pipeline.sentiment</c>: which scorer, its model folder and how the stage batches.</summary>
/// <param name="ModelDirectory">Resolved like <see cref="TopicSettings.ModelDirectory"/>.</param>
public sealed record SentimentSettings(bool Enabled, SentimentScorerKind Scorer, string ModelDirectory, ScoringStageSettings Stage, OnnxScorerSettings Onnx);

/// <summary><c>pipeline.dashboard</c>.</summary>
/// <param name="RefreshInterval">How often the page asks for new data.</param>
/// <param name="FeedSize">Posts the live feed shows.</param>
public sealed record DashboardSettings(TimeSpan RefreshInterval, int FeedSize);

/// <summary>Invalid configuration: the message names each bad setting and its value.</summary>
public sealed class SettingsException(IReadOnlyList<string> problems)
    : Exception("Invalid configuration:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  " + p)))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
