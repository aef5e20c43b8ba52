using PuppeteerSharp;

namespace Pipeline.Host.Tests.Dashboard;

/// <summary>
/// The dashboard in a real browser: Debian's headless Chromium (./test.sh installs it), driven over the
/// DevTools protocol by PuppeteerSharp, against the whole service on loopback. Offline: no browser download,
/// no network but the loopback.
/// </summary>
public sealed class DashboardBrowserTests(PostgresFixture postgres)
{
    private const string BrowserVariable = "PIPELINE_CHROMIUM";
    private static readonly WaitForFunctionOptions Patience = new() { Timeout = 60_000, PollingInterval = 100 };
    private const long FirstId = 1_700_000_000_000_000_000;
    private const int Generated = 2500;

    /// <summary>Where the screenshot of the last run is written, below the test binaries.</summary>
    public static string ScreenshotPath => Path.Combine(AppContext.BaseDirectory, "TestResults", "dashboard.png");

    [Fact]
    public async Task Charts_alerts_and_share_of_voice_fill_with_data_and_the_live_feed_shows_new_posts_without_a_reload()
    {
        await using var service = await DashboardService.StartAsync(postgres, refreshInterval: "500ms");
        // The data ends at the current hour, so the hourly chart, the running (partial) week and share of voice have posts.
        var hour = AlertData.ThisHour;
        var start = hour.AddMinutes(-45 * Generated);
        var lively = DashboardData.Lively(Generated, FirstId, start: start);
        await service.WriteAsync(lively);
        var stored = lively.Count(i => i is Pipeline.Actors.Graph.PipelineItem.Scored);
        long critical = 0;
        await service.WithDataSourceAsync(async dataSource =>
        {
            await AlertData.InsertAsync(dataSource, "negative_shift", "major", "access", null, hour.AddHours(-40), hour.AddHours(-36),
                resolvedAt: hour.AddHours(-30), observed: 14, expected: 9, negativeShare: 0.79, baselineNegativeShare: 0.52,
                summary: "Access Bank: 79 % of posts negative in 4 hours, usually 52 %");
            await AlertData.InsertAsync(dataSource, "emerging_topic", "warning", null, 5, hour.AddDays(-7), hour, hour.AddHours(-3),
                observed: 0.19, expected: 0.12, negativeShare: null, baselineNegativeShare: null,
                topics: """[{"topic_id": 5, "observed": 0.19, "expected": 0.12}]""",
                summary: "Fraud: 19 % of posts in the last 7 days, 12 % in the 28 before");
            critical = await AlertData.InsertAsync(dataSource, "volume_spike", "critical", "gtbank", 0, hour.AddHours(-24), hour.AddHours(-2),
                hour.AddHours(-2), observed: 41, expected: 12,
                summary: "GTBank: 41 posts in 22 hours, 3.4 times the usual for these hours, mostly Failed transfers");
        });
        await using var browser = await LaunchAsync();
        await using var page = await OpenAsync(browser, new Uri(service.Root, "/dashboard"));
        await page.WaitForFunctionAsync(
            "() => window.dashboardState && dashboardState.refreshes > 0 && Chart.getChart('chart-topics').data.datasets[0].data.length > 0",
            Patience);

        var points = await page.EvaluateFunctionAsync<int[]>("""
            () => ['chart-topics', 'chart-histogram', 'chart-weekly', 'chart-hourly', 'chart-sov', 'chart-funnel']
                .map(id => Chart.getChart(id).data.datasets.reduce((n, d) => n + d.data.filter(v => v !== null).length, 0))
            """);
        Assert.All(points, n => Assert.True(n > 0, $"a chart without data points: {string.Join(", ", points)}"));
        Assert.Equal(stored, await page.EvaluateFunctionAsync<long>("() => Chart.getChart('chart-topics').data.datasets[0].data.reduce((a, b) => a + b, 0)"));
        Assert.Equal(stored, await page.EvaluateFunctionAsync<long>("() => Chart.getChart('chart-funnel').data.datasets[0].data[2]"));
        Assert.True(await page.EvaluateFunctionAsync<int>("() => Chart.getChart('chart-weekly').data.labels.length") >= 10, "about three months of weeks");
        Assert.Equal(25, await page.EvaluateFunctionAsync<int>("() => document.querySelectorAll('#feed li').length"));

        // Alerts: open ones first, the critical one on top, resolved last; its window shaded on the hourly chart and marked on the weekly one.
        var alerts = await page.EvaluateFunctionAsync<string[]>("() => [...document.querySelectorAll('#alerts li.alert')].map(li => li.className + ' | ' + li.innerText)");
        Assert.Equal(3, alerts.Length);
        Assert.StartsWith("alert open sev-critical", alerts[0]);
        Assert.Contains("GTBank: 41 posts in 22 hours", alerts[0]);
        Assert.Contains("observed 41 vs expected 12 (×3.4)", alerts[0]);
        Assert.Contains("Emerging topic", alerts[1]);
        Assert.StartsWith("alert resolved", alerts[2]);
        Assert.True(await page.EvaluateFunctionAsync<int>("() => dashboardState.hourlyBands") >= 1, "no alert band on the hourly chart");
        Assert.Contains("marker", await page.EvaluateFunctionAsync<string[]>("() => Chart.getChart('chart-weekly').options.plugins.marks.items.map(i => i.kind)"));

        // Its posts open in place, are the API's, and stay open through the next refreshes.
        // Clicked inside the page in one step: the panel is redrawn at every refresh, and a click sent from here can land
        // on a link the redraw has just replaced.
        await page.EvaluateFunctionAsync($"() => document.querySelector('#alert-{critical} .posts-link').click()");
        await page.WaitForFunctionAsync($"() => dashboardState.alertPosts && dashboardState.alertPosts.id === '{critical}'", Patience);
        var apiPosts = await page.EvaluateFunctionAsync<string[]>(
            $"async () => (await (await fetch('/api/alerts/{critical}/posts')).json()).posts.map(p => p.postId)");
        Assert.NotEmpty(apiPosts);
        var refreshes = await page.EvaluateFunctionAsync<int>("() => dashboardState.refreshes");
        await page.WaitForFunctionAsync($"() => dashboardState.refreshes > {refreshes + 1}", Patience);
        Assert.Equal(apiPosts, await page.EvaluateFunctionAsync<string[]>(
            $"() => [...document.querySelectorAll('#alert-{critical} .alert-posts li')].map(li => li.dataset.postId)"));
        Assert.All(await page.EvaluateFunctionAsync<string[]>($"() => [...document.querySelectorAll('#alert-{critical} .alert-posts .company')].map(s => s.textContent)"),
            company => Assert.Equal("GTBank", company));

        // Share of voice: seven banks stacked to 100 % each week; the per-industry list; the company table with sparklines.
        var weekTotals = await page.EvaluateFunctionAsync<double[]>("""
            () => { const c = Chart.getChart('chart-sov'); return c.data.labels.map((_, i) => c.data.datasets.reduce((s, d) => s + (d.data[i] || 0), 0)); }
            """);
        Assert.InRange(weekTotals.Length, 8, 12);
        Assert.All(weekTotals, total => Assert.Equal(100, total, 6));
        Assert.Equal(7, await page.EvaluateFunctionAsync<int>("() => Chart.getChart('chart-sov').data.datasets.length"));
        Assert.Contains("Banking", await page.EvaluateFunctionAsync<string>("() => document.getElementById('sov-industries').innerText"));
        Assert.Equal(7, await page.EvaluateFunctionAsync<int>("() => document.querySelectorAll('#company-table tbody tr svg.spark path').length"));
        Assert.Contains("of 7 days", await page.EvaluateFunctionAsync<string>("() => document.getElementById('weekly-partial').textContent"));
        await page.WaitForFunctionAsync("() => document.getElementById('cluster-nodes').textContent !== '–'", Patience);
        Assert.Equal("1 cluster node", await page.EvaluateFunctionAsync<string>(
            "() => document.getElementById('cluster-nodes').parentElement.textContent.trim()"));

        // A page reload would lose this mark.
        await page.EvaluateExpressionAsync("window.sameDocument = true");
        var newest = FirstId + 10_000;
        await service.WriteAsync(
        [
            DashboardData.Scored(newest - 1, "kuda", start.AddMinutes(45 * Generated), 4, "Customer care", 0.05, 0.15, 0.80,
                "Kuda customer care sorted my failed transfer in minutes, impressed"),
            DashboardData.Scored(newest, "opay", start.AddMinutes(45 * Generated + 5), 0, "Failed transfers", 0.85, 0.10, 0.05,
                "Opay debited me twice for one transfer and nobody is answering"),
        ]);

        await page.WaitForFunctionAsync($"() => dashboardState.feedPostIds[0] === '{newest}'", Patience);
        var feedTop = await page.EvaluateFunctionAsync<string[]>("() => [...document.querySelectorAll('#feed li')].slice(0, 2).map(li => li.innerText)");
        Assert.Contains("Opay debited me twice", feedTop[0]);
        Assert.Contains("Failed transfers", feedTop[0]);
        Assert.Contains("negative", feedTop[0]);
        Assert.Contains("Kuda customer care", feedTop[1]);
        Assert.True(await page.EvaluateFunctionAsync<bool>("() => window.sameDocument === true"), "the page was reloaded");
        await page.WaitForFunctionAsync($"() => Chart.getChart('chart-funnel').data.datasets[0].data[2] === {stored + 2}", Patience);

        Assert.Empty(await page.EvaluateFunctionAsync<string[]>("() => window.cspViolations"));

        // A full-page capture of a page taller than the viewport resizes it mid-capture, and Chart.js redraws narrow
        // charts into the picture; a viewport as tall as the page, settled by one refresh, is captured as it is.
        var height = await page.EvaluateFunctionAsync<int>("() => document.documentElement.scrollHeight");
        await page.SetViewportAsync(new ViewPortOptions { Width = 1400, Height = height });
        var settled = await page.EvaluateFunctionAsync<int>("() => dashboardState.refreshes");
        await page.WaitForFunctionAsync($"() => dashboardState.refreshes > {settled}", Patience);
        Directory.CreateDirectory(Path.GetDirectoryName(ScreenshotPath)!);
        await page.ScreenshotAsync(ScreenshotPath, new ScreenshotOptions { FullPage = true });
        TestContext.Current.AddAttachment("dashboard.png", await File.ReadAllBytesAsync(ScreenshotPath), "image/png");
        TestContext.Current.TestOutputHelper?.WriteLine($"Screenshot: {ScreenshotPath}");
    }

