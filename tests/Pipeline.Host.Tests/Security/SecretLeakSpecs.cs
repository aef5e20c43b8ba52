using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Akka.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Pipeline.Host.Database;
using Pipeline.Host.Http;
using Pipeline.Host.Settings;
using Pipeline.Host.Tests.Http;
using static Pipeline.Tests.Shared.FakeHttpServer;

namespace Pipeline.Host.Tests.Security;

/// <summary>
/// One session of the real service holding every kind of secret it knows (database passwords of the owner, writer
/// and reporting logins, the admin and dashboard credentials, an X API token, a Nitter password in a URL), driven
/// through its failures (sources refusing or unreachable, wrong credentials, refused reloads, a database that refuses
/// the login) and every endpoint: no secret may appear in any log line or any HTTP answer.
/// </summary>
public sealed class SecretLeakSpecs(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string AdminToken = "admin-7c1e-leakcheck";
    private const string DashboardPassword = "dash-pass-93bd-leakcheck";
    private const string DashboardToken = "dash-token-51fa-leakcheck";
    private const string WriterPassword = "writer-pass-2e8c-leakcheck";
    private const string ReportingPassword = "report-pass-d04b-leakcheck";
    private const string XToken = "x-bearer-6a27-leakcheck";
    private const string NitterPassword = "nitter-pass-b3e9-leakcheck";

    [Fact]
    public async Task No_secret_appears_in_a_log_line_or_an_http_answer_across_a_full_session()
    {
        using var folder = new TempDirectory();
        Directory.CreateDirectory(folder.Combine("models"));
        await using var xApi = await StartAsync();
        xApi.Otherwise(Respond(401, """{"title":"Unauthorized","detail":"Unauthorized","type":"about:blank","status":401}""", "application/json"));
        var owner = await postgres.CreateDatabaseAsync();
        var ownerPassword = new NpgsqlConnectionStringBuilder(owner).Password!;
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var (writer, reporting) = ("writer_" + suffix, "tableau_" + suffix);
        var nitterPort = ClosedPort();
        var secrets = new[] { AdminToken, DashboardPassword, DashboardToken, WriterPassword, ReportingPassword, XToken, NitterPassword, ownerPassword };
        var environment = new Dictionary<string, string>
        {
            [HttpCredentials.AdminTokenVariable] = AdminToken,
            [HttpCredentials.DashboardPasswordVariable] = DashboardPassword,
            [HttpCredentials.DashboardTokenVariable] = DashboardToken,
            [PipelineDatabase.WriterPasswordVariable] = WriterPassword,
            [PipelineDatabase.ReportingPasswordVariable] = ReportingPassword,
            ["PIPELINE_X_BEARER_TOKEN"] = XToken,
        };
        var config = ConfigurationFactory.ParseString($$"""
            pipeline.database.connection-string = "{{new NpgsqlConnectionStringBuilder(owner) { Username = writer, Password = WriterPassword }}}"
            pipeline.database.owner-connection-string = "{{owner}}"
            pipeline.database.writer-user = {{writer}}
            pipeline.database.reporting-user = {{reporting}}
            pipeline.http.dashboard-auth = on
            pipeline.http.models-root = "{{folder.Combine("models")}}"
            pipeline.import.inbox = "{{folder.Combine("inbox")}}"
            pipeline.import.files = []
            pipeline.topics.enabled = off
            pipeline.sentiment.max-wait = 20ms
            pipeline.scraping.backfill-days = 1
            pipeline.scraping.request-interval = 0s
            pipeline.scraping.retry-min-backoff = 100ms
            pipeline.scraping.retry-max-backoff = 1s
            pipeline.scraping.diagnostics = "{{folder.Combine("diagnostics")}}"
            pipeline.scraping.nitter.enabled = on
            pipeline.scraping.nitter.instances = ["http://scraper:{{NitterPassword}}@127.0.0.1:{{nitterPort}}/"]
            pipeline.scraping.x-api.enabled = on
            pipeline.scraping.x-api.base-url = "{{xApi.BaseUrl}}"
            pipeline.companies = [{ id = northwind, name = "Northwind Bank", handles = ["@NorthwindHelp"], terms = ["northwind bank"] }]
            """).WithFallback(SettingsLoader.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "pipeline.conf")), _ => null));
        var settings = SettingsLoader.Load(config);
        var logs = new CapturedLogs();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(logs));
        var answers = new ConcurrentQueue<string>();
        using var http = new HttpClient(new Recorder(answers)) { Timeout = TimeSpan.FromSeconds(60) };

        // A login the database refuses: what start-up says about it.
        var refused = await Record.ExceptionAsync(() => PipelineDatabase.OpenAsync(
            SettingsLoader.Load(ConfigurationFactory.ParseString($$"""
                pipeline.database.connection-string = "{{new NpgsqlConnectionStringBuilder(owner) { Password = WriterPassword }}}"
                pipeline.database.owner-connection-string = ""
                """).WithFallback(config)),
            loggers, Ct, environment.GetValueOrDefault));
        Assert.NotNull(refused);

        await using (var database = await PipelineDatabase.OpenAsync(settings, loggers, Ct, environment.GetValueOrDefault))
        {
            await using var app = PipelineComposition.BuildService(settings, config, database.DataSource, ["http://127.0.0.1:0"],
                database.ConnectionString, environment.GetValueOrDefault, _ => new LexiconSentimentScorer("lexicon-leak"));
            app.Services.GetRequiredService<ILoggerFactory>().AddProvider(logs);
            await app.StartAsync(Ct);
            var root = RunningService.Root(app);

            // Both sources fail while the session runs: the X API refuses the token, the Nitter instance is closed.
            await Eventually.TrueAsync("both sources failed and said so", () => Task.FromResult(
                logs.Lines.Any(l => l.Contains($"127.0.0.1:{nitterPort}", StringComparison.Ordinal)) && xApi.Requests.Count > 0), TimeSpan.FromSeconds(60));

            foreach (var (method, path, auth, headers) in Requests(root))
            {
                using var request = new HttpRequestMessage(method, new Uri(root, path));
                request.Headers.Authorization = auth;
                foreach (var (name, value) in headers)
                {
                    if (name == "Host")
                    {
                        request.Headers.Host = value;
                    }
                    else
                    {
                        request.Headers.TryAddWithoutValidation(name, value);
                    }
                }

                if (method == HttpMethod.Post && !path.Contains('?', StringComparison.Ordinal))
                {
                    request.Content = new StringContent("""{"path": "../../etc"}""", Encoding.UTF8, "application/json");
                }

                using var response = await http.SendAsync(request, Ct);
            }

            await app.StopAsync(Ct);
        }

        var lines = logs.Lines;
        Assert.Contains(answers, a => a.StartsWith("401", StringComparison.Ordinal));
        Assert.Contains(answers, a => a.StartsWith("200", StringComparison.Ordinal) && a.Contains("northwind", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("401", StringComparison.Ordinal));
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, refused.ToString(), StringComparison.Ordinal);
            Assert.All(lines, line => Assert.DoesNotContain(secret, line, StringComparison.Ordinal));
            Assert.All(answers, answer => Assert.DoesNotContain(secret, answer, StringComparison.Ordinal));
        }
    }

    /// <summary>Every endpoint, as nobody, with wrong credentials and with the right ones; and the requests the guards refuse.</summary>
    private static IEnumerable<(HttpMethod Method, string Path, AuthenticationHeaderValue? Auth, (string, string)[] Headers)> Requests(Uri root)
    {
        var basic = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{HttpCredentials.DefaultDashboardUser}:{DashboardPassword}")));
        var wrongBasic = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{HttpCredentials.DefaultDashboardUser}:not-it")));
        var dashboardToken = new AuthenticationHeaderValue("Bearer", DashboardToken);
        var admin = new AuthenticationHeaderValue("Bearer", AdminToken);
        var wrongAdmin = new AuthenticationHeaderValue("Bearer", AdminToken + "x");
        AuthenticationHeaderValue?[] everyone = [null, wrongBasic, basic, dashboardToken, admin];
        string[] pages =
        [
            "/", "/dashboard", "/dashboard/dashboard.js", "/api/dashboard/options", "/api/dashboard/topics", "/api/dashboard/sentiment-histogram",
            "/api/dashboard/weekly-topics", "/api/dashboard/company-sentiment", "/api/dashboard/funnel", "/api/dashboard/feed",
            "/api/dashboard/feed?from=not-a-date", "/metrics", "/status/sources", "/ready", "/healthz/ready", "/healthz/live", "/alive", "/no-such-page",
        ];
        foreach (var page in pages)
        {
            foreach (var auth in everyone)
            {
                yield return (HttpMethod.Get, page, auth, []);
            }
        }

        foreach (var reload in new[] { "/admin/sentiment/reload", "/admin/topics/reload" })
        {
            foreach (var auth in new[] { null, wrongAdmin, basic, admin })
            {
                yield return (HttpMethod.Post, reload, auth, []);
                yield return (HttpMethod.Post, reload + "?path=/etc", auth, []);
                yield return (HttpMethod.Post, reload + "?path=/no/such/folder", auth, []);
            }

            yield return (HttpMethod.Post, reload, admin, [("Sec-Fetch-Site", "cross-site")]);
            yield return (HttpMethod.Post, reload, admin, [("Origin", "http://evil.example")]);
        }

        yield return (HttpMethod.Get, "/status/sources", admin, [("Host", "rebound.example")]);
        yield return (HttpMethod.Get, "/ready", null, [("Host", $"localhost:{root.Port}")]);
    }

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Keeps every answer whole: status line, headers and body.</summary>
    private sealed class Recorder(ConcurrentQueue<string> answers) : DelegatingHandler(new HttpClientHandler())
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            answers.Enqueue($"{(int)response.StatusCode} {request.Method} {request.RequestUri?.PathAndQuery}\n{response.Headers}{response.Content.Headers}\n{body}");
            return response;
        }
    }
}
