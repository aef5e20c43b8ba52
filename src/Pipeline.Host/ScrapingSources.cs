using Pipeline.Actors.Sources;
using Pipeline.Actors.Sources.Nitter;
using Pipeline.Actors.Sources.Scraping;
using Pipeline.Actors.Sources.XApi;
using Pipeline.Host.Settings;
using Pipeline.Models.Domain;

namespace Pipeline.Host;

/// <summary>Turns <c>pipeline.scraping</c> into the search sources each scraper rotates over.</summary>
public sealed class ScrapingSources
{
    public const string Nitter = "nitter";
    public const string XApi = "x_api";

    private readonly Dictionary<string, IReadOnlyList<ISearchSource>> _sources = new();

    /// <summary>Builds every enabled source now, so a missing token stops start-up instead of a scraper.</summary>
    /// <param name="limits">The largest body read and the deepest nesting parsed, for every source (<c>pipeline.limits</c>).</param>
    public ScrapingSources(ScrapingSettings settings, HttpClient http, Func<string, string?> environment, InputLimits limits)
    {
        if (settings.Nitter.Enabled)
        {
            var options = new NitterSourceOptions(settings.Nitter.UserAgent, settings.Nitter.Timeout) { Limits = limits };
            _sources[Nitter] = settings.Nitter.Instances
                .Select(url => (ISearchSource)new ThrottledSource(new NitterSource(http, url, options),
                    new SemaphoreSlim(settings.Nitter.ConcurrencyPerInstance)))
                .ToList();
        }

        if (settings.XApi.Enabled)
        {
            var options = new XSearchOptions(settings.XApi.PageSize, settings.XApi.Language, settings.XApi.ExcludeRetweets,
                settings.XApi.Timeout, settings.XApi.UserAgent) { Limits = limits };
            var source = XApiSource.FromEnvironment(http, options, settings.XApi.BaseUrl, environment)
                ?? throw new SettingsException(
                    [$"pipeline.scraping.x-api.enabled = on: the bearer token must be in the environment variable {XApiSource.BearerTokenVariable}"]);
            _sources[XApi] = [source];
        }
    }

    public IReadOnlyList<string> Enabled => _sources.Keys.Order(StringComparer.Ordinal).ToList();

    public IReadOnlyList<ISearchSource> For(string source) => _sources[source];
}
