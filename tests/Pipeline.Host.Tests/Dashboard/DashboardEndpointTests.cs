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

    [Fact]
    public async Task Alerts_and_the_posts_behind_one_are_served_as_json_open_first_and_for_the_chosen_company()
    {
        await using var service = await DashboardService.StartAsync(postgres);
        var h = AlertData.ThisHour;
        await service.WriteAsync(
        [
            DashboardData.Scored(11, "gtbank", h.AddHours(-3).AddMinutes(5), 1, "Transfers", 0.8, 0.15, 0.05, "GTBank reversal still pending"),
            DashboardData.Scored(12, "gtbank", h.AddHours(-2).AddMinutes(5), 2, "App", 0.8, 0.15, 0.05, "GTBank app down again"),
            DashboardData.Scored(13, "access", h.AddHours(-2).AddMinutes(6), 2, "App", 0.8, 0.15, 0.05),
            DashboardData.Scored(14, "gtbank", h.AddHours(-5), 1, "Transfers", 0.8, 0.15, 0.05),
        ]);
        long spike = 0, resolved = 0, other = 0;
        await service.WithDataSourceAsync(async dataSource =>
        {
            resolved = await AlertData.InsertAsync(dataSource, "negative_shift", "critical", "gtbank", null, h.AddHours(-9), h.AddHours(-8),
                resolvedAt: h.AddHours(-6));
            spike = await AlertData.InsertAsync(dataSource, "volume_spike", "warning", "gtbank", 1, h.AddHours(-4), h.AddHours(-1),
                summary: "GTBank: 120 posts in 3 hours, 4.0 times the usual");
            other = await AlertData.InsertAsync(dataSource, "volume_spike", "major", "access", null, h.AddHours(-4), h.AddHours(-1));
        });

        var (_, all) = await GetJsonAsync(service.Root, "/api/dashboard/alerts");
        Assert.Equal([other, spike, resolved], all.EnumerateArray().Select(a => a.GetProperty("alertId").GetInt64()));
        var (_, gtbank) = await GetJsonAsync(service.Root, "/api/dashboard/alerts?company=gtbank&limit=5");
        Assert.Equal([spike, resolved], gtbank.EnumerateArray().Select(a => a.GetProperty("alertId").GetInt64()));
        var first = gtbank[0];
        Assert.Equal(("volume_spike", "warning", "open", "gtbank", "GTBank", 1),
            (first.GetProperty("signal").GetString(), first.GetProperty("severity").GetString(), first.GetProperty("status").GetString(),
             first.GetProperty("companyId").GetString(), first.GetProperty("company").GetString(), first.GetProperty("topicId").GetInt32()));
        Assert.Equal((120.0, 30.0, 4.0), (first.GetProperty("observed").GetDouble(), first.GetProperty("expected").GetDouble(), first.GetProperty("ratio").GetDouble()));
        Assert.Equal(h.AddHours(-4), first.GetProperty("windowStart").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Null, first.GetProperty("resolvedAt").ValueKind);
        Assert.Equal(JsonValueKind.Array, first.GetProperty("topics").ValueKind);

        var (status, behind) = await GetJsonAsync(service.Root, $"/api/alerts/{spike}/posts");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(spike, behind.GetProperty("alert").GetProperty("alertId").GetInt64());
        Assert.Equal("GTBank: 120 posts in 3 hours, 4.0 times the usual", behind.GetProperty("alert").GetProperty("summary").GetString());
        Assert.Equal(["12", "11"], behind.GetProperty("posts").EnumerateArray().Select(p => p.GetProperty("postId").GetString()));
        Assert.Equal("GTBank app down again", behind.GetProperty("posts")[0].GetProperty("text").GetString());
        var (_, one) = await GetJsonAsync(service.Root, $"/api/alerts/{spike}/posts?limit=1");
        Assert.Equal((1, 1), (one.GetProperty("posts").GetArrayLength(), one.GetProperty("limit").GetInt32()));

        var (missing, error) = await GetJsonAsync(service.Root, $"/api/alerts/{spike + other + resolved}/posts");
        Assert.Equal(HttpStatusCode.NotFound, missing);
        Assert.Contains("not found", error.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Every_insight_endpoint_answers_with_its_shape()
    {
        await using var service = await DashboardService.StartAsync(postgres);
        await service.WriteAsync(DashboardData.Known);

        var (_, hourly) = await GetJsonAsync(service.Root, "/api/dashboard/hourly?company=gtbank");
        Assert.Equal((72, 72, 72), (hourly.GetProperty("hours").GetArrayLength(), hourly.GetProperty("posts").GetArrayLength(),
            hourly.GetProperty("negativePosts").GetArrayLength()));
        var (_, sov) = await GetJsonAsync(service.Root, "/api/dashboard/share-of-voice?weeks=4");
        Assert.Equal(["2023-01-02", "2023-01-09"], sov.GetProperty("weeks").EnumerateArray().Select(w => w.GetProperty("week").GetString()));
        // Three posts each over the two weeks (a tie, so by name); the post not scored yet is a post all the same.
        Assert.Equal(["access", "gtbank"], sov.GetProperty("companies").EnumerateArray().Select(c => c.GetProperty("key").GetString()));
        Assert.Equal([1.0 / 3, 2.0 / 3], sov.GetProperty("companies")[0].GetProperty("shareOfPosts").EnumerateArray().Select(v => v.GetDouble()));
        Assert.Equal(["Banking"], sov.GetProperty("industries").EnumerateArray().Select(c => c.GetProperty("key").GetString()));
        var (_, emerging) = await GetJsonAsync(service.Root, "/api/dashboard/emerging-topics");
        Assert.Equal(0, emerging.GetProperty("topics").GetArrayLength()); // nothing in the last 5 weeks
        Assert.Equal(8, emerging.GetProperty("unclassified").GetProperty("weeks").GetArrayLength());
        var (_, table) = await GetJsonAsync(service.Root, "/api/dashboard/company-table");
        Assert.Equal("2023-01-09", table.GetProperty("week").GetString());
        Assert.Equal(0.875, table.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("companyId").GetString() == "gtbank")
            .GetProperty("score").GetDouble(), 6);
        var (_, weekly) = await GetJsonAsync(service.Root, "/api/dashboard/weekly-topics?to=2023-01-10");
        Assert.Equal(("2023-01-09", 2), (weekly.GetProperty("partial").GetProperty("week").GetString(),
            weekly.GetProperty("partial").GetProperty("daysElapsed").GetInt32()));
    }

    [Theory]
    [InlineData("/api/dashboard/share-of-voice?weeks=0", "weeks")]
    [InlineData("/api/dashboard/alerts?limit=1000", "limit")]
    [InlineData("/api/alerts/newest/posts", "id")]
    [InlineData("/api/alerts/1/posts?limit=x", "limit")]
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
        // The SVG namespace the sparklines are made in names a vocabulary; nothing fetches it.
        var script = (await Http.GetStringAsync(new Uri(service.Root, "/dashboard/dashboard.js"))).Replace("'http://www.w3.org/2000/svg'", "", StringComparison.Ordinal);
        Assert.DoesNotContain("://", script);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync(new Uri(service.Root, "/dashboard/missing.js"))).StatusCode);
    }
}
