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
    public async Task Charts_fill_with_data_and_the_live_feed_shows_new_posts_without_a_reload()
    {
        await using var service = await DashboardService.StartAsync(postgres, refreshInterval: "500ms");
        var lively = DashboardData.Lively(Generated, FirstId);
        await service.WriteAsync(lively);
        var stored = lively.Count(i => i is Pipeline.Actors.Graph.PipelineItem.Scored);
        await using var browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = FindChromium(),
            Headless = true,
            Args = ChromiumFlags(),
            Timeout = 120_000,
        });
        await using var page = await browser.NewPageAsync();
        await page.SetViewportAsync(new ViewPortOptions { Width = 1400, Height = 1000 });
        // The page runs under the service's Content-Security-Policy; anything it blocks is recorded here.
        await page.EvaluateExpressionOnNewDocumentAsync("""
            window.cspViolations = [];
            document.addEventListener('securitypolicyviolation', e => window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
            """);

        await page.GoToAsync(new Uri(service.Root, "/dashboard").ToString(), WaitUntilNavigation.Load);
        await page.WaitForFunctionAsync(
            "() => window.dashboardState && dashboardState.refreshes > 0 && Chart.getChart('chart-topics').data.datasets[0].data.length > 0",
            Patience);

        var points = await page.EvaluateFunctionAsync<int[]>("""
            () => ['chart-topics', 'chart-histogram', 'chart-weekly', 'chart-companies', 'chart-funnel']
                .map(id => Chart.getChart(id).data.datasets.reduce((n, d) => n + d.data.filter(v => v !== null).length, 0))
            """);
        Assert.All(points, n => Assert.True(n > 0, $"a chart without data points: {string.Join(", ", points)}"));
        Assert.Equal(stored, await page.EvaluateFunctionAsync<long>("() => Chart.getChart('chart-topics').data.datasets[0].data.reduce((a, b) => a + b, 0)"));
        Assert.Equal(stored, await page.EvaluateFunctionAsync<long>("() => Chart.getChart('chart-funnel').data.datasets[0].data[2]"));
        Assert.True(await page.EvaluateFunctionAsync<int>("() => Chart.getChart('chart-weekly').data.labels.length") >= 10, "about three months of weeks");
        Assert.Equal(25, await page.EvaluateFunctionAsync<int>("() => document.querySelectorAll('#feed li').length"));

        // A page reload would lose this mark.
        await page.EvaluateExpressionAsync("window.sameDocument = true");
        var newest = FirstId + 10_000;
        await service.WriteAsync(
        [
            DashboardData.Scored(newest - 1, "kuda", DashboardData.Monday.AddMinutes(45 * Generated), 4, "Customer care", 0.05, 0.15, 0.80,
                "Kuda customer care sorted my failed transfer in minutes, impressed"),
            DashboardData.Scored(newest, "opay", DashboardData.Monday.AddMinutes(45 * Generated + 5), 0, "Failed transfers", 0.85, 0.10, 0.05,
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

        Directory.CreateDirectory(Path.GetDirectoryName(ScreenshotPath)!);
        await page.ScreenshotAsync(ScreenshotPath, new ScreenshotOptions { FullPage = true });
        TestContext.Current.AddAttachment("dashboard.png", await File.ReadAllBytesAsync(ScreenshotPath), "image/png");
        TestContext.Current.TestOutputHelper?.WriteLine($"Screenshot: {ScreenshotPath}");
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
