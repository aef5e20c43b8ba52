using System.Net;
using System.Text.Json;
using Npgsql;
using Pipeline.Host.Dashboard;

namespace Pipeline.Host.Tests.Dashboard;

/// <summary>
/// Posts dated 9999-12-31, 'infinity', 0001-01-01, BC, '-infinity' or a month ahead, already in the database, break
/// no dashboard answer and no reporting view: the views leave them out (and list them in
/// <c>reporting.out_of_range_posts</c>), so every answer is the one the database would give without them.
/// </summary>
public sealed class ImpossibleDateTests(PostgresFixture postgres)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private static readonly DashboardFilter[] Filters =
    [
        DashboardFilter.None,
        new(Company: "gtbank"),
        new(Topic: 1),
        new(From: new DateOnly(2023, 1, 9)),
        new(From: new DateOnly(2000, 1, 1), To: new DateOnly(9999, 12, 31)),
    ];

    /// <summary>Every question the dashboard asks, by name, answered as JSON.</summary>
    private static async Task<Dictionary<string, string>> AskEverythingAsync(DashboardQueries queries)
    {
        var answers = new Dictionary<string, string>();
        answers["options"] = JsonSerializer.Serialize(await queries.OptionsAsync(5000, 25));
        foreach (var filter in Filters)
        {
            answers[$"topics {filter}"] = JsonSerializer.Serialize(await queries.TopicDistributionAsync(filter));
            answers[$"histogram {filter}"] = JsonSerializer.Serialize(await queries.SentimentHistogramAsync(filter));
            answers[$"weekly topics {filter}"] = JsonSerializer.Serialize(await queries.WeeklyTopicsAsync(filter));
            answers[$"company sentiment {filter}"] = JsonSerializer.Serialize(await queries.CompanySentimentAsync(filter));
            answers[$"funnel {filter}"] = JsonSerializer.Serialize(await queries.FunnelAsync(filter));
            answers[$"feed {filter}"] = JsonSerializer.Serialize(await queries.LatestPostsAsync(filter, 50));
            answers[$"hourly {filter}"] = JsonSerializer.Serialize(await queries.HourlyVolumeAsync(filter));
            answers[$"company table {filter}"] = JsonSerializer.Serialize(await queries.CompanyTableAsync(filter));
            answers[$"share of voice {filter}"] = JsonSerializer.Serialize(await queries.ShareOfVoiceAsync(filter.To, 12));
        }

        answers["emerging topics"] = JsonSerializer.Serialize(await queries.EmergingTopicsAsync());
        answers["alerts"] = JsonSerializer.Serialize(await queries.AlertsAsync(null, 20));

        return answers;
    }

    [Fact]
    public async Task Every_dashboard_question_answers_as_if_posts_with_impossible_dates_were_not_there()
    {
        await using var plain = await DashboardData.CreateDatabaseAsync(postgres);
        await DashboardData.WriteAsync(plain, DashboardData.Known);
        await using var odd = await DashboardData.CreateDatabaseAsync(postgres);
        await DashboardData.WriteAsync(odd, DashboardData.Known);
        await ImpossibleDates.InsertAsync(odd);

        var expected = await AskEverythingAsync(new DashboardQueries(plain));
        var answers = await AskEverythingAsync(new DashboardQueries(odd));

        Assert.All(expected, e => Assert.Equal(e.Value, answers[e.Key]));
        Assert.Contains("\"FirstDay\":\"2023-01-02\",\"LastDay\":\"2023-01-12\"", answers["options"]);
    }

    [Fact]
    public async Task Every_reporting_view_reads_as_the_reporting_role_and_lists_impossible_dates_only_in_out_of_range_posts()
    {
        await using var dataSource = await DashboardData.CreateDatabaseAsync(postgres);
        await DashboardData.WriteAsync(dataSource, DashboardData.Known);
        await ImpossibleDates.InsertAsync(dataSource);
        await using var connection = await dataSource.OpenConnectionAsync();
        var views = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT table_name FROM information_schema.views WHERE table_schema = 'reporting' ORDER BY 1", connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                views.Add(reader.GetString(0));
            }
        }

        Assert.Superset(new HashSet<string> { "posts", "daily_counts", "weekly_counts", "daily_sentiment_bins", "drop_counts", "out_of_range_posts" }, views.ToHashSet());
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var role = new NpgsqlCommand($"SET LOCAL ROLE {DashboardQueries.ReportingRole}", connection, transaction))
            await role.ExecuteNonQueryAsync();
        var rows = new Dictionary<string, List<Dictionary<string, object?>>>();
        foreach (var view in views)
        {
            // Every value as .NET reads it (a BC date or a week past 9999 cannot be).
            rows[view] = [];
            await using var select = new NpgsqlCommand($"SELECT * FROM reporting.{view}", connection, transaction);
            await using var reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows[view].Add(Enumerable.Range(0, reader.FieldCount).ToDictionary(reader.GetName, i => reader.IsDBNull(i) ? null : reader.GetValue(i)));
            }
        }

        var earliest = new DateTime(2006, 3, 21);
        var latest = DateTime.UtcNow.Date.AddDays(1);
        foreach (var (view, values) in rows.Where(r => r.Key != "out_of_range_posts"))
        {
            foreach (var row in values)
            {
                foreach (var (column, value) in row)
                {
                    var day = value switch
                    {
                        DateTime time => time,
                        DateOnly date => date.ToDateTime(TimeOnly.MinValue),
                        _ => (DateTime?)null,
                    };
                    // fetched_at, stored_at and published_at are the pipeline's own clock; the post's date is what is bounded.
                    if (day is { } d && column is "created_at" or "day" or "week")
                    {
                        Assert.InRange(d, earliest.AddDays(-6), latest);
                    }
                }
            }
        }

        Assert.Equal(6, rows["posts"].Count);
        Assert.Equal(6L, rows["daily_counts"].Sum(r => (long)r["posts"]!));
        Assert.Equal(6L, rows["weekly_counts"].Sum(r => (long)r["posts"]!));
        Assert.Equal(6L, rows["daily_sentiment_bins"].Sum(r => ((long[])r["bin_posts"]!).Sum() + (long)r["unscored_posts"]!));
        Assert.Equal(4L, rows["drop_counts"].Sum(r => (long)r["posts"]!));
        Assert.Equal(ImpossibleDates.PostIds, rows["out_of_range_posts"].Select(r => (long)r["post_id"]!).Order());
        Assert.Contains(rows["out_of_range_posts"], r => (string)r["created_at"]! == "0044-03-15 12:00:00 BC");
        Assert.Contains(rows["out_of_range_posts"], r => (string)r["created_at"]! == "infinity");
    }

    [Fact]
    public async Task Every_dashboard_endpoint_answers_200_with_impossible_dates_in_the_database()
    {
        await using var service = await DashboardService.StartAsync(postgres);
        await service.WriteAsync(DashboardData.Known);
        await service.WithDataSourceAsync(ImpossibleDates.InsertAsync);
        var answers = new Dictionary<string, JsonElement>();
        var failures = new List<string>();

        foreach (var path in new[] { "options", "topics", "sentiment-histogram", "weekly-topics", "company-sentiment", "funnel", "feed" })
        {
            foreach (var query in new[] { "", "?company=gtbank", "?from=2000-01-01&to=9999-12-31" })
            {
                using var response = await Http.GetAsync(new Uri(service.Root, $"/api/dashboard/{path}{query}"));
                var body = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    failures.Add($"{path}{query}: {(int)response.StatusCode} {body}");
                    continue;
                }

                answers[path + query] = JsonDocument.Parse(body).RootElement.Clone();
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Equal(["2023-01-02", "2023-01-09"], answers["weekly-topics"].GetProperty("weeks").EnumerateArray().Select(w => w.GetString()));
        Assert.Equal(["2023-01-02", "2023-01-09"], answers["company-sentiment"].GetProperty("weeks").EnumerateArray().Select(w => w.GetString()));
        Assert.Equal("2023-01-12", answers["options"].GetProperty("lastDay").GetString());
        Assert.Equal(6, answers["feed"].GetArrayLength());
        Assert.Equal(10, answers["funnel"].GetProperty("collected").GetInt64());
    }
}
