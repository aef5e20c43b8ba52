using System.Data;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace Pipeline.Host.Dashboard;

/// <summary>
/// The built-in dashboard's questions, asked of the same <c>reporting</c> views Tableau reads, as the
/// read-only <c>pipeline_reporting</c> role: the database itself keeps the dashboard away from the
/// pipeline's tables. Aggregates read <c>reporting.daily_counts</c> and <c>reporting.daily_sentiment_bins</c>,
/// which a trigger-maintained rollup keeps small (a row per day, company, topic and label); only the live
/// feed reads posts, newest first by primary key.
/// </summary>
public sealed class DashboardQueries(NpgsqlDataSource dataSource, ILogger<DashboardQueries>? logger = null)
{
    public const string ReportingRole = "pipeline_reporting";

    /// <summary>Width of a sentiment histogram bin, fixed by <c>reporting.daily_sentiment_bins</c>.</summary>
    public const int HistogramBins = 20;

    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;
    private bool? _canUseRole;

    public async Task<IReadOnlyList<TopicCount>> TopicDistributionAsync(DashboardFilter filter, CancellationToken ct = default)
    {
        var where = Conditions.For(filter);
        return await ReadAsync($"""
            SELECT topic_id, topic_label, sum(posts)::bigint AS posts
            FROM reporting.daily_counts {where.Sql}
            GROUP BY topic_id, topic_label
            ORDER BY posts DESC, topic_id NULLS LAST
            """, where.Parameters, async reader =>
        {
            var counts = new List<TopicCount>();
            while (await reader.ReadAsync(ct))
            {
                var id = NullableInt(reader, 0);
                counts.Add(new TopicCount(id, TopicLabel(id, NullableString(reader, 1)), reader.GetInt64(2)));
            }

            return counts;
        }, ct);
    }

    public async Task<SentimentHistogram> SentimentHistogramAsync(DashboardFilter filter, CancellationToken ct = default)
    {
        var where = Conditions.For(filter);
        var bins = string.Join(", ", Enumerable.Range(1, HistogramBins).Select(i => $"coalesce(sum(bin_posts[{i}]), 0)::bigint"));
        return await ReadAsync($"""
            SELECT {bins}, coalesce(sum(unscored_posts), 0)::bigint
            FROM reporting.daily_sentiment_bins {where.Sql}
            """, where.Parameters, async reader =>
        {
            await reader.ReadAsync(ct);
            var histogram = Enumerable.Range(0, HistogramBins)
                .Select(i => new HistogramBin((double)i / HistogramBins, (double)(i + 1) / HistogramBins, reader.GetInt64(i)))
                .ToList();
            return new SentimentHistogram(histogram, reader.GetInt64(HistogramBins));
        }, ct);
    }

    /// <summary>Posts per ISO week (UTC), one line per topic; a week without posts of a topic counts 0.</summary>
    public async Task<WeeklyChart> WeeklyTopicsAsync(DashboardFilter filter, CancellationToken ct = default)
    {
        var where = Conditions.For(filter);
        return await ReadAsync($"""
            SELECT date_trunc('week', day)::date AS week, topic_id, topic_label, sum(posts)::bigint
            FROM reporting.daily_counts {where.Sql}
            GROUP BY 1, 2, 3
            """, where.Parameters, async reader =>
        {
            var points = new List<(DateOnly Week, string Key, string Label, double Value)>();
            while (await reader.ReadAsync(ct))
            {
                var id = NullableInt(reader, 1);
                points.Add((reader.GetFieldValue<DateOnly>(0), id?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none",
                    TopicLabel(id, NullableString(reader, 2)), reader.GetInt64(3)));
            }

            return Weekly(points, missing: 0);
        }, ct);
    }

    /// <summary>Mean sentiment score per company and ISO week (UTC), weighted by posts; null where a company has no scored post.</summary>
    public async Task<WeeklyChart> CompanySentimentAsync(DashboardFilter filter, CancellationToken ct = default)
    {
        var where = Conditions.For(filter);
        return await ReadAsync($"""
            SELECT date_trunc('week', day)::date AS week, company_id, company,
                   sum(mean_sentiment_score * posts) / sum(posts)
            FROM reporting.daily_counts {where.And("mean_sentiment_score IS NOT NULL")}
            GROUP BY 1, 2, 3
            """, where.Parameters, async reader =>
        {
            var points = new List<(DateOnly Week, string Key, string Label, double Value)>();
            while (await reader.ReadAsync(ct))
            {
                points.Add((reader.GetFieldValue<DateOnly>(0), reader.GetString(1), reader.GetString(2), reader.GetDouble(3)));
            }

            return Weekly(points, missing: null);
        }, ct);
    }

