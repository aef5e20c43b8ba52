using System.Net;

namespace Pipeline.Host.Tests.Http;

/// <summary>Requests a browser sends on another site's behalf, and Host headers a DNS-rebinding page would send.</summary>
public sealed class CrossSiteSpecs(PostgresFixture postgres)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };

    private static async Task<HttpStatusCode> PostAsync(Uri root, string header, string value)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(root, "/admin/sentiment/reload"));
        request.Headers.TryAddWithoutValidation(header, value);
        using var response = await Http.SendAsync(request);
        return response.StatusCode;
    }

    private static async Task<HttpStatusCode> GetWithHostAsync(Uri root, string path, string host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(root, path));
        request.Headers.Host = host;
        using var response = await Http.SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task An_unsafe_request_from_another_site_is_refused_with_403_even_from_loopback_without_a_token()
    {
        await using var service = await GuardedService.StartAsync(postgres);
        var self = service.Root.GetLeftPart(UriPartial.Authority);

        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(service.Root, "Sec-Fetch-Site", "cross-site"));
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(service.Root, "Sec-Fetch-Site", "same-site"));
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(service.Root, "Origin", "http://evil.example"));
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(service.Root, "Origin", $"http://127.0.0.1:{service.Root.Port + 1}"));
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(service.Root, "Origin", $"https://127.0.0.1:{service.Root.Port}"));
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(service.Root, "Origin", "null"));
        // The service's own pages, and tools that send neither header, get through.
        Assert.Equal(HttpStatusCode.OK, await PostAsync(service.Root, "Origin", self));
        Assert.Equal(HttpStatusCode.OK, await PostAsync(service.Root, "Sec-Fetch-Site", "same-origin"));
    }

    [Fact]
    public async Task A_foreign_host_header_gets_400_and_loopback_names_and_allowed_hosts_are_served()
    {
        await using var service = await GuardedService.StartAsync(postgres, "pipeline.http.allowed-hosts = [\"pipeline.internal\"]");
        var port = service.Root.Port;

        Assert.Equal(HttpStatusCode.BadRequest, await GetWithHostAsync(service.Root, "/api/dashboard/options", $"rebind.attacker.example:{port}"));
        Assert.Equal(HttpStatusCode.BadRequest, await GetWithHostAsync(service.Root, "/healthz/live", $"rebind.attacker.example:{port}"));
        Assert.Equal(HttpStatusCode.OK, await GetWithHostAsync(service.Root, "/api/dashboard/options", $"localhost:{port}"));
        Assert.Equal(HttpStatusCode.OK, await GetWithHostAsync(service.Root, "/api/dashboard/options", $"[::1]:{port}"));
        Assert.Equal(HttpStatusCode.OK, await GetWithHostAsync(service.Root, "/api/dashboard/options", $"pipeline.internal:{port}"));
    }
}
