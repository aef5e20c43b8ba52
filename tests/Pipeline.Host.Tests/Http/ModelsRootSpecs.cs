using System.Net;
using System.Text.Json;

namespace Pipeline.Host.Tests.Http;

/// <summary>A reload path must resolve to a folder under <c>pipeline.http.models-root</c>; the refusal says nothing about the disk.</summary>
public sealed class ModelsRootSpecs(PostgresFixture postgres)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };

    private static async Task<(HttpStatusCode Status, string Body)> ReloadAsync(Uri root, string path)
    {
        using var response = await Http.PostAsync(new Uri(root, "/admin/sentiment/reload?path=" + Uri.EscapeDataString(path)), null);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_folder_outside_the_models_root_is_refused_alike_through_dotdot_or_a_link_and_whether_or_not_it_exists()
    {
        await using var service = await GuardedService.StartAsync(postgres);
        var outside = Directory.CreateDirectory(service.Folder.Combine("outside")).FullName;
        var link = Path.Combine(service.ModelsRoot, "escape");
        Directory.CreateSymbolicLink(link, outside);
        var inside = Directory.CreateDirectory(Path.Combine(service.ModelsRoot, "sentiment-b")).FullName;

        var direct = await ReloadAsync(service.Root, outside);
        var dotDot = await ReloadAsync(service.Root, Path.Combine(service.ModelsRoot, "..", "outside"));
        var throughLink = await ReloadAsync(service.Root, link);
        var pastLink = await ReloadAsync(service.Root, Path.Combine(link, "..", "outside"));
        var missing = await ReloadAsync(service.Root, Path.Combine(service.ModelsRoot, "..", "no-such-folder"));
        var missingElsewhere = await ReloadAsync(service.Root, "/no/such/folder");
        var allowed = await ReloadAsync(service.Root, inside);

        Assert.Equal(HttpStatusCode.Forbidden, direct.Status);
        Assert.Equal("the folder is not under the models root (pipeline.http.models-root)",
            JsonDocument.Parse(direct.Body).RootElement.GetProperty("error").GetString());
        Assert.DoesNotContain("outside", direct.Body, StringComparison.Ordinal);
        // `..` after a link climbs from the link's target, as the kernel does: models/escape/../outside is
        // the outside folder, though read as text it would be models/outside.
        Assert.All([dotDot, throughLink, pastLink, missing, missingElsewhere], refused => Assert.Equal(direct, refused));
        Assert.Equal(HttpStatusCode.OK, allowed.Status);
        Assert.Equal(inside, JsonDocument.Parse(allowed.Body).RootElement.GetProperty("path").GetString());
    }
}