    /// <summary>Collected → relevant → stored, with the posts dropped per reason. Topics exist only for stored posts, so the topic filter does not apply.</summary>
    public async Task<DropFunnel> FunnelAsync(DashboardFilter filter, CancellationToken ct = default)
    {
        var where = Conditions.For(filter with { Topic = null });
        return await ReadAsync($"""
            SELECT 0, 'stored', coalesce(sum(posts), 0)::bigint FROM reporting.daily_counts {where.Sql}
            UNION ALL
            SELECT 1, reason, sum(posts)::bigint FROM reporting.drop_counts {where.Sql} GROUP BY reason
            ORDER BY 1, 3 DESC, 2
            """, where.Parameters, async reader =>
        {
            await reader.ReadAsync(ct);
            var stored = reader.GetInt64(2);
            var drops = new List<DropReasonCount>();
            while (await reader.ReadAsync(ct))
            {
                drops.Add(new DropReasonCount(reader.GetString(1), reader.GetInt64(2)));
            }

            var collected = stored + drops.Sum(d => d.Posts);
            var relevant = collected - drops.Where(d => d.Reason == "not_relevant").Sum(d => d.Posts);
            return new DropFunnel(collected, relevant, stored, drops);
        }, ct);
    }

    /// <summary>The newest posts (by status id, which grows with time), newest first; with <paramref name="after"/> only posts newer than that id.</summary>
    public async Task<IReadOnlyList<FeedPost>> LatestPostsAsync(DashboardFilter filter, int limit, long? after = null, CancellationToken ct = default)
    {
        var where = Conditions.For(filter);
        if (after is { } id)
        {
            where.Add("post_id > @after", new NpgsqlParameter<long>("after", id));
        }

        where.Parameters.Add(new NpgsqlParameter<int>("limit", limit));
        return await ReadAsync($"""
            SELECT post_id, company_id, company, created_at, author_handle, text, topic_id, topic_label,
                   sentiment_label, sentiment_score, url
            FROM reporting.posts {where.Sql}
            ORDER BY post_id DESC
            LIMIT @limit
            """, where.Parameters, async reader =>
        {
            var posts = new List<FeedPost>();
            while (await reader.ReadAsync(ct))
            {
                posts.Add(new FeedPost(
                    reader.GetInt64(0), reader.GetString(1), reader.GetString(2),
                    new DateTimeOffset(reader.GetFieldValue<DateTime>(3), TimeSpan.Zero),
                    reader.GetString(4), reader.GetString(5), NullableInt(reader, 6), NullableString(reader, 7),
                    NullableString(reader, 8), reader.IsDBNull(9) ? null : reader.GetFloat(9), NullableString(reader, 10)));
            }

            return posts;
        }, ct);
    }

    /// <summary>Companies, topics seen so far and the first and last day with posts.</summary>
    public async Task<DashboardOptions> OptionsAsync(int refreshMilliseconds, int feedSize, CancellationToken ct = default)
    {
        var companies = await ReadAsync("SELECT company_id, company FROM reporting.companies ORDER BY company", [], async reader =>
        {
            var list = new List<CompanyOption>();
            while (await reader.ReadAsync(ct))
            {
                list.Add(new CompanyOption(reader.GetString(0), reader.GetString(1)));
            }

            return list;
        }, ct);
        return await ReadAsync("""
            SELECT topic_id, topic_label, min(day), max(day), sum(posts)::bigint
            FROM reporting.daily_counts
            GROUP BY topic_id, topic_label
            """, [], async reader =>
        {
            var topics = new Dictionary<int, (string Label, long Posts)>();
            DateOnly? first = null, last = null;
            long posts = 0;
            while (await reader.ReadAsync(ct))
            {
                var (min, max, count) = (reader.GetFieldValue<DateOnly>(2), reader.GetFieldValue<DateOnly>(3), reader.GetInt64(4));
                first = first is null || min < first ? min : first;
                last = last is null || max > last ? max : last;
                posts += count;
                // A topic id relabelled by a retrain keeps the label most of its posts carry.
                if (NullableInt(reader, 0) is { } id && (!topics.TryGetValue(id, out var seen) || seen.Posts < count))
                {
                    topics[id] = (TopicLabel(id, NullableString(reader, 1)), count);
                }
            }

            var topicOptions = topics.OrderBy(t => t.Key).Select(t => new TopicOption(t.Key, t.Value.Label)).ToList();
            return new DashboardOptions(companies, topicOptions, first, last, posts, refreshMilliseconds, feedSize);
        }, ct);
    }

