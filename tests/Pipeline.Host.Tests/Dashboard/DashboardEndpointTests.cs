using System.Net;
using System.Text.Json;

namespace Pipeline.Host.Tests.Dashboard;

/// <summary>The dashboard's HTTP side on the running service: the page, its vendored chart library, the JSON API and its errors.</summary>
public sealed class DashboardEndpointTests(PostgresFixture postgres)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private static async Task<(HttpStatusCode Status, JsonElement Body)> GetJsonAsync(Uri root, string path)
    {
        using var response = await Http.GetAsync(new Uri(root, path));
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    [Fact]
    public async Task Every_api_endpoint_answers_the_known_dataset_with_the_filters_applied()
    {
        await using var service = await DashboardService.StartAsync(postgres, refreshInterval: "2s");
        await service.WriteAsync(DashboardData.Known);
        var root = service.Root;

        var (_, options) = await GetJsonAsync(root, "/api/dashboard/options");
        Assert.Equal(2000, options.GetProperty("refreshMilliseconds").GetInt32());
        Assert.Equal("2023-01-02", options.GetProperty("firstDay").GetString());
        Assert.Equal(6, options.GetProperty("posts").GetInt64());
        Assert.Contains(options.GetProperty("companies").EnumerateArray(), c => c.GetProperty("id").GetString() == "gtbank");

        var (_, topics) = await GetJsonAsync(root, "/api/dashboard/topics?company=gtbank");
        Assert.Equal(["Transfers 2", "App 1"],
            topics.EnumerateArray().Select(t => $"{t.GetProperty("label").GetString()} {t.GetProperty("posts").GetInt64()}"));

        var (_, histogram) = await GetJsonAsync(root, "/api/dashboard/sentiment-histogram?company=access&to=2023-01-11");
        Assert.Equal(2, histogram.GetProperty("bins").EnumerateArray().Sum(b => b.GetProperty("posts").GetInt64()));

        var (_, weekly) = await GetJsonAsync(root, "/api/dashboard/weekly-topics?topic=1");
        Assert.Equal(["2023-01-02", "2023-01-09"], weekly.GetProperty("weeks").EnumerateArray().Select(w => w.GetString()));
        Assert.Equal([2.0, 1.0], weekly.GetProperty("lines")[0].GetProperty("values").EnumerateArray().Select(v => v.GetDouble()));

        var (_, companies) = await GetJsonAsync(root, "/api/dashboard/company-sentiment?from=2023-01-09");
        Assert.Equal(["access", "gtbank"], companies.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("key").GetString()));

        var (_, funnel) = await GetJsonAsync(root, "/api/dashboard/funnel");
        Assert.Equal((10, 8, 6), (funnel.GetProperty("collected").GetInt64(), funnel.GetProperty("relevant").GetInt64(), funnel.GetProperty("stored").GetInt64()));

        var (_, feed) = await GetJsonAsync(root, "/api/dashboard/feed?after=104&limit=5");
        // Status ids travel as strings: a JavaScript number cannot hold them.
        Assert.Equal(["106", "105"], feed.EnumerateArray().Select(p => p.GetProperty("postId").GetString()));
    }

    [Theory]
    [InlineData("/api/dashboard/topics?from=2023-13-01", "from")]
    [InlineData("/api/dashboard/funnel?from=2023-02-01&to=2023-01-01", "after")]
    [InlineData("/api/dashboard/weekly-topics?topic=transfers", "topic")]
    [InlineData("/api/dashboard/feed?limit=0", "limit")]
    [InlineData("/api/dashboard/feed?after=newest", "after")]
    public async Task A_bad_filter_is_refused_with_a_message_naming_it(string path, string named)
    {
        await using var service = await DashboardService.StartAsync(postgres);

        var (status, body) = await GetJsonAsync(service.Root, path);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(named, body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task The_page_and_its_chart_library_are_served_by_the_host_with_nothing_from_elsewhere()
    {
        await using var service = await DashboardService.StartAsync(postgres);

        foreach (var path in new[] { "/", "/dashboard" })
        {
            using var page = await Http.GetAsync(new Uri(service.Root, path));
            Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
            var html = await page.Content.ReadAsStringAsync();
            Assert.Contains("/dashboard/vendor/chart.umd.min.js", html);
            Assert.DoesNotMatch(@"(src|href)=""(https?:)?//", html);
        }

        var chartJs = await Http.GetStringAsync(new Uri(service.Root, "/dashboard/vendor/chart.umd.min.js"));
        Assert.StartsWith("/*!\n * Chart.js v4.", chartJs);
        Assert.Contains("MIT License", await Http.GetStringAsync(new Uri(service.Root, "/dashboard/vendor/chart.js.LICENSE.md")));
        Assert.DoesNotContain("://", await Http.GetStringAsync(new Uri(service.Root, "/dashboard/dashboard.js")));
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync(new Uri(service.Root, "/dashboard/missing.js"))).StatusCode);
    }
}
