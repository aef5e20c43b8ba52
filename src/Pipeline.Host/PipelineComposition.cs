using Akka;
using Akka.Hosting;
using Akka.Streams.Dsl;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Npgsql;
using Pipeline.Actors.Alerts;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Import;
using Pipeline.Actors.Sources.Scraping;
using Pipeline.Actors.Storage;
using Pipeline.Host.Cluster;
using Pipeline.Host.Dashboard;
using Pipeline.Host.Http;
using Pipeline.Host.Retention;
using Pipeline.Host.Scoring;
using Pipeline.Host.Settings;
using Pipeline.Models.Cleaning;
using Pipeline.Models.Domain;
using Pipeline.Models.Sentiment;

namespace Pipeline.Host;

/// <summary>The one place the service is put together, used by the <c>run</c> verb and by the host tests.</summary>
public static class PipelineComposition
{
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Builds the graph from settings: the input bounds (<c>pipeline.limits</c>), cleaning, topic, sentiment, the PostgreSQL sink.</summary>
    /// <param name="extraStages">Run after the configured scoring stages (tests inject a stage that fails here).</param>
    public static PipelineGraph BuildGraph(
        PipelineSettings settings, SinkSettings sinkSettings, NpgsqlDataSource dataSource, PipelineCounters counters, ILoggerFactory loggers,
        ScoringModels models, IReadOnlyList<Flow<PipelineItem, PipelineItem, NotUsed>>? extraStages = null, string? privacySecret = null)
    {
        var cleaner = new PostCleaner(settings.Cleaning, new CompanyDirectory(settings.Companies));
        // Language models load with the other models, at start-up, not inside the first page's or file's run.
        cleaner.Warm();
        return new(
            cleaner,
            [.. models.Stages(counters), .. extraStages ?? []],
            new PostgresSink(new PostStore(dataSource, privacySecret), sinkSettings, counters, loggers.CreateLogger<PostgresSink>()),
            sinkSettings,
            counters,
            new PostGuard(settings.Limits, TimeProvider.System));
    }

