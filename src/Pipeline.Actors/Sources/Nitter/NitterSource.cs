using System.Globalization;
using System.Net;
using Pipeline.Models.Domain;

namespace Pipeline.Actors.Sources.Nitter;

/// <param name="UserAgent">Sent with every request; self-hosted instances often filter on it.</param>
/// <param name="Timeout">For the whole exchange, body included: a stalled instance counts as unavailable.</param>
public sealed record NitterSourceOptions(string UserAgent, TimeSpan Timeout)
{
    /// <summary>Stamps fetched posts and turns a relative Retry-After into a time.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>The largest body read and the deepest nesting parsed (<c>pipeline.limits</c>).</summary>
    public InputLimits Limits { get; init; } = InputLimits.Default;
}

/// <summary>One Nitter instance as a search source. Remote failures come back as <see cref="FetchOutcome"/> values, never as exceptions.</summary>
public sealed class NitterSource(HttpClient http, Uri instance, NitterSourceOptions options) : ISearchSource
{
    // Error-panel texts from Nitter's routes: the wording is all an instance gives when it answers 200.
    private static readonly string[] RejectionWordings = ["Page not found", "Invalid search", "Search input too long", "User not found"];
    private static readonly string[] TransientWordings = ["Network error", "try again"];

    public Uri BaseUrl => instance;

    public async Task<FetchOutcome> FetchAsync(SearchRequest request, CancellationToken ct)
    {
        var target = NitterSearch.BuildUrl(instance, request);
        // Everything after the request (outcomes, locations, status, logs) sees the URL without its secrets.
        var url = UrlRedaction.Redact(target);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(options.Timeout);
        try
        {
            using var message = new HttpRequestMessage(HttpMethod.Get, target);
            message.Headers.TryAddWithoutValidation("User-Agent", options.UserAgent);
            // Headers first: the body is read by us, up to the bound, never buffered whole by HttpClient.
            using var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            var body = await BoundedBody.ReadAsync(response.Content, options.Limits.MaxBodyBytes, deadline.Token);
            var now = options.Clock.GetUtcNow();
            if (body.Text is null)
            {
                return new FetchOutcome.Unparseable(url, $"HTTP {(int)response.StatusCode}: {body.Problem}", body.Beginning);
            }

            var status = (int)response.StatusCode;
            var resetAt = ResetAt(response, now);
            return FetchOutcome.ReadingBody(url, body.Text, () => ToOutcome(url, status, resetAt, body.Text, request.Company.Id, now, options.Limits));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new FetchOutcome.Unavailable(url, null,
                $"No complete answer within {options.Timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s.");
        }
        catch (HttpRequestException e)
        {
            return new FetchOutcome.Unavailable(url, (int?)e.StatusCode, e.Message);
        }
        catch (IOException e)
        {
            // A connection dropped while the body was read.
            return new FetchOutcome.Unavailable(url, null, e.Message);
        }
    }

    /// <summary>The outcome of one answer: the status decides first, then what the page says.</summary>
    internal static FetchOutcome ToOutcome(
        Uri url, int status, DateTimeOffset? resetAt, string body, CompanyId company, DateTimeOffset fetchedAt, InputLimits? limits = null)
    {
        var page = NitterPageParser.Parse(body, url, company, fetchedAt, limits);
        var said = page.Kind == NitterPageKind.ErrorPanel && !string.IsNullOrEmpty(page.Message) ? page.Message : null;

        if (status == (int)HttpStatusCode.TooManyRequests)
        {
            return new FetchOutcome.RateLimited(url, resetAt, said ?? "HTTP 429 Too Many Requests");
        }

        if (status >= 500)
        {
            return new FetchOutcome.Unavailable(url, status, said ?? $"HTTP {status}");
        }

        if (status >= 400)
        {
            return new FetchOutcome.Rejected(url, status, said ?? $"HTTP {status}");
        }

        if (status is < 200 or >= 300)
        {
            return new FetchOutcome.Unavailable(url, status, $"HTTP {status} where a page was expected");
        }

        return page.Kind switch
        {
            NitterPageKind.Results when page.CutShort => new FetchOutcome.Unparseable(url,
                $"{page.Message} {page.Items.Count} item(s) read; the page will be fetched again rather than taken as the last one.", body),
            NitterPageKind.Results or NitterPageKind.NoItemsFound or NitterPageKind.NoMoreItems =>
                new FetchOutcome.Page(url, page.Items, page.NextCursor),
            NitterPageKind.ErrorPanel => FromErrorPanel(url, status, resetAt, page.Message ?? string.Empty, body),
            _ => new FetchOutcome.Unparseable(url, page.Message ?? "Unrecognised page.", body),
        };
    }

    /// <summary>Instances behind proxies answer 200 with Nitter's error page; only its wording tells what happened.</summary>
    private static FetchOutcome FromErrorPanel(Uri url, int status, DateTimeOffset? resetAt, string message, string body)
    {
        if (message.Contains("rate limited", StringComparison.OrdinalIgnoreCase))
        {
            return new FetchOutcome.RateLimited(url, resetAt, message);
        }

        if (RejectionWordings.Any(w => message.Contains(w, StringComparison.OrdinalIgnoreCase)))
        {
            return new FetchOutcome.Rejected(url, status, message);
        }

        if (TransientWordings.Any(w => message.Contains(w, StringComparison.OrdinalIgnoreCase)))
        {
            return new FetchOutcome.Unavailable(url, status, message);
        }

        return new FetchOutcome.Unparseable(url, $"Unrecognised Nitter error: {message}", body);
    }

    private static DateTimeOffset? ResetAt(HttpResponseMessage response, DateTimeOffset now) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => now + delta,
        { Date: { } date } => date,
        _ => null,
    };
}