    [Fact]
    public async Task Opening_an_alert_link_filters_to_its_company_and_window_highlights_it_and_shows_its_posts()
    {
        await using var service = await DashboardService.StartAsync(postgres, refreshInterval: "500ms");
        var hour = AlertData.ThisHour;
        await service.WriteAsync(DashboardData.Lively(Generated, FirstId, start: hour.AddMinutes(-45 * Generated)));
        long alert = 0;
        await service.WithDataSourceAsync(async dataSource =>
        {
            // Resolved and older than the others: the link still finds it.
            alert = await AlertData.InsertAsync(dataSource, "negative_shift", "major", "access", null, hour.AddHours(-30), hour.AddHours(-20),
                resolvedAt: hour.AddHours(-12), summary: "Access Bank: most posts negative for 10 hours");
            for (var i = 0; i < 3; i++)
            {
                await AlertData.InsertAsync(dataSource, "volume_spike", "warning", "gtbank", null, hour.AddHours(-3 - i), hour.AddHours(-2 - i));
            }
        });
        await using var browser = await LaunchAsync();
        await using var page = await OpenAsync(browser, new Uri(service.Root, $"/?alert={alert}"));

        await page.WaitForFunctionAsync($"() => window.dashboardState && dashboardState.focused === '{alert}'", Patience);

        var windowStart = hour.AddHours(-30).UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var windowEnd = hour.AddHours(-20).AddTicks(-1).UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(["access", windowStart, windowEnd],
            await page.EvaluateFunctionAsync<string[]>("() => ['company', 'from', 'to'].map(id => document.getElementById(id).value)"));
        Assert.True(await page.EvaluateFunctionAsync<bool>($"() => document.getElementById('alert-{alert}').classList.contains('focused')"));
        // The company filter applies to the list: GTBank's alerts are not in it.
        Assert.Equal([alert.ToString(System.Globalization.CultureInfo.InvariantCulture)], await page.EvaluateFunctionAsync<string[]>("() => dashboardState.alerts"));
        var shown = await page.EvaluateFunctionAsync<string[]>($"() => [...document.querySelectorAll('#alert-{alert} .alert-posts li')].map(li => li.dataset.postId)");
        var api = await page.EvaluateFunctionAsync<string[]>($"async () => (await (await fetch('/api/alerts/{alert}/posts')).json()).posts.map(p => p.postId)");
        Assert.NotEmpty(api);
        Assert.Equal(api, shown);
        var top = await page.EvaluateFunctionAsync<double>($"() => document.getElementById('alert-{alert}').getBoundingClientRect().top");
        Assert.InRange(top, 0, 1000);
        Assert.Empty(await page.EvaluateFunctionAsync<string[]>("() => window.cspViolations"));
    }

