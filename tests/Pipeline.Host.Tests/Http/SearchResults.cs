using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Pipeline.Host.Tests.Http;

/// <summary>
/// The X API's recent search for several companies, the same answers for any caller: <paramref name="pages"/> pages of
/// <paramref name="perPage"/> posts per company, chained by next_token, ids and texts fixed by company, page and position.
/// </summary>
internal sealed class SearchResults(IEnumerable<(string Id, string Name, string Handle)> banks, int pages, int perPage, DateTimeOffset postedAround)
{
    private readonly List<(string Id, string Name, string Handle)> _banks = banks.ToList();
    private readonly ConcurrentDictionary<string, int> _requests = new();

    public int Requests(string company) => _requests.GetValueOrDefault(company);

    /// <summary>Requests answered with posts, over all companies and callers.</summary>
    public int TotalRequests => _requests.Values.Sum();

    public Task Answer(HttpContext context)
    {
        var query = context.Request.Query["query"].ToString();
        var index = _banks.FindIndex(b => query.Contains("@" + b.Handle, StringComparison.Ordinal));
        if (index < 0)
        {
            context.Response.StatusCode = 400;
            return context.Response.WriteAsync("""{"title": "Invalid Request", "type": "about:blank"}""");
        }

        var bank = _banks[index];
        _requests.AddOrUpdate(bank.Id, 1, (_, n) => n + 1);
        var token = context.Request.Query["next_token"].ToString();
        var page = token.Length == 0 ? 0 : int.Parse(token[1..], CultureInfo.InvariantCulture);
        var data = Enumerable.Range(0, perPage).Select(k =>
        {
            var id = (index + 1) * 1_000_000L + page * 1_000 + k + 1;
            return new
            {
                id = id.ToString(CultureInfo.InvariantCulture),
                text = $"{bank.Name} app {Words[(int)(id % Words.Length)]} again, ref {id}",
                author_id = "42",
                created_at = postedAround.AddMinutes(-(page * perPage + k)).ToString("yyyy-MM-dd'T'HH:mm:ss'.000Z'", CultureInfo.InvariantCulture),
                lang = "en",
            };
        });
        var body = JsonSerializer.Serialize(new
        {
            data,
            includes = new { users = new[] { new { id = "42", username = "ada_obi", name = "Ada" } } },
            meta = page + 1 < pages ? (object)new { result_count = perPage, next_token = $"p{page + 1}" } : new { result_count = perPage },
        });
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(body);
    }

    private static readonly string[] Words = ["failed my transfer", "reversed the charge", "is down", "sorted my card quickly", "charged me twice"];
}

/// <summary>A stage after cleaning (a scoring stage's place) that throws once, at the n-th item it sees: a non-database failure of the graph.</summary>