    /// <summary>
    /// The import verb's host: the graph of <see cref="BuildGraph"/> (with <c>pipeline.import.max-attempts</c>) on an actor
    /// system that Akka.Hosting starts from the configuration, as the service's; nothing else (no HTTP, cluster, scrapers or
    /// jobs), so that a one-file import stays small. No signal stops it: the verb drains its graph on SIGTERM, then stops it.
    /// </summary>
    public static IHost BuildImport(
        PipelineSettings settings, Akka.Configuration.Config config, NpgsqlDataSource dataSource, PipelineCounters counters,
        ILoggerFactory loggers, ScoringModels models, string? privacySecret)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton<IHostLifetime, OwnerStoppedLifetime>();
        builder.Services.AddSingleton(loggers);
        builder.Services.AddSingleton(_ => BuildGraph(
            settings, settings.Sink with { MaxAttempts = settings.ImportMaxAttempts }, dataSource, counters, loggers, models,
            // The same key as the service's, or imported authors would get other pseudonyms and tombstones would not match.
            privacySecret: privacySecret));
        // The verb's summary is its output; the actor system only speaks up about problems. SIGTERM is the verb's: Akka's
        // own hook would run coordinated shutdown at once and end the graph with its batches uncommitted.
        builder.Services.AddAkka("pipeline-import", (akka, _) => akka
            .AddHocon(config, HoconAddMode.Prepend)
            .AddHocon("akka.loglevel = WARNING\nakka.coordinated-shutdown.run-by-clr-shutdown-hook = off", HoconAddMode.Prepend)
            .ConfigureLoggers(l => l.AddLoggerFactory()));
        return builder.Build();
    }

    /// <param name="connectionString">For the scrapers' journal (Akka.Persistence.Sql); needed when scraping is enabled.</param>
    /// <param name="environment">Where secrets are read from; the process environment unless a test gives its own.</param>
    /// <param name="sentimentScorers">Makes the configured sentiment scorer; <see cref="SentimentScorers.Default"/> unless a test gives its own.</param>
    /// <param name="extraStages">Scoring stages run after the configured ones; none unless a test injects one (a stage that fails).</param>
    /// <param name="logging">Replaces where the service's logs go (the demo sends them to its log file); the console unless given.</param>
    /// <exception cref="SettingsException">A model named by the settings cannot be loaded.</exception>
    public static WebApplication BuildService(
        PipelineSettings settings, Akka.Configuration.Config config, NpgsqlDataSource dataSource, string[]? urls = null,
        string? connectionString = null, Func<string, string?>? environment = null,
        Func<SentimentSettings, ISentimentScorer>? sentimentScorers = null,
        IReadOnlyList<Flow<PipelineItem, PipelineItem, NotUsed>>? extraStages = null,
        Action<ILoggingBuilder>? logging = null)
    {
        // Before anything starts: a model that cannot be loaded stops start-up with the setting named.
        var models = ScoringModels.Load(settings, sentimentScorers ?? SentimentScorers.Default);
        var credentials = SettingsLoader.LoadHttpCredentials(settings.Http, environment ?? Environment.GetEnvironmentVariable);
        var privacy = PrivacySecret.FromEnvironment(environment ?? Environment.GetEnvironmentVariable);

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(urls ?? [$"http://{settings.Http.Host}:{settings.Http.Port}"]);
        // Probes hit the health endpoints every few seconds; per-request and per-command logs would drown the pipeline's own.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning).AddFilter("Npgsql", LogLevel.Warning);
        logging?.Invoke(builder.Logging);
        // SIGTERM runs coordinated shutdown (Akka.Hosting's StopAsync): the drain (service-unbind, at most DrainTimeout), then
        // the shard hand-off and the cluster leave (cluster-sharding-shutdown-region, cluster-leave, cluster-exiting: 10s
        // each at most by Akka's defaults). The host must wait for all of it, or the node leaves by being downed instead.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = DrainTimeout + TimeSpan.FromSeconds(45));

        builder.Services.AddSingleton(settings);
        builder.Services.AddHttpSecurity(settings.Http, credentials);
        builder.Services.AddSingleton(privacy);
        builder.Services.AddSingleton(dataSource);
        // One meter per host (disposed with it) and the exporter that listens to it alone: /metrics of one host never
        // shows another's work, however many share the process.
        builder.Services.AddSingleton<PipelineMetrics>();
        builder.Services.AddSingleton(sp => new PipelineCounters(sp.GetRequiredService<PipelineMetrics>()));
        builder.Services.AddSingleton(sp =>
        {
            var metrics = sp.GetRequiredService<PipelineMetrics>();
            ServiceMetrics.Observe(metrics.Meter, sp.GetRequiredService<PipelineCounters>(), sp.GetRequiredService<PipelineStatus>(),
                sp.GetRequiredService<SourceStatusBoard>(), sp.GetService<SharedGraphEntrance>(),
                settings.Alerts.Enabled ? sp.GetRequiredService<AlertCounters>() : null);
            return new PrometheusExport(metrics.Meter);
        });
        builder.Services.AddSingleton<PipelineStatus>();
        // Registered through a factory so the container disposes the scorers with the service.
        builder.Services.AddSingleton(_ => models);
        builder.Services.AddSingleton(sp => BuildGraph(settings, settings.Sink, dataSource,
            sp.GetRequiredService<PipelineCounters>(), sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<ScoringModels>(), extraStages, privacy.Value));
        if (models.Topics is { } topics)
        {
            builder.Services.AddSingleton(sp => new TopicModelReloader(topics, settings.Topics, dataSource, sp.GetRequiredService<ILogger<TopicModelReloader>>()));
            builder.Services.AddHostedService<TopicCatalogPublisher>();
        }

        if (models.Sentiment is { } sentiment)
        {
            builder.Services.AddSingleton(sp => new SentimentModelReloader(sentiment, settings.Sentiment, models.SentimentFactory, sp.GetRequiredService<ILogger<SentimentModelReloader>>()));
        }

        builder.Services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: [PipelineEndpoints.ReadyTag])
            .AddCheck<MigrationsHealthCheck>("migrations", tags: [PipelineEndpoints.ReadyTag])
            .AddCheck<ImportGraphHealthCheck>(ImportGraphHealthCheck.Name, tags: [PipelineEndpoints.ReadyTag])
            .Add(new HealthCheckRegistration("topic-model", sp => new ModelHealthCheck(() =>
                models.Topics?.Current is { } t
                    ? new ModelState(t.Version, t.LoadedAt, t.Origin,
                        sp.GetService<TopicModelReloader>()?.PublishError is { } error ? $"catalog not in pipeline.topics yet ({error})" : null)
                    : null), null, [PipelineEndpoints.ReadyTag]))
            .Add(new HealthCheckRegistration("sentiment-model", _ => new ModelHealthCheck(() =>
                models.Sentiment?.Current is { } s ? new ModelState(s.Version, s.LoadedAt, s.Origin) : null), null, [PipelineEndpoints.ReadyTag]));

        // Scheduled retraining: a job on every node, a database lock makes one of them run at a time.
        var retrain = settings.TopicRetrain.Enabled && models.Topics is not null;
        if (retrain)
        {
            builder.Services.AddSingleton<TopicRetrainStatus>();
            builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(TopicRetrainStatus.CheckName,
                sp => new DelegateHealthCheck(sp.GetRequiredService<TopicRetrainStatus>().Evaluate), null, [PipelineEndpoints.ReadyTag]));
        }

        // Retention: a purge on every node, the retention lock makes one of them run at a time.
        if (settings.Retention.Enabled)
        {
            builder.Services.AddSingleton(sp => new RetentionStatus(settings.Retention, sp.GetRequiredService<PipelineMetrics>().Meter));
            builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(RetentionStatus.CheckName,
                sp => new DelegateHealthCheck(sp.GetRequiredService<RetentionStatus>().Evaluate), null, [PipelineEndpoints.ReadyTag]));
        }

        // Alerts: the detector and the webhook sender run on every node (a database lock makes one detector work at a time).
        builder.Services.AddSingleton<AlertCounters>();
        if (settings.Alerts.Enabled)
        {
            builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(AlertsHealthCheck.Name,
                sp => new AlertsHealthCheck(sp.GetRequiredService<AlertCounters>(), TimeProvider.System), null, [PipelineEndpoints.ReadyTag]));
        }

        var status = new SourceStatusBoard();
        builder.Services.AddSingleton(status);
        var sources = settings.Scraping.AnyEnabled
            ? new ScrapingSources(settings.Scraping, new HttpClient(), environment ?? Environment.GetEnvironmentVariable, settings.Limits)
            : null;
        if (sources is not null)
        {
            // The scrapers' graph on this node, across its restarts: its scrapers deliver to it, readiness and /metrics read it.
            builder.Services.AddSingleton<SharedGraphEntrance>();
            builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(ScraperHosting.GraphCheck,
                sp => new DelegateHealthCheck(() => ScraperHosting.GraphHealth(sp.GetRequiredService<SharedGraphEntrance>().State)),
                null, [PipelineEndpoints.ReadyTag]));
        }

        builder.Services.AddSingleton<ClusterEventLog>();
        builder.Services.AddSingleton(sources is null ? ScraperRoster.None
            : new ScraperRoster([.. sources.Enabled.SelectMany(source => settings.Companies.Select(c => ScraperHosting.EntityId(source, c.Id)))]));
        builder.Services.AddSingleton<ClusterStatusService>();
        builder.Services.AddAkka(ClusterSettings.SystemName, (akka, _) =>
        {
            akka.ConfigureNode(settings, config,
                    sources is null ? null : connectionString ?? throw new ArgumentNullException(nameof(connectionString), "scraping needs the journal's connection string"))
                .AddClusterStatus()
                .AddFileImporter(settings.Import, settings.Limits, settings.Supervision, DrainTimeout)
                .AddModelReloadPropagation(ModelReloadPropagationSettings.Load(config), settings.Http.ModelsRoot, [PipelineEndpoints.ReadyTag]);
            if (retrain)
            {
                akka.AddTopicRetrainer(settings);
            }

            if (settings.Retention.Enabled)
            {
                akka.AddRetention(settings);
            }

            if (settings.Alerts.Enabled)
            {
                akka.AddAlertDetector(settings.Alerts)
                    .AddWebhookDelivery(settings.Alerts);
            }

            if (sources is not null)
            {
                akka.AddSharedScraperGraph(settings.Supervision, DrainTimeout)
                    .AddScrapers(settings.Scraping, settings.Companies, sources.Enabled, sources.For, status);
            }
        });

        var app = builder.Build();
        app.UseCrossSiteRefusal();
        app.MapPipelineEndpoints();
        app.MapGroup(HttpSecurity.AdminPrefix).RequireAdmin().MapModelReloads().MapDataSubjects();
        app.MapDashboard();
        return app;
    }
}