    private static async Task<IBrowser> LaunchAsync() => await Puppeteer.LaunchAsync(new LaunchOptions
    {
        ExecutablePath = FindChromium(),
        Headless = true,
        Args = ChromiumFlags(),
        Timeout = 120_000,
    });

    private static async Task<IPage> OpenAsync(IBrowser browser, Uri address)
    {
        var page = await browser.NewPageAsync();
        await page.SetViewportAsync(new ViewPortOptions { Width = 1400, Height = 1000 });
        // The page runs under the service's Content-Security-Policy; anything it blocks is recorded here.
        await page.EvaluateExpressionOnNewDocumentAsync("""
            window.cspViolations = [];
            document.addEventListener('securitypolicyviolation', e => window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
            """);
        await page.GoToAsync(address.ToString(), WaitUntilNavigation.Load);
        return page;
    }

    /// <summary>Flags that keep Chromium off the network and working as root in a container.</summary>
    private static string[] ChromiumFlags() =>
    [
        "--no-sandbox", // root in containers and CI: the sandbox refuses to start
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-domain-reliability",
        "--metrics-recording-only",
        "--hide-scrollbars",
        "--mute-audio",
    ];

    private static string FindChromium()
    {
        if (Environment.GetEnvironmentVariable(BrowserVariable) is { Length: > 0 } configured)
        {
            return configured;
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var name in new[] { "chromium", "chromium-browser", "google-chrome", "chrome" })
        {
            foreach (var folder in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                var candidate = Path.Combine(folder, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new InvalidOperationException(
            $"No Chromium found on PATH (chromium, chromium-browser, google-chrome): ./test.sh installs Debian's 'chromium' package, " +
            $"or set {BrowserVariable} to a Chromium or Chrome binary.");
    }
}
