using Pipeline.Actors.Sources;

namespace Pipeline.Actors.Tests.Sources;

public sealed class FetchOutcomeTests
{
    private static readonly Uri Url = new("https://nitter.test/search?q=gtbank");

    [Fact]
    public void Parser_that_throws_on_a_body_makes_the_page_unparseable_with_the_error_and_the_body()
    {
        var outcome = FetchOutcome.ReadingBody(Url, "<html>odd</html>", () => throw new IndexOutOfRangeException("a parser bug"));

        var unparseable = Assert.IsType<FetchOutcome.Unparseable>(outcome);
        Assert.Equal(Url, unparseable.Url);
        Assert.Equal("the page could not be read (IndexOutOfRangeException: a parser bug)", unparseable.Detail);
        Assert.Equal("<html>odd</html>", unparseable.Body);
    }

    [Fact]
    public void A_body_that_reads_gives_what_the_parser_made_of_it()
    {
        var page = new FetchOutcome.Page(Url, [], null);

        Assert.Same(page, FetchOutcome.ReadingBody(Url, "<html/>", () => page));
    }

    [Fact]
    public void Cancellation_while_reading_is_not_taken_for_a_bad_page() =>
        Assert.Throws<OperationCanceledException>(() => FetchOutcome.ReadingBody(Url, "", () => throw new OperationCanceledException()));
}
