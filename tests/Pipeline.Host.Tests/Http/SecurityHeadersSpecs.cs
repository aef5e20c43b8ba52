using System.Net;

namespace Pipeline.Host.Tests.Http;

/// <summary>Every answer of the management port carries the browser hardening headers, errors included.</summary>
public sealed class SecurityHeadersSpecs(PostgresFixture postgres)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };

    [Fact]
    public async Task Pages_api_probes_and_error_answers_carry_the_security_headers()
    {
        await using var service = await GuardedService.StartAsync(postgres, environment: AdminAuthSpecs.WithAdminToken);
        var answers = new List<(string What, HttpResponseMessage Response)>
        {
            ("page", await Http.GetAsync(new Uri(service.Root, "/"))),
            ("script", await Http.GetAsync(new Uri(service.Root, "/dashboard/dashboard.js"))),
            ("api", await Http.GetAsync(new Uri(service.Root, "/api/dashboard/options"))),
            ("probe", await Http.GetAsync(new Uri(service.Root, "/ready"))),
            ("404", await Http.GetAsync(new Uri(service.Root, "/no-such-page"))),
            ("401", await Http.PostAsync(new Uri(service.Root, "/admin/sentiment/reload"), null)),
            ("400 api", await Http.GetAsync(new Uri(service.Root, "/api/dashboard/feed?limit=lots"))),
        };
        using var foreignHost = new HttpRequestMessage(HttpMethod.Get, new Uri(service.Root, "/"));
        foreignHost.Headers.Host = "rebind.attacker.example";
        answers.Add(("400 host", await Http.SendAsync(foreignHost)));

        Assert.Equal(
            [HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.NotFound, HttpStatusCode.Unauthorized,
                HttpStatusCode.BadRequest, HttpStatusCode.BadRequest],
            answers.Select(a => a.Response.StatusCode));
        foreach (var (what, response) in answers)
        {
            var csp = string.Join(",", response.Headers.GetValues("Content-Security-Policy"));
            Assert.True(csp.Contains("script-src 'self'", StringComparison.Ordinal) && !csp.Contains("unsafe-inline", StringComparison.Ordinal)
                && csp.Contains("frame-ancestors 'none'", StringComparison.Ordinal), $"{what}: {csp}");
            Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
            Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
            Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
            response.Dispose();
        }
    }
}
