using Akka.Configuration;
using Pipeline.Host.Settings;

namespace Pipeline.Host.Tests.Settings;

public sealed class SettingsLoaderTests
{
    private static readonly string ShippedConf = Path.Combine(AppContext.BaseDirectory, "pipeline.conf");

    private static Config Shipped(string overrides = "", Func<string, string?>? environment = null) =>
        ConfigurationFactory.ParseString(overrides)
            .WithFallback(SettingsLoader.Parse(File.ReadAllText(ShippedConf), environment ?? (_ => null)));

    [Fact]
    public void Shipped_configuration_is_valid_and_watches_the_thirteen_default_companies()
    {
        var settings = SettingsLoader.Load(Shipped());

        Assert.Equal(13, settings.Companies.Count);
        var gtbank = Assert.Single(settings.Companies, c => c.Id.Value == "gtbank");
        Assert.Equal(["@gtbank", "@gtbank_help"], gtbank.Handles);
        Assert.Contains("guaranty trust bank", gtbank.SearchTerms);
        Assert.Equal("Nigeria", gtbank.Country);
        Assert.Equal(["Access Bank", "Zenith Bank", "First Bank", "UBA", "GTBank", "Fidelity Bank", "FCMB", "Sterling Bank",
            "Wema Bank", "Ecobank", "Opay", "Palmpay", "Kuda"], settings.Companies.Select(c => c.DisplayName));
        Assert.Equal(8558, settings.Http.Port);
        Assert.Null(settings.Database.ConnectionString);
    }

    [Fact]
    public void Run_imports_no_file_by_default_so_invented_posts_never_reach_a_real_database()
    {
        Assert.Empty(SettingsLoader.Load(Shipped()).Import.Files);
    }

