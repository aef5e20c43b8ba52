using Pipeline.Actors.Sources;

namespace Pipeline.Actors.Tests.Sources;

public sealed class UrlRedactionTests
{
    [Theory]
    [InlineData("http://user:secret@nitter.local:8080/search?q=x", "http://***@nitter.local:8080/search?q=x")]
    [InlineData("https://user@nitter.local/", "https://***@nitter.local/")]
    [InlineData("https://api.x.com/2/tweets/search/recent?query=a&token=abc&next_token=P2", "https://api.x.com/2/tweets/search/recent?query=a&token=***&next_token=P2")]
    [InlineData("http://h/?Password=p&api_key=k&q=1", "http://h/?Password=***&api_key=***&q=1")]
    [InlineData("http://nitter.local/search?q=bank", "http://nitter.local/search?q=bank")]
    public void User_info_and_secret_query_values_are_masked_and_the_rest_kept(string url, string shown) =>
        Assert.Equal(shown, UrlRedaction.Redact(new Uri(url)).ToString());

    [Fact]
    public void Text_that_is_no_url_is_masked_whole() => Assert.Equal("***", UrlRedaction.Redact("nitter at secret host"));
}
