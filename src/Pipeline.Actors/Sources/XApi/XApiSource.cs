using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Pipeline.Models.Domain;

namespace Pipeline.Actors.Sources.XApi;

/// <summary>
/// The X API v2 recent search (<c>GET /2/tweets/search/recent</c>), one page per call. Every remote failure is
/// returned as a <see cref="FetchOutcome"/>; only the caller's own cancellation throws.
/// </summary>
/// <remarks>The bearer token goes into the Authorization header and nowhere else: not into outcomes, not into logs.</remarks>
public sealed class XApiSource(HttpClient http, Uri baseUrl, string bearerToken, XSearchOptions options) : ISearchSource
{
    /// <summary>The only place the host reads the token from: it never sits in a settings file.</summary>
    public const string BearerTokenVariable = "PIPELINE_X_BEARER_TOKEN";

    public static readonly Uri DefaultBaseUrl = new("https://api.x.com/");

    private readonly HttpClient _http = http ?? throw new ArgumentNullException(nameof(http));
    private readonly XSearchOptions _options = Valid(options);

    // The message names the variable, never the value.
    private readonly AuthenticationHeaderValue _authorization = string.IsNullOrWhiteSpace(bearerToken)
        ? throw new ArgumentException($"The X API bearer token is empty; set {BearerTokenVariable}.", nameof(bearerToken))
        : new AuthenticationHeaderValue("Bearer", bearerToken.Trim());

    public Uri BaseUrl { get; } = baseUrl ?? throw new ArgumentNullException(nameof(baseUrl));

    /// <summary>A source with the token from <see cref="BearerTokenVariable"/>, or null when it is not set.</summary>
    /// <param name="readVariable">Reads an environment variable; the process environment unless given.</param>
    public static XApiSource? FromEnvironment(HttpClient http, XSearchOptions options, Uri? baseUrl = null,
        Func<string, string?>? readVariable = null)
    {
        var token = (readVariable ?? Environment.GetEnvironmentVariable)(BearerTokenVariable);
        return string.IsNullOrWhiteSpace(token) ? null : new XApiSource(http, baseUrl ?? DefaultBaseUrl, token, options);
    }

    public async Task<FetchOutcome> FetchAsync(SearchRequest request, CancellationToken ct)
    {
        var target = XRecentSearch.BuildUri(BaseUrl, request, _options);
        // Everything after the request (outcomes, locations, status, logs) sees the URL without its secrets.
        var url = UrlRedaction.Redact(target);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.Timeout);
        using var message = new HttpRequestMessage(HttpMethod.Get, target);
        message.Headers.Authorization = _authorization;
        message.Headers.TryAddWithoutValidation("User-Agent", _options.UserAgent);
        try
        {
            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token)
                .ConfigureAwait(false);
            var body = await BoundedBody.ReadAsync(response.Content, _options.Limits.MaxBodyBytes, timeout.Token).ConfigureAwait(false);
            return body.Text is not { } text
                ? new FetchOutcome.Unparseable(url, $"HTTP {(int)response.StatusCode}: {body.Problem}", body.Beginning)
                : FetchOutcome.ReadingBody(url, text, () => Classify(url, request.Company.Id, response, text, _options.Limits));
        }
        // Ours or HttpClient.Timeout: either way the API did not answer in time. The caller's own cancellation propagates.
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new FetchOutcome.Unavailable(url, null,
                $"The X API did not answer within {_options.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s.");
        }
        catch (HttpRequestException e)
        {
            return new FetchOutcome.Unavailable(url, (int?)e.StatusCode, $"The X API could not be reached: {e.Message}");
        }
        catch (IOException e)
        {
            return new FetchOutcome.Unavailable(url, null, $"The X API connection broke: {e.Message}");
        }
    }

    private static FetchOutcome Classify(Uri url, CompanyId company, HttpResponseMessage response, string body, InputLimits limits)
    {
        var status = (int)response.StatusCode;
        if (response.IsSuccessStatusCode)
        {
            XSearchPage page;
            try
            {
                page = XRecentSearch.ParsePage(body, url, company, DateTimeOffset.UtcNow, limits);
            }
            catch (XApiResponseException e)
            {
                return new FetchOutcome.Unparseable(url, e.Message, body);
            }

            return WithErrors(url, status, page);
        }

        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            var remaining = Header(response, "x-rate-limit-remaining");
            return new FetchOutcome.RateLimited(url, ResetAt(response),
                "The X API rate limit is used up (HTTP 429)" + (remaining is null ? "." : $"; x-rate-limit-remaining: {remaining}."))
            {
                // A 429 is also how the API says the monthly usage cap is reached: the problem type tells which.
                Errors = XRecentSearch.ParseErrors(body, limits),
            };
        }

        var said = XRecentSearch.DescribeError(body, limits);
        var detail = $"HTTP {status} {response.ReasonPhrase}" + (said is null ? string.Empty : $": {said}");
        var errors = XRecentSearch.ParseErrors(body, limits);
        return status switch
        {
            // A timeout on the server's side, or the server's trouble: another try later may work.
            >= 500 or 408 => new FetchOutcome.Unavailable(url, status, detail) { Errors = errors },
            401 or 403 => new FetchOutcome.Rejected(url, status, $"{detail} (check the token in {BearerTokenVariable} and the app's access level)") { Errors = errors },
            >= 400 => new FetchOutcome.Rejected(url, status, detail) { Errors = errors },
            _ => new FetchOutcome.Unavailable(url, status, detail) { Errors = errors },
        };
    }

    /// <summary>
    /// A 200 with an <c>errors</c> array is not an empty page. With <c>data</c>, the posts are delivered and the errors
    /// reported beside them; without, nothing was searched: asked again after a backoff, or, when the errors say the
    /// app may not ask (forbidden, usage capped), after a long pause. The checkpoint never passes a window that was not read.
    /// </summary>
    private static FetchOutcome WithErrors(Uri url, int status, XSearchPage page)
    {
        var page200 = new FetchOutcome.Page(url, page.Items, page.NextToken) { Errors = page.Errors };
        if (page.Errors.Count == 0)
        {
            return page200;
        }

        var stop = XRecentSearch.StopAsking(page.Errors);
        if (page.HasData)
        {
            return page200 with { StopAsking = stop is null ? null : $"the X API says to stop asking: {stop}" };
        }

        var described = string.Join("; ", page.Errors.Select(e => e.Describe()));
        return stop is not null
            ? new FetchOutcome.Rejected(url, status, $"the X API answered {status} with errors and no data, and says to stop asking: {stop}")
                { Errors = page.Errors }
            : new FetchOutcome.Unavailable(url, status, $"the X API answered {status} with errors and no data: {described}")
                { Errors = page.Errors };
    }

    // x-rate-limit-reset is when the window reopens, in epoch seconds.
    private static DateTimeOffset? ResetAt(HttpResponseMessage response) =>
        long.TryParse(Header(response, "x-rate-limit-reset"), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
        && seconds <= DateTimeOffset.MaxValue.ToUnixTimeSeconds()
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault()?.Trim() : null;

    private static XSearchOptions Valid(XSearchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Timeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"XSearchOptions.Timeout must be positive, not {options.Timeout}.", nameof(options));
        }

        if (string.IsNullOrWhiteSpace(options.UserAgent))
        {
            throw new ArgumentException("XSearchOptions.UserAgent must not be empty.", nameof(options));
        }

        return options;
    }
}