    [Theory]
    [InlineData("pipeline.sink.batch-size = 0", "pipeline.sink.batch-size = 0: must be between 1 and 100000")]
    [InlineData("pipeline.sink.batch-size = lots", "pipeline.sink.batch-size = \"lots\": must be a whole number")]
    [InlineData("pipeline.sink.max-wait = soon", "pipeline.sink.max-wait = \"soon\": must be a duration")]
    [InlineData("pipeline.http.port = 70000", "pipeline.http.port = 70000: must be between 0 and 65535")]
    [InlineData("pipeline.cleaning.drop-own-posts = maybe", "pipeline.cleaning.drop-own-posts = \"maybe\": must be on or off")]
    [InlineData("pipeline.import.inbox = \"\"", "pipeline.import.inbox: must not be empty")]
    [InlineData("pipeline.import.settle-time = 2h", "pipeline.import.settle-time = 2h: must be between")]
    [InlineData("pipeline.import.settle-time = soon", "pipeline.import.settle-time = \"soon\": must be a duration")]
    [InlineData("pipeline.database.reporting-user = \"Robert'); DROP\"", "pipeline.database.reporting-user = \"Robert'); DROP\": must be a lower-case identifier")]
    [InlineData("pipeline.database.writer-user = \"Pipeline Writer\"", "pipeline.database.writer-user = \"Pipeline Writer\": must be a lower-case identifier")]
    [InlineData("pipeline.database.writer-user = tableau", "pipeline.database.reporting-user = \"tableau\" is also pipeline.database.writer-user: the read-only login cannot be the writer")]
    [InlineData("pipeline.database.writer-user = postgres", "pipeline.database.writer-user = \"postgres\": 'postgres' is reserved")]
    [InlineData("pipeline.database.reporting-user = pipeline_reporting", "pipeline.database.reporting-user = \"pipeline_reporting\": 'pipeline_reporting' is reserved")]
    [InlineData("pipeline.companies = [{ id = \"GT Bank\", name = x, terms = [gt] }]", "pipeline.companies[0].id = \"GT Bank\": must be a lower-case slug")]
    [InlineData("pipeline.companies = [{ id = gt, name = x, handles = [\"gtbank\"] }]", "pipeline.companies[0].handles: \"gtbank\" is not a handle like @gtbank")]
    [InlineData("pipeline.companies = [{ id = gt, name = x }]", "pipeline.companies[0]: company 'gt' needs at least one handle or term")]
    [InlineData("pipeline.companies = []", "pipeline.companies: at least one company must be configured")]
    [InlineData("pipeline.topics.threshold = 1.5", "pipeline.topics.threshold = 1.5: must be auto or a number between 0 and 1")]
    [InlineData("pipeline.topics.threshold = sometimes", "pipeline.topics.threshold = \"sometimes\": must be auto or a number between 0 and 1")]
    [InlineData("pipeline.topics.parallelism = 0", "pipeline.topics.parallelism = 0: must be between 1 and 64")]
    [InlineData("pipeline.sentiment.scorer = bert", "pipeline.sentiment.scorer = \"bert\": must be one of builtin, onnx")]
    [InlineData("pipeline.sentiment.onnx.graph-optimization = max", "pipeline.sentiment.onnx.graph-optimization = \"max\": must be one of none, basic, extended, all")]
    [InlineData("pipeline.limits.max-line-length = 10", "pipeline.limits.max-line-length = 10: must be between 1024 and")]
    [InlineData("pipeline.limits.max-body-size = huge", "pipeline.limits.max-body-size = \"huge\": must be a size such as 512KiB or 8MiB")]
    [InlineData("pipeline.limits.max-body-size = 2GiB", "pipeline.limits.max-body-size = 2GiB: must be between")]
    [InlineData("pipeline.limits.earliest-date = \"21/03/2006\"", "pipeline.limits.earliest-date = \"21/03/2006\": must be a date written yyyy-MM-dd")]
    [InlineData("pipeline.limits.earliest-date = \"2006-03-20\"", "pipeline.limits.earliest-date = \"2006-03-20\": must not be before 2006-03-21")]
    [InlineData("pipeline.limits.future-tolerance = 400d", "pipeline.limits.future-tolerance = 400d: must be between")]
    [InlineData("pipeline.http.dashboard-auth = maybe", "pipeline.http.dashboard-auth = \"maybe\": must be one of auto, off, on")]
    [InlineData("pipeline.http.allowed-hosts = [\"https://pipeline.example\"]", "pipeline.http.allowed-hosts: \"https://pipeline.example\" is not a host name")]
    [InlineData("pipeline.http.allowed-hosts = [\"pipeline.example:8558\"]", "pipeline.http.allowed-hosts: \"pipeline.example:8558\" is not a host name")]
    [InlineData("pipeline.http.models-root = \"\"", "pipeline.http.models-root: must not be empty")]
    public void Invalid_setting_stops_start_up_with_its_name_and_value(string hocon, string expected)
    {
        var error = Assert.Throws<SettingsException>(() => SettingsLoader.Load(Shipped(hocon)));

        Assert.Contains(error.Problems, p => p.StartsWith(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("pipeline.topics.training.beta = lots", "pipeline.topics.training.beta = \"lots\": must be a number")]
    [InlineData("pipeline.topics.training.topics = 2.5", "pipeline.topics.training.topics = \"2.5\": must be a whole number")]
    [InlineData("pipeline.topics.training.topics = 1", "pipeline.topics.training.topics = 1: must be between 2 and 1000")]
    [InlineData("pipeline.topics.training.burnin-iterations = 300", "pipeline.topics.training.burnin-iterations = 300: must be fewer than iterations (200)")]
    [InlineData("pipeline.topics.training.threshold-quantile = 0.3", "pipeline.topics.training.threshold-quantile = 0.3: must be between 0.5 and 0.999")]
    [InlineData("pipeline.topics.training.reassign-min-share = 0.4", "pipeline.topics.training.reassign-min-share = 0.4: must be above 0.5 and at most 1")]
    public void Invalid_topic_training_setting_is_named_with_its_value(string hocon, string expected)
    {
        var error = Assert.Throws<SettingsException>(() => SettingsLoader.LoadTopicTraining(Shipped(hocon)));

        Assert.Contains(error.Problems, p => p.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Topic_decision_rule_settings_reach_the_trainer_and_reassignment_can_be_turned_off()
    {
        var shipped = SettingsLoader.LoadTopicTraining(Shipped());
        var changed = SettingsLoader.LoadTopicTraining(Shipped("""
            pipeline.topics.training.threshold-quantile = 0.9
            pipeline.topics.training.reassign = off
            """));

        Assert.Equal((0.95, 2.0 / 3), (shipped.ThresholdQuantile, shipped.ReassignMinShare));
        Assert.Equal((0.9, (double?)null), (changed.ThresholdQuantile, changed.ReassignMinShare));
    }

    [Fact]
    public void Shipped_topic_training_settings_are_the_ones_the_shipped_model_was_trained_with()
    {
        var training = SettingsLoader.LoadTopicTraining(Shipped());

        using var metrics = System.Text.Json.JsonDocument.Parse(
            File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "models", "topics", "metrics.json")));
        Assert.Equal(metrics.RootElement.GetProperty("settings").GetString(), training.Describe());
    }

    [Fact]
    public void The_topic_threshold_defaults_to_the_models_own_and_takes_a_number_from_the_file_or_the_environment()
    {
        Assert.Null(SettingsLoader.Load(Shipped()).Topics.Threshold);
        Assert.Null(SettingsLoader.Load(Shipped("pipeline.topics.threshold = AUTO")).Topics.Threshold);
        Assert.Equal(0.35, SettingsLoader.Load(Shipped("pipeline.topics.threshold = 0.35")).Topics.Threshold);
        Assert.Equal(0.5, SettingsLoader.Load(Shipped(environment: v => v == "PIPELINE_TOPICS_THRESHOLD" ? "0.5" : null)).Topics.Threshold);
    }

    [Fact]
    public void Shipped_limits_are_the_documented_defaults_and_read_with_units()
    {
        Assert.Equal(Pipeline.Models.Domain.InputLimits.Default, SettingsLoader.Load(Shipped()).Limits);

        var limits = SettingsLoader.Load(Shipped("pipeline.limits { max-body-size = 512KiB, earliest-date = \"2010-01-01\", future-tolerance = 2h }")).Limits;

        Assert.Equal(512 * 1024, limits.MaxBodyBytes);
        Assert.Equal(new DateTimeOffset(2010, 1, 1, 0, 0, 0, TimeSpan.Zero), limits.EarliestDate);
        Assert.Equal(TimeSpan.FromHours(2), limits.FutureTolerance);
    }

    [Theory]
    [InlineData("none", Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_DISABLE_ALL)]
    [InlineData("disabled", Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_DISABLE_ALL)]
    [InlineData("Extended", Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_EXTENDED)]
    public void Onnx_graph_optimisation_takes_the_words_the_scorer_options_define(string word, Microsoft.ML.OnnxRuntime.GraphOptimizationLevel expected)
    {
        Assert.Equal(expected, SettingsLoader.Load(Shipped($"pipeline.sentiment.onnx.graph-optimization = {word}")).Sentiment.Onnx.GraphOptimization);
        Assert.Equal(expected, Pipeline.Models.Sentiment.OnnxScorerOptions.ParseGraphOptimization(word));
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var error = Assert.Throws<SettingsException>(() =>
            SettingsLoader.Load(Shipped("pipeline.sink.batch-size = 0\npipeline.http.port = -1")));

        Assert.Equal(2, error.Problems.Count);
        Assert.Contains("pipeline.sink.batch-size", error.Message);
        Assert.Contains("pipeline.http.port", error.Message);
    }

    [Fact]
    public void Database_roles_default_to_one_login_and_the_writer_and_reporting_names()
    {
        var database = SettingsLoader.Load(Shipped()).Database;

        Assert.Null(database.OwnerConnectionString);
        Assert.Equal("pipeline_writer", database.WriterUser);
        Assert.Equal("tableau", database.ReportingUser);
    }

    [Fact]
    public void Owner_connection_and_role_names_come_from_the_environment()
    {
        var environment = new Dictionary<string, string>
        {
            ["PIPELINE_DB"] = "Host=db;Username=ingest;Password=w",
            ["PIPELINE_DB_OWNER"] = "Host=db;Username=pipeline;Password=o",
            ["PIPELINE_WRITER_USER"] = "ingest",
            ["PIPELINE_REPORTING_USER"] = "dashboards",
        };

        var database = SettingsLoader.Load(Shipped(environment: environment.GetValueOrDefault)).Database;

        Assert.Equal("Host=db;Username=ingest;Password=w", database.ConnectionString);
        Assert.Equal("Host=db;Username=pipeline;Password=o", database.OwnerConnectionString);
        Assert.Equal("ingest", database.WriterUser);
        Assert.Equal("dashboards", database.ReportingUser);
    }

    [Fact]
    public void Environment_variables_override_the_file_where_it_declares_them()
    {
        var environment = new Dictionary<string, string>
        {
            ["PIPELINE_DB"] = "Host=db;Password=p\"w",
            ["PIPELINE_SINK_BATCH_SIZE"] = "1234",
            ["PIPELINE_HTTP_HOST"] = "0.0.0.0",
            ["PIPELINE_INBOX_SETTLE_TIME"] = "500ms",
        };

        var settings = SettingsLoader.Load(Shipped(environment: environment.GetValueOrDefault));

        Assert.Equal("Host=db;Password=p\"w", settings.Database.ConnectionString);
        Assert.Equal(1234, settings.Sink.BatchSize);
        Assert.Equal("0.0.0.0", settings.Http.Host);
        Assert.Equal(8558, settings.Http.Port);
        Assert.Equal(TimeSpan.FromMilliseconds(500), settings.Import.SettleTime);
        Assert.Equal(TimeSpan.FromSeconds(2), SettingsLoader.Load(Shipped()).Import.SettleTime);
    }

    [Fact]
    public void The_management_port_settings_default_to_auto_login_the_shipped_models_folder_and_no_extra_hosts()
    {
        var http = SettingsLoader.Load(Shipped()).Http;

        Assert.Equal(DashboardAuthMode.Auto, http.DashboardAuth);
        Assert.False(http.DashboardAuthRequired);
        Assert.Empty(http.AllowedHosts);
        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "models"), Path.GetFullPath(http.ModelsRoot));
        Assert.Equal(["localhost", "127.0.0.1", "[::1]"], Pipeline.Host.Http.HttpAccessRules.AllowedHosts(http));
    }

