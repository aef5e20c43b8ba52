using System.Text.Json;
using Pipeline.Actors.Json;

namespace Pipeline.Actors.Tests.Json;

public sealed class LenientJsonTests
{
    [Fact]
    public void Lone_surrogate_escape_is_kept_as_that_char_instead_of_throwing()
    {
        using var document = JsonDocument.Parse("""{"text": "bad \ud800 transfer \"quoted\" \\ \n 😡 \u00e9"}""");
        var element = document.RootElement.GetProperty("text");

        Assert.Throws<InvalidOperationException>(() => element.GetString());
        Assert.Equal("bad " + (char)0xD800 + " transfer \"quoted\" \\ \n 😡 é", element.GetStringLenient());
    }

    [Fact]
    public void Valid_strings_and_nulls_read_as_usual()
    {
        using var document = JsonDocument.Parse("""{"a": "GTBank \ud83d\ude21", "b": null}""");

        Assert.Equal("GTBank 😡", document.RootElement.GetProperty("a").GetStringLenient());
        Assert.Null(document.RootElement.GetProperty("b").GetStringLenient());
    }
}
