using Npgsql;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Storage;
using Pipeline.Models.Domain;

namespace Pipeline.Host.Tests.Dashboard;

/// <summary>Posts with known topics and sentiment, written through the sink's own <see cref="PostStore"/>.</summary>
internal static class DashboardData
{
    public static readonly DateTimeOffset Monday = new(2023, 1, 2, 10, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Two weeks (Mondays 2023-01-02 and 2023-01-09), two companies, topics 1 and 2 and one post not scored yet;
    /// scores sit in the middle of their 0.05-wide bins. Four dropped posts, one about no company.
    /// </summary>
    public static IReadOnlyList<PipelineItem> Known { get; } =
    [
        Scored(101, "gtbank", Monday, 1, "Transfers", 0.75, 0.25, 0.00),          // 0.125, bin 2
        Scored(102, "gtbank", Monday.AddDays(1), 1, "Transfers", 0.55, 0.45, 0.0), // 0.225, bin 4
        Scored(103, "gtbank", Monday.AddDays(8), 2, "App", 0.0, 0.25, 0.75),       // 0.875, bin 17
        Scored(104, "access", Monday.AddDays(2), 2, "App", 0.25, 0.45, 0.30),      // 0.525, bin 10
        Scored(105, "access", Monday.AddDays(9), 1, "Transfers", 0.0, 0.0, 1.0),   // 1.0, bin 19
        Scored(106, "access", Monday.AddDays(10), null, null, null, null, null),   // not scored yet
        Dropped(201, "gtbank", Monday, DropReason.NotRelevant),
        Dropped(202, "gtbank", Monday.AddDays(1), DropReason.Spam),
        Dropped(203, null, Monday, DropReason.NotRelevant),
        Dropped(204, "access", Monday.AddDays(9), DropReason.OwnPost),
    ];

    private static readonly string[] TopicLabels =
    [
        "Failed transfers", "App and login", "Cards and ATMs", "Charges", "Customer care", "Fraud", "Account opening", "Praise",
    ];

    private static readonly string[] Banks = ["gtbank", "access", "zenith", "uba", "firstbank", "opay", "kuda"];

    /// <summary>A seeded, livelier mix for the page: a post every 45 minutes from <paramref name="start"/> (default <see cref="Monday"/>), seven banks, eight topics, some drops.</summary>
    public static IReadOnlyList<PipelineItem> Lively(int count, long firstId, int seed = 5, DateTimeOffset? start = null)
    {
        var first = start ?? Monday;
        var random = new Random(seed);
        var items = new List<PipelineItem>();
        foreach (var row in SyntheticTweets.Generate(count, seed, firstId))
        {
            var company = Banks[random.Next(Banks.Length)];
            var at = first.AddMinutes(45 * (row.Id - firstId));
            if (row.Expected is { } reason)
            {
                if (reason != DropReason.DuplicateId)
                {
                    items.Add(Dropped(row.Id, company, at, reason));
                }

                continue;
            }

            var topic = random.Next(TopicLabels.Length);
            var praise = topic == TopicLabels.Length - 1;
            var positive = praise ? 0.5 + 0.5 * random.NextDouble() : Math.Pow(random.NextDouble(), 2.5);
            var negative = (1 - positive) * (praise ? 0.2 : 0.4 + 0.6 * random.NextDouble());
            items.Add(Scored(row.Id, company, at, topic, TopicLabels[topic], negative, 1 - positive - negative, positive, row.Text));
        }

        return items;
    }

    public static PipelineItem Scored(
        long id, string company, DateTimeOffset at, int? topic, string? label, double? negative, double? neutral, double? positive,
        string? text = null)
    {
        text ??= $"Post {id} about @{company}";
        var cleaned = new CleanedPost(Raw(id, company, at, text), new CompanyId(company), text, text, ["post"]);
        return new PipelineItem.Scored(new ScoredPost(
            cleaned,
            topic is { } t ? new TopicAssignment(t, label!, 0.8, "test-lda") : null,
            negative is { } n ? new SentimentScore(
                positive >= Math.Max(n, neutral!.Value) ? SentimentLabel.Positive : n >= neutral ? SentimentLabel.Negative : SentimentLabel.Neutral,
                n, neutral!.Value, positive!.Value, "test-sentiment") : null), "test");
    }

    public static PipelineItem Dropped(long id, string? company, DateTimeOffset at, DropReason reason) =>
        new PipelineItem.Dropped(Raw(id, company, at, $"Dropped post {id}"), company is null ? null : new CompanyId(company), reason, "test");

    private static RawPost Raw(long id, string? company, DateTimeOffset at, string text) =>
        new(new PostId(id), company is null ? null : new CompanyId(company), PostSource.Import, "1", "customer" + id % 7, text, at,
            0, 0, 0, 0, null, "en", false, false, at);

    /// <summary>A new database with the schema and the synthetic banks.</summary>
    public static async Task<NpgsqlDataSource> CreateDatabaseAsync(PostgresFixture postgres)
    {
        var dataSource = PipelineDataSource.Create(await postgres.CreateDatabaseAsync());
        await new SchemaMigrator(dataSource).MigrateAsync();
        await CompanyCatalog.SyncAsync(dataSource, SyntheticTweets.Companies);
        return dataSource;
    }

    /// <summary>
    /// One pseudonym key for every test database: tests that compare two databases answer by answer would otherwise see
    /// each database's own random key in the authors' pseudonyms.
    /// </summary>
    public const string PrivacySecret = "dashboard-test-pseudonym-key-0123456789";

    public static async Task WriteAsync(NpgsqlDataSource dataSource, IReadOnlyList<PipelineItem> items)
    {
        var store = new PostStore(dataSource, PrivacySecret);
        foreach (var batch in items.Chunk(2000))
        {
            await store.WriteAsync(batch);
        }
    }
}