    private static string TopicLabel(int? id, string? label) =>
        label ?? (id is null ? "Not scored" : $"Topic {id}");

    private static int? NullableInt(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt32(ordinal);

    private static string? NullableString(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    /// <summary>Lines over every week from the first to the last, so the x axis has no holes.</summary>
    private static WeeklyChart Weekly(List<(DateOnly Week, string Key, string Label, double Value)> points, double? missing)
    {
        if (points.Count == 0)
        {
            return new WeeklyChart([], []);
        }

        var weeks = new List<DateOnly>();
        for (var week = points.Min(p => p.Week); week <= points.Max(p => p.Week); week = week.AddDays(7))
        {
            weeks.Add(week);
        }

        var index = weeks.Select((w, i) => (w, i)).ToDictionary(x => x.w, x => x.i);
        var lines = points
            .GroupBy(p => p.Key)
            .Select(g =>
            {
                var values = Enumerable.Repeat(missing, weeks.Count).ToArray();
                foreach (var point in g)
                {
                    values[index[point.Week]] = (values[index[point.Week]] ?? 0) + point.Value;
                }

                return new WeeklyLine(g.Key, g.First().Label, values);
            })
            .OrderByDescending(l => missing is null ? 0 : l.Values.Sum(v => v ?? 0))
            .ThenBy(l => l.Label, StringComparer.Ordinal)
            .ToList();
        return new WeeklyChart(weeks, lines);
    }

    private async Task<T> ReadAsync<T>(string sql, List<NpgsqlParameter> parameters, Func<NpgsqlDataReader, Task<T>> read, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
        await using var batch = new NpgsqlBatch(connection, transaction);
        _canUseRole ??= await CanUseRoleAsync(connection, transaction, ct);
        if (_canUseRole == true)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand($"SET LOCAL ROLE {ReportingRole}"));
        }

        var query = new NpgsqlBatchCommand(sql);
        query.Parameters.AddRange(parameters.ToArray());
        batch.BatchCommands.Add(query);
        T result;
        await using (var reader = await batch.ExecuteReaderAsync(ct))
        {
            result = await read(reader);
        }

        await transaction.RollbackAsync(ct);
        return result;
    }

    /// <remarks>
    /// Migration V004 makes the owner a member of the reporting role; an owner that could not be made
    /// one (no CREATEROLE) still gets a working dashboard, reading the same views with its own rights.
    /// </remarks>
    private async Task<bool> CanUseRoleAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ReportingRole}') AND pg_has_role('{ReportingRole}', 'MEMBER')",
            connection, transaction);
        var member = (bool)(await command.ExecuteScalarAsync(ct))!;
        if (!member)
        {
            _logger.LogWarning("The database user is not a member of {Role}; the dashboard reads the reporting views with its own rights", ReportingRole);
        }

        return member;
    }

    /// <summary>A WHERE clause over the columns every reporting view shares (company_id, day, topic_id), with its parameters.</summary>
    private sealed class Conditions
    {
        private readonly List<string> _clauses = [];

        public List<NpgsqlParameter> Parameters { get; } = [];

        public string Sql => Build(_clauses);

        public static Conditions For(DashboardFilter filter)
        {
            var conditions = new Conditions();
            if (filter.Company is { } company)
            {
                conditions.Add("company_id = @company", new NpgsqlParameter<string>("company", company));
            }

            if (filter.From is { } from)
            {
                conditions.Add("day >= @from", new NpgsqlParameter<DateOnly>("from", NpgsqlDbType.Date) { TypedValue = from });
            }

            if (filter.To is { } to)
            {
                conditions.Add("day <= @to", new NpgsqlParameter<DateOnly>("to", NpgsqlDbType.Date) { TypedValue = to });
            }

            if (filter.Topic is { } topic)
            {
                conditions.Add("topic_id = @topic", new NpgsqlParameter<int>("topic", topic));
            }

            return conditions;
        }

        public void Add(string clause, NpgsqlParameter parameter)
        {
            _clauses.Add(clause);
            Parameters.Add(parameter);
        }

        public string And(string clause) => Build([.. _clauses, clause]);

        private static string Build(IReadOnlyList<string> clauses) =>
            clauses.Count == 0 ? string.Empty : new StringBuilder("WHERE ").AppendJoin(" AND ", clauses).ToString();
    }
}