    [Fact]
    public void The_management_port_settings_take_their_environment_overrides()
    {
        var environment = new Dictionary<string, string>
        {
            ["PIPELINE_HTTP_HOST"] = "0.0.0.0",
            ["PIPELINE_ALLOWED_HOSTS"] = "pipeline.example; *.pipeline.internal;[fd00::2]",
            ["PIPELINE_MODELS_ROOT"] = "/srv/models",
            ["PIPELINE_DASHBOARD_AUTH"] = "off",
        };

        var http = SettingsLoader.Load(Shipped(environment: environment.GetValueOrDefault)).Http;

        Assert.Equal(["pipeline.example", "*.pipeline.internal", "[fd00::2]"], http.AllowedHosts);
        Assert.Equal("/srv/models", http.ModelsRoot);
        Assert.Equal(DashboardAuthMode.Off, http.DashboardAuth);
        Assert.False(http.DashboardAuthRequired);
        // A wildcard bind names no host to add.
        Assert.Equal(["localhost", "127.0.0.1", "[::1]", "pipeline.example", "*.pipeline.internal", "[fd00::2]"],
            Pipeline.Host.Http.HttpAccessRules.AllowedHosts(http));
    }

    [Theory]
    [InlineData("127.0.0.1", "auto", false)]
    [InlineData("localhost", "auto", false)]
    [InlineData("::1", "auto", false)]
    [InlineData("0.0.0.0", "auto", true)]
    [InlineData("192.0.2.7", "auto", true)]
    [InlineData("pipeline.example", "auto", true)]
    [InlineData("0.0.0.0", "off", false)]
    [InlineData("127.0.0.1", "on", true)]
    public void Dashboard_login_auto_is_on_exactly_when_the_bind_address_reaches_beyond_loopback(string host, string mode, bool required)
    {
        var http = SettingsLoader.Load(Shipped($"pipeline.http.host = \"{host}\"\npipeline.http.dashboard-auth = {mode}")).Http;

        Assert.Equal(required, http.DashboardAuthRequired);
    }

