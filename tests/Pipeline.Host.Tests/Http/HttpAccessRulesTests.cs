using System.Net;
using Pipeline.Host.Http;

namespace Pipeline.Host.Tests.Http;

/// <summary>The guards' rules as pure functions: every case, including those a loopback test machine cannot reach.</summary>
public sealed class HttpAccessRulesTests
{
    [Theory]
    [InlineData(Caller.Admin, true, "192.0.2.7", Access.Allowed)]
    [InlineData(Caller.Anonymous, true, "127.0.0.1", Access.Challenge)]
    [InlineData(Caller.Dashboard, true, "127.0.0.1", Access.Challenge)]
    [InlineData(Caller.Anonymous, false, "127.0.0.1", Access.Allowed)]
    [InlineData(Caller.Anonymous, false, "::1", Access.Allowed)]
    [InlineData(Caller.Anonymous, false, "::ffff:127.0.0.1", Access.Allowed)]
    [InlineData(Caller.Anonymous, false, "192.0.2.7", Access.Refused)]
    [InlineData(Caller.Admin, false, "192.0.2.7", Access.Refused)]
    [InlineData(Caller.Anonymous, false, null, Access.Refused)]
    public void Admin_needs_the_token_when_one_is_set_and_loopback_when_none_is(Caller caller, bool tokenSet, string? remote, Access expected) =>
        Assert.Equal(expected, HttpAccessRules.Admin(caller, tokenSet, remote is null ? null : IPAddress.Parse(remote)));

    [Theory]
    [InlineData("cross-site", null, true)]
    [InlineData("same-site", null, true)]
    [InlineData("same-origin", null, false)]
    [InlineData("none", null, false)]
    [InlineData(null, null, false)]
    [InlineData(null, "http://127.0.0.1:8558", false)]
    [InlineData(null, "HTTP://127.0.0.1:8558", false)]
    [InlineData(null, "http://127.0.0.1:8559", true)]
    [InlineData(null, "https://127.0.0.1:8558", true)]
    [InlineData(null, "http://evil.example", true)]
    [InlineData(null, "null", true)]
    [InlineData("same-origin", "http://evil.example", true)]
    public void A_request_is_cross_site_by_its_fetch_site_or_a_foreign_origin(string? fetchSite, string? origin, bool crossSite) =>
        Assert.Equal(crossSite, HttpAccessRules.IsCrossSite(fetchSite, origin, "http", "127.0.0.1:8558"));

    [Theory]
    [InlineData("0.0.0.0", "http://127.0.0.1:8558/")]
    [InlineData("*", "http://127.0.0.1:8558/")]
    [InlineData("::", "http://[::1]:8558/")]
    [InlineData("[::]", "http://[::1]:8558/")]
    [InlineData("[::1]", "http://[::1]:8558/")]
    [InlineData("fd00::2", "http://[fd00::2]:8558/")]
    [InlineData("192.0.2.7", "http://192.0.2.7:8558/")]
    [InlineData("pipeline.internal", "http://pipeline.internal:8558/")]
    public void The_local_url_of_a_wildcard_bind_is_loopback(string host, string url) =>
        Assert.Equal(new Uri(url), HttpAccessRules.LocalUrl(host, 8558));

    [Fact]
    public void A_credential_is_matched_in_full_and_by_kind()
    {
        var credentials = new HttpCredentials("admin-1", "ops", "pw", "dash-1");
        string Basic(string text) => "Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(text));

        Assert.Equal(Caller.Admin, credentials.Identify("Bearer admin-1"));
        Assert.Equal(Caller.Admin, credentials.Identify("bearer admin-1"));
        Assert.Equal(Caller.Dashboard, credentials.Identify("Bearer dash-1"));
        Assert.Equal(Caller.Dashboard, credentials.Identify(Basic("ops:pw")));
        Assert.Equal(Caller.Anonymous, credentials.Identify("Bearer admin-"));
        Assert.Equal(Caller.Anonymous, credentials.Identify("Bearer admin-12"));
        Assert.Equal(Caller.Anonymous, credentials.Identify(Basic("ops:pw2")));
        Assert.Equal(Caller.Anonymous, credentials.Identify(Basic("ops")));
        Assert.Equal(Caller.Anonymous, credentials.Identify("Basic !!!"));
        Assert.Equal(Caller.Anonymous, credentials.Identify("admin-1"));
        Assert.Equal(Caller.Anonymous, credentials.Identify(null));
        Assert.Equal(Caller.Anonymous, HttpCredentials.None.Identify("Bearer "));
    }

    [Fact]
    public void A_path_resolves_through_links_and_dotdot_as_the_file_system_does()
    {
        using var folder = new TempDirectory();
        var root = Directory.CreateDirectory(folder.Combine("models")).FullName;
        var inside = Directory.CreateDirectory(Path.Combine(root, "topics")).FullName;
        var outside = Directory.CreateDirectory(folder.Combine("elsewhere")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(root, "out"), outside);
        Directory.CreateSymbolicLink(Path.Combine(root, "current"), "topics");
        Directory.CreateSymbolicLink(Path.Combine(root, "loop"), Path.Combine(root, "loop"));
        var linkedRoot = Directory.CreateSymbolicLink(folder.Combine("models-link"), root).FullName;

        Assert.Equal(inside, HttpAccessRules.UnderRoot(root, inside));
        Assert.Equal(inside, HttpAccessRules.UnderRoot(root, Path.Combine(root, "current")));
        Assert.Equal(inside, HttpAccessRules.UnderRoot(linkedRoot, Path.Combine(linkedRoot, "topics")));
        Assert.Equal(inside, HttpAccessRules.UnderRoot(root, Path.Combine(root, "out", "..", "models", "topics")));
        Assert.Equal(Path.Combine(inside, "v2"), HttpAccessRules.UnderRoot(root, Path.Combine(root, "topics", "v2")));
        Assert.Null(HttpAccessRules.UnderRoot(root, Path.Combine(root, "out")));
        Assert.Null(HttpAccessRules.UnderRoot(root, Path.Combine(root, "out", "..", "elsewhere")));
        Assert.Null(HttpAccessRules.UnderRoot(root, Path.Combine(root, "missing", "..", "..", "elsewhere")));
        Assert.Null(HttpAccessRules.UnderRoot(root, root + "-sibling"));
        Assert.Null(HttpAccessRules.UnderRoot(root, Path.Combine(root, "loop")));
    }
}
