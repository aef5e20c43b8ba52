using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Sources.Scraping;
using Pipeline.Host.Database;

namespace Pipeline.Host.Tests.Http;

/// <summary>
/// <c>/metrics</c> of two services scraping side by side in one process (each its own database), read the way
/// Prometheus reads it: the histograms and gauges an operator needs first, the names scrapers used before, and each
/// service counting its own work only.
/// </summary>
public sealed class MetricsExpositionSpecs(PostgresFixture postgres)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private static readonly TimeSpan Age = TimeSpan.FromHours(3);

    private static readonly (string Id, string Name, string Handle)[] Banks =
    [
        ("northwind", "Northwind Bank", "NorthwindHelp"),
        ("contoso", "Contoso Bank", "ContosoCare"),
    ];

    /// <summary>Every family the hand-written writer put out before the meter (alerts off), with its type.</summary>
    private static readonly (string Name, string Type)[] OldFamilies =
    [
        ("pipeline_posts_read_total", "counter"), ("pipeline_posts_kept_total", "counter"), ("pipeline_posts_dropped_total", "counter"),
        ("pipeline_items_quarantined_total", "counter"), ("pipeline_posts_repaired_text_total", "counter"),
        ("pipeline_posts_truncated_text_total", "counter"), ("pipeline_items_committed_total", "counter"),
        ("pipeline_posts_stored_new_total", "counter"), ("pipeline_batches_committed_total", "counter"), ("pipeline_sink_retries_total", "counter"),
        ("pipeline_stage_scored_total", "counter"), ("pipeline_stage_failed_total", "counter"), ("pipeline_stage_batch_retries_total", "counter"),
        ("pipeline_stage_busy_seconds_total", "counter"), ("pipeline_graph_restarts_total", "counter"),
        ("dotnet_gc_heap_size_bytes", "gauge"), ("dotnet_gc_committed_bytes", "gauge"), ("dotnet_gc_allocated_bytes", "gauge"),
    ];

    [Fact]
    public async Task Metrics_parse_as_prometheus_text_with_latency_histograms_lag_and_depth_gauges_and_the_old_names_per_service()
    {
        using var folder = new TempDirectory();
        var api = new SearchResults(Banks, pages: 3, perPage: 10, postedAround: DateTimeOffset.UtcNow - Age);
        await using var server = await FakeHttpServer.StartAsync();
        server.Otherwise(api.Answer);
        await using var first = await RunAsync(folder.Combine("a"), server.BaseUrl);
        await using var second = await RunAsync(folder.Combine("b"), server.BaseUrl);

        await Eventually.TrueAsync("both services' scrapers live", () => Task.FromResult(new[] { first, second }.All(service =>
            service.App.Services.GetRequiredService<SourceStatusBoard>().All is var all && all.Count == Banks.Length && all.All(s => s.Mode == "live"))),
            TimeSpan.FromSeconds(120));
        // Quiet: what they read is committed, and no request is under way (together, the two services timed every request
        // the API answered: had either counted the other's, the sum would be larger).
        IReadOnlyDictionary<string, Family>[] scraped = [];
        await Eventually.TrueAsync("both services quiet, every request timed once", async () =>
        {
            scraped = await Task.WhenAll(ScrapeAsync(first.App), ScrapeAsync(second.App));
            var timed = scraped.Sum(m => m["pipeline_scrape_page_duration_seconds"].Samples
                .Where(s => s.Name == "pipeline_scrape_page_duration_seconds_count").Sum(s => s.Value));
            return timed == api.TotalRequests && scraped.All(m =>
                PrometheusText.Single(m["pipeline_items_committed_total"], "") == PrometheusText.Single(m["pipeline_posts_read_total"], ""));
        }, TimeSpan.FromSeconds(60));
        foreach (var metrics in scraped)
        {
            // The old families, with their old types and labels.
            foreach (var (name, type) in OldFamilies)
            {
                Assert.True(metrics.TryGetValue(name, out var family), $"{name} is gone");
                Assert.Equal(type, family.Type);
            }

            Assert.True(PrometheusText.Single(metrics["pipeline_items_committed_total"], "") >= Banks.Length * 3 * 10);
            Assert.Equal(0, PrometheusText.Single(metrics["pipeline_posts_dropped_total"], "", ("reason", "own_post")));
            Assert.Equal(0, PrometheusText.Single(metrics["pipeline_graph_restarts_total"], "", ("graph", "scrapers")));
            Assert.True(PrometheusText.Single(metrics["pipeline_stage_scored_total"], "", ("stage", "sentiment")) > 0);

            // The histograms, with the buckets docs/metrics.md gives, each of them observed.
            var commits = PrometheusText.Buckets(metrics["pipeline_sink_batch_commit_duration_seconds"]);
            Assert.Equal([.. PipelineMetrics.CommitBuckets, double.PositiveInfinity], commits.Select(b => b.Le));
            // Each service's histogram counts its own batches, not the other's.
            Assert.Equal(PrometheusText.Single(metrics["pipeline_batches_committed_total"], ""), commits[^1].Count);
            var scoring = PrometheusText.Buckets(metrics["pipeline_stage_batch_duration_seconds"], ("stage", "sentiment"));
            Assert.Equal([.. PipelineMetrics.ScoringBuckets, double.PositiveInfinity], scoring.Select(b => b.Le));
            Assert.True(scoring[^1].Count > 0);
            var pages = PrometheusText.Buckets(metrics["pipeline_scrape_page_duration_seconds"], ("source", "x_api"), ("outcome", "page"));
            Assert.Equal([.. PipelineMetrics.ScrapeBuckets, double.PositiveInfinity], pages.Select(b => b.Le));
            Assert.True(pages[^1].Count >= Banks.Length * 3, $"{pages[^1].Count} pages timed");

            // The gauges: nothing left in the graph, and the newest post stored is as old as the API made it.
            Assert.Equal("gauge", metrics["pipeline_graph_in_flight_items"].Type);
            Assert.Equal(0, PrometheusText.Single(metrics["pipeline_graph_in_flight_items"], "", ("graph", "scrapers")));
            Assert.Equal("gauge", metrics["pipeline_source_lag_seconds"].Type);
            var lag = PrometheusText.Single(metrics["pipeline_source_lag_seconds"], "", ("source", "x_api"));
            Assert.InRange(lag, Age.TotalSeconds, Age.TotalSeconds + 300);
        }
    }

    private async Task<Service> RunAsync(string folder, Uri api)
    {
        var (settings, config) = ScraperSupervisionSpecs.Configure(await postgres.CreateDatabaseAsync(), folder, api, Banks, """
            pipeline.sentiment.enabled = on
            pipeline.sentiment.max-wait = 20ms
            """);
        var database = await PipelineDatabase.OpenAsync(settings, NullLoggerFactory.Instance);
        var app = PipelineComposition.BuildService(settings, config, database.DataSource, ["http://127.0.0.1:0"],
            database.ConnectionString, ScraperSupervisionSpecs.Token, sentimentScorers: _ => new LexiconSentimentScorer());
        await app.StartAsync();
        return new Service(app, database);
    }

    private sealed record Service(WebApplication App, PipelineDatabase Database) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await App.StopAsync();
            await App.DisposeAsync();
            await Database.DisposeAsync();
        }
    }

    private static async Task<IReadOnlyDictionary<string, Family>> ScrapeAsync(WebApplication app)
    {
        using var response = await Http.GetAsync(new Uri(RunningService.Root(app), "/metrics"));
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("0.0.4", response.Content.Headers.ContentType?.Parameters.Single(p => p.Name == "version").Value);
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync());
    }
}