    [Fact]
    public void Dashboard_credentials_come_from_the_environment_and_never_print()
    {
        var http = SettingsLoader.Load(Shipped("pipeline.http.dashboard-auth = on")).Http;
        var environment = new Dictionary<string, string> { ["PIPELINE_DASHBOARD_PASSWORD"] = "s3cret", ["PIPELINE_ADMIN_TOKEN"] = " tok " };

        var credentials = SettingsLoader.LoadHttpCredentials(http, environment.GetValueOrDefault);

        Assert.Equal("pipeline", credentials.DashboardUser);
        Assert.Equal("s3cret", credentials.DashboardPassword);
        Assert.Equal("tok", credentials.AdminToken);
        Assert.DoesNotContain("s3cret", credentials.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("tok", credentials.ToString().Replace("Token", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Throws<SettingsException>(() => SettingsLoader.LoadHttpCredentials(http, name => name == "PIPELINE_DASHBOARD_PASSWORD" ? "  " : null));
    }

    [Fact]
    public void A_bad_instance_url_is_reported_without_its_password()
    {
        var error = Assert.Throws<SettingsException>(() => SettingsLoader.Load(Shipped("pipeline.scraping.nitter.instances = [\"ftp://scraper:hunter2@nitter.local/\"]")));

        Assert.Contains(error.Problems, p => p.StartsWith("pipeline.scraping.nitter.instances: \"ftp://***@nitter.local/\" is not an http(s) URL", StringComparison.Ordinal));
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nitter_instances_take_their_comma_separated_environment_override()
    {
        var settings = SettingsLoader.Load(Shipped(environment: name => name == "PIPELINE_NITTER_INSTANCES" ? "http://a.local/, http://b.local/" : null));

        Assert.Equal([new Uri("http://a.local/"), new Uri("http://b.local/")], settings.Scraping.Nitter.Instances);
    }

    [Fact]
    public void Invalid_environment_override_is_reported_like_a_bad_file_value()
    {
        var error = Assert.Throws<SettingsException>(() =>
            SettingsLoader.Load(Shipped(environment: name => name == "PIPELINE_HTTP_PORT" ? "eighty" : null)));

        Assert.Contains("pipeline.http.port = \"eighty\"", error.Message);
    }

    [Fact]
    public void Missing_configuration_file_is_named()
    {
        var error = Assert.Throws<SettingsException>(() => SettingsLoader.ResolveConfigPath("/nowhere/pipeline.conf"));

        Assert.Contains("/nowhere/pipeline.conf", error.Message);
    }
}
