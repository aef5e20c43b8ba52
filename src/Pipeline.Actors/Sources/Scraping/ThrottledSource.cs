namespace Pipeline.Actors.Sources.Scraping;

/// <summary>
/// Politeness: at most N requests in flight to one instance, whichever scrapers send them
/// (every company's scraper shares the same few Nitter instances).
/// </summary>
public sealed class ThrottledSource(ISearchSource inner, SemaphoreSlim gate) : ISearchSource
{
    public Uri BaseUrl => inner.BaseUrl;

    public async Task<FetchOutcome> FetchAsync(SearchRequest request, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            return await inner.FetchAsync(request, ct);
        }
        finally
        {
            gate.Release();
        }
    }
}
