using System.Data;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace Pipeline.Host.Dashboard;

/// <summary>
/// The built-in dashboard's questions, asked of the same <c>reporting</c> views Tableau reads, as the
/// read-only <c>pipeline_reporting</c> role: the database itself keeps the dashboard away from the
/// pipeline's tables. Aggregates read <c>reporting.daily_counts</c>, <c>reporting.daily_sentiment_bins</c>,
/// <c>reporting.hourly_counts</c>, <c>reporting.share_of_voice</c> and <c>reporting.topic_growth</c>, which
/// trigger-maintained rollups keep small (a row per day or hour, company, topic and label); alerts come from
/// <c>reporting.alerts</c> (by <c>opened_at</c>); only the live feed and the posts behind an alert read posts,
/// the feed newest first by primary key, an alert's by company and creation time.
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

    /// <summary>
    /// Posts per ISO week (UTC), one line per topic; a week without posts of a topic counts 0. A last week that has not
    /// ended (or that the <c>to</c> filter cuts) is <see cref="WeeklyChart.Partial"/>, so the page does not draw its
    /// few days as a collapse.
    /// </summary>
    public async Task<WeeklyChart> WeeklyTopicsAsync(DashboardFilter filter, CancellationToken ct = default)
    {
        var where = Conditions.For(filter);
        return await ReadAsync($"""
            SELECT date_trunc('week', day)::date AS week, topic_id, topic_label, sum(posts)::bigint, (now() AT TIME ZONE 'UTC')::date
            FROM reporting.daily_counts {where.Sql}
            GROUP BY 1, 2, 3
            """, where.Parameters, async reader =>
        {
            var points = new List<(DateOnly Week, string Key, string Label, double Value)>();
            var today = DateOnly.MinValue;
            while (await reader.ReadAsync(ct))
            {
                var id = NullableInt(reader, 1);
                points.Add((reader.GetFieldValue<DateOnly>(0), id?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none",
                    TopicLabel(id, NullableString(reader, 2)), reader.GetInt64(3)));
                today = reader.GetFieldValue<DateOnly>(4);
            }

            var chart = Weekly(points, missing: 0);
            return chart.Weeks.Count == 0 ? chart : chart with { Partial = PartialWeek.Of(chart.Weeks[^1], today, filter.To) };
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
            SELECT {FeedColumns}
            FROM reporting.posts {where.Sql}
            ORDER BY post_id DESC
            LIMIT @limit
            """, where.Parameters, async reader => await ReadFeedAsync(reader, ct), ct);
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

    /// <summary>How far back resolved alerts are listed.</summary>
    public const int RecentAlertDays = 14;

    /// <summary>
    /// Open alerts first (most severe, then newest), then those resolved that opened in the last
    /// <see cref="RecentAlertDays"/> days, newest first. With a company, that company's alerts and those about all
    /// companies (emerging topics, unclassified growth), which concern it too.
    /// </summary>
    public async Task<IReadOnlyList<Alert>> AlertsAsync(string? company, int limit, CancellationToken ct = default)
    {
        var parameters = new List<NpgsqlParameter> { new NpgsqlParameter<int>("limit", limit) };
        var companyClause = string.Empty;
        if (company is not null)
        {
            companyClause = "AND (company_id = @company OR company_id IS NULL)";
            parameters.Add(new NpgsqlParameter<string>("company", company));
        }

        // Open alerts are few (one per incident key); the recent resolved ones are found through alerts_opened.
        return await ReadAsync($"""
            SELECT {AlertColumns}
            FROM reporting.alerts
            WHERE (status = 'open' OR opened_at >= now() - make_interval(days => {RecentAlertDays})) {companyClause}
            ORDER BY status = 'open' DESC,
                     CASE severity WHEN 'critical' THEN 3 WHEN 'major' THEN 2 ELSE 1 END * (status = 'open')::int DESC,
                     opened_at DESC, alert_id DESC
            LIMIT @limit
            """, parameters, async reader =>
        {
            var alerts = new List<Alert>();
            while (await reader.ReadAsync(ct))
            {
                alerts.Add(ReadAlert(reader));
            }

            return alerts;
        }, ct);
    }

    /// <summary>The alert and the posts behind it (see <see cref="AlertPosts"/>); null when there is no such alert.</summary>
    public async Task<AlertPosts?> AlertPostsAsync(long alertId, int limit, CancellationToken ct = default)
    {
        var alert = await ReadAsync($"SELECT {AlertColumns} FROM reporting.alerts WHERE alert_id = @id",
            [new NpgsqlParameter<long>("id", alertId)], async reader => await reader.ReadAsync(ct) ? ReadAlert(reader) : null, ct);
        if (alert is null)
        {
            return null;
        }

        var parameters = new List<NpgsqlParameter>
        {
            new NpgsqlParameter<DateTimeOffset>("start", alert.WindowStart),
            new NpgsqlParameter<DateTimeOffset>("end", alert.WindowEnd),
            new NpgsqlParameter<int>("limit", limit),
        };
        var clauses = new List<string> { "created_at >= @start", "created_at < @end" };
        if (alert.CompanyId is { } company)
        {
            clauses.Add("company_id = @company");
            parameters.Add(new NpgsqlParameter<string>("company", company));
        }

        if (alert.IsTopicAlert)
        {
            var topics = alert.Topics.Select(t => t.TopicId).Append(alert.TopicId).OfType<int>().Distinct().ToArray();
            clauses.Add("topic_id = ANY(@topics)");
            parameters.Add(new NpgsqlParameter<int[]>("topics", topics));
        }

        var posts = await ReadAsync($"""
            SELECT {FeedColumns}
            FROM reporting.posts
            WHERE {string.Join(" AND ", clauses)}
            ORDER BY created_at DESC, post_id DESC
            LIMIT @limit
            """, parameters, async reader => await ReadFeedAsync(reader, ct), ct);
        return new AlertPosts(alert, posts, limit);
    }

    /// <summary>
    /// Posts per UTC hour over the 72 hours ending with the current hour (or with the <c>to</c> filter's last hour when that
    /// is earlier), from <c>reporting.hourly_counts</c>; company and topic filters apply, hours without posts count 0.
    /// </summary>
    public async Task<HourlyVolume> HourlyVolumeAsync(DashboardFilter filter, CancellationToken ct = default)
    {
        var where = Conditions.For(filter with { From = null, To = null });
        // The last hour of the to day (9999-12-31 has no next day: no limit).
        var end = filter.To is { } to && to < DateOnly.MaxValue
            ? new DateTimeOffset(to.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddHours(-1) : (DateTimeOffset?)null;
        where.Parameters.Add(new NpgsqlParameter("end", NpgsqlDbType.TimestampTz) { Value = end is { } e ? e : DBNull.Value });
        // least() skips a null: no to filter, the current hour. A to day before the first reportable day (2006-03-21)
        // would give hours no client date type holds (year 0001 minus 71 hours is BC): the chart then shows the first
        // reportable days, which are empty.
        return await ReadAsync($"""
            WITH last AS (SELECT greatest(least(date_trunc('hour', now(), 'UTC'), @end), timestamptz '2006-03-24 00:00:00+00') AS hour),
            counts AS (
                SELECT c.hour, sum(c.posts)::bigint AS posts,
                       coalesce(sum(c.posts) FILTER (WHERE c.sentiment_label = 'negative'), 0)::bigint AS negative
                FROM reporting.hourly_counts c, last
                {where.And("c.hour > last.hour - interval '72 hours'", "c.hour <= last.hour")}
                GROUP BY c.hour)
            SELECT h.hour, coalesce(counts.posts, 0), coalesce(counts.negative, 0)
            FROM last, generate_series(last.hour - interval '71 hours', last.hour, interval '1 hour') h(hour)
            LEFT JOIN counts ON counts.hour = h.hour
            ORDER BY h.hour
            """, where.Parameters, async reader =>
        {
            var (hours, posts, negative) = (new List<DateTimeOffset>(), new List<long>(), new List<long>());
            while (await reader.ReadAsync(ct))
            {
                hours.Add(reader.GetFieldValue<DateTimeOffset>(0));
                posts.Add(reader.GetInt64(1));
                negative.Add(reader.GetInt64(2));
            }

            return new HourlyVolume(hours, posts, negative);
        }, ct);
    }

    /// <summary>
    /// Share of voice per ISO week from <c>reporting.share_of_voice</c>: the <paramref name="weeks"/> weeks up to the last
    /// week with posts (or the one holding the <c>to</c> filter). Shares are among all companies, so the company and topic
    /// filters do not apply (the page highlights the chosen company).
    /// </summary>
    public async Task<ShareOfVoice> ShareOfVoiceAsync(DateOnly? to, int weeks, CancellationToken ct = default)
    {
        var parameters = new List<NpgsqlParameter>
        {
            new NpgsqlParameter<int>("weeks", weeks),
            new NpgsqlParameter("to", NpgsqlDbType.Date) { Value = to is { } t ? t : DBNull.Value },
        };
        return await ReadAsync("""
            WITH last AS (
                SELECT date_trunc('week', max(day))::date AS week FROM reporting.daily_counts WHERE @to IS NULL OR day <= @to)
            SELECT s.period_start, s.company_id, s.company, s.industry, s.posts, s.negative_posts,
                   s.share_of_posts, s.share_of_negative, s.total_posts, s.total_negative_posts,
                   (now() AT TIME ZONE 'UTC')::date
            FROM reporting.share_of_voice s, last
            WHERE s.period = 'week' AND s.period_start > last.week - 7 * @weeks AND s.period_start <= last.week
            ORDER BY s.period_start, s.company
            """, parameters, async reader =>
        {
            var rows = new List<ShareOfVoiceRow>();
            DateOnly? today = null;
            while (await reader.ReadAsync(ct))
            {
                rows.Add(new ShareOfVoiceRow(
                    reader.GetFieldValue<DateOnly>(0), reader.GetString(1), reader.GetString(2), NullableString(reader, 3),
                    reader.GetInt64(4), reader.GetInt64(5), NullableDouble(reader, 6), NullableDouble(reader, 7),
                    reader.GetInt64(8), reader.GetInt64(9)));
                today = reader.GetFieldValue<DateOnly>(10);
            }

            return DashboardShaping.ShareOfVoice(rows, today, to);
        }, ct);
    }

    /// <summary>
    /// Topics whose share of posts over the last 7 days grew against the 28 days before (<c>reporting.topic_growth</c>),
    /// with the open emerging-topic alert on each, and the Unclassified topic's weekly share over the last 8 weeks.
    /// Across all companies, like the emerging-topic signal.
    /// </summary>
    public async Task<EmergingTopics> EmergingTopicsAsync(CancellationToken ct = default)
    {
        var growth = await ReadAsync("""
            SELECT g.topic_id, g.topic_label, g.recent_posts, g.baseline_posts, g.recent_share, g.baseline_share, g.growth,
                   (SELECT max(a.alert_id) FROM reporting.alerts a
                    WHERE a.status = 'open' AND a.topic_id = g.topic_id
                      AND a.signal = CASE WHEN g.topic_id = -1 THEN 'unclassified_growth' ELSE 'emerging_topic' END)
            FROM reporting.topic_growth g
            """, [], async reader =>
        {
            var rows = new List<TopicGrowth>();
            while (await reader.ReadAsync(ct))
            {
                var id = reader.GetInt32(0);
                rows.Add(new TopicGrowth(id, TopicLabel(id, NullableString(reader, 1)), reader.GetInt64(2), reader.GetInt64(3),
                    NullableDouble(reader, 4), NullableDouble(reader, 5), NullableDouble(reader, 6),
                    reader.IsDBNull(7) ? null : reader.GetInt64(7)));
            }

            return rows;
        }, ct);
        var (weeks, shares) = await ReadAsync("""
            WITH today AS (SELECT (now() AT TIME ZONE 'UTC')::date AS day)
            SELECT w.week::date,
                   (sum(c.posts) FILTER (WHERE c.topic_id = -1))::double precision
                     / nullif(sum(c.posts) FILTER (WHERE c.topic_id IS NOT NULL), 0)
            FROM today,
                 generate_series(date_trunc('week', today.day) - interval '7 weeks', date_trunc('week', today.day), interval '1 week') w(week)
            LEFT JOIN reporting.daily_counts c ON c.day >= w.week::date AND c.day < w.week::date + 7
            GROUP BY w.week
            ORDER BY w.week
            """, [], async reader =>
        {
            var (w, s) = (new List<DateOnly>(), new List<double?>());
            while (await reader.ReadAsync(ct))
            {
                w.Add(reader.GetFieldValue<DateOnly>(0));
                s.Add(NullableDouble(reader, 1));
            }

            return (w, s);
        }, ct);
        return DashboardShaping.EmergingTopics(growth, weeks, shares);
    }

    /// <summary>
    /// Each company's mean sentiment score (weighted by posts) in the last week with posts in the selection, against its
    /// mean over the 4 weeks before, with its posts, negative share and the 8 weeks' means for a sparkline.
    /// </summary>
    public async Task<CompanyTable> CompanyTableAsync(DashboardFilter filter, CancellationToken ct = default)
    {
        var where = Conditions.For(filter);
        return await ReadAsync($"""
            WITH last AS (SELECT date_trunc('week', max(day))::date AS week FROM reporting.daily_counts {where.Sql})
            SELECT date_trunc('week', day)::date AS week, company_id, company, sum(posts)::bigint,
                   coalesce(sum(posts) FILTER (WHERE sentiment_label = 'negative'), 0)::bigint,
                   coalesce(sum(mean_sentiment_score * posts) FILTER (WHERE mean_sentiment_score IS NOT NULL), 0),
                   coalesce(sum(posts) FILTER (WHERE mean_sentiment_score IS NOT NULL), 0)::bigint,
                   last.week, (now() AT TIME ZONE 'UTC')::date
            FROM reporting.daily_counts, last
            {where.And("day >= last.week - 49", "day < last.week + 7")}
            GROUP BY 1, 2, 3, last.week
            """, where.Parameters, async reader =>
        {
            var points = new List<CompanyWeek>();
            (DateOnly Last, DateOnly Today)? seen = null;
            while (await reader.ReadAsync(ct))
            {
                points.Add(new CompanyWeek(reader.GetFieldValue<DateOnly>(0), reader.GetString(1), reader.GetString(2),
                    reader.GetInt64(3), reader.GetInt64(4), reader.GetDouble(5), reader.GetInt64(6)));
                seen = (reader.GetFieldValue<DateOnly>(7), reader.GetFieldValue<DateOnly>(8));
            }

            return seen is { } s ? DashboardShaping.CompanyTable(points, s.Last, s.Today, filter.To) : new CompanyTable(null, null, [], []);
        }, ct);
    }

    private const string FeedColumns = """
        post_id, company_id, company, created_at, author_handle, text, topic_id, topic_label, sentiment_label, sentiment_score, url
        """;

    private const string AlertColumns = """
        alert_id, signal, severity, status, company_id, company, industry, country, topic_id, topic_label, opened_at,
        window_start, window_end, observed, expected, ratio, p_value, negative_share, baseline_negative_share, baseline,
        summary, topics::text, peak_observed, opened_severity, last_seen_at, escalated_at, resolved_at
        """;

    private static Alert ReadAlert(NpgsqlDataReader reader) => new(
        reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), NullableString(reader, 4),
        NullableString(reader, 5), NullableString(reader, 6), NullableString(reader, 7), NullableInt(reader, 8),
        NullableString(reader, 9), reader.GetFieldValue<DateTimeOffset>(10), reader.GetFieldValue<DateTimeOffset>(11),
        reader.GetFieldValue<DateTimeOffset>(12), reader.GetDouble(13), reader.GetDouble(14), NullableDouble(reader, 15),
        NullableDouble(reader, 16), NullableDouble(reader, 17), NullableDouble(reader, 18), reader.GetString(19),
        reader.GetString(20), DashboardShaping.AlertTopics(reader.GetString(21)), reader.GetDouble(22), reader.GetString(23),
        reader.GetFieldValue<DateTimeOffset>(24), NullableTime(reader, 25), NullableTime(reader, 26));

    private static async Task<IReadOnlyList<FeedPost>> ReadFeedAsync(NpgsqlDataReader reader, CancellationToken ct)
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
    }

    private static double? NullableDouble(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetDouble(ordinal);

    private static DateTimeOffset? NullableTime(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);

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

    /// <summary>The latest finished topic retrain, told in one sentence (<see cref="Scoring.TopicRetrainRecord.Sentence"/>).</summary>
    public Task<TopicRetrainNote> TopicRetrainNoteAsync(CancellationToken ct = default) =>
        ReadAsync("""
            SELECT retrain_id, started_at, finished_at, node, trigger, window_start, window_end, documents, current_version, candidate_version,
                   outcome, accepted, swapped, reason, topics_kept, topics_new, topics_retired, rescored_posts
            FROM reporting.topic_retrains WHERE is_latest
            """, [], async reader =>
        {
            if (!await reader.ReadAsync(ct))
            {
                return TopicRetrainNote.None;
            }

            int? Int(int i) => reader.IsDBNull(i) ? null : reader.GetInt32(i);
            var run = new Scoring.TopicRetrainRecord(
                reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2),
                reader.GetString(3), reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5), reader.GetFieldValue<DateTimeOffset>(6), Int(7),
                reader.GetString(8), NullableString(reader, 9), Scoring.TopicRetrainRecord.Parse(reader.GetString(10)),
                reader.IsDBNull(11) ? null : reader.GetBoolean(11), reader.IsDBNull(12) ? null : reader.GetBoolean(12), NullableString(reader, 13),
                null, null, null, null, Int(14), Int(15), Int(16), null, reader.IsDBNull(17) ? null : reader.GetInt64(17));
            return new TopicRetrainNote(run.Sentence(), Scoring.TopicRetrainRecord.Name(run.Outcome), run.FinishedAt, run.CandidateVersion);
        }, ct);

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

        public string And(params string[] clauses) => Build([.. _clauses, .. clauses]);

        private static string Build(IReadOnlyList<string> clauses) =>
            clauses.Count == 0 ? string.Empty : new StringBuilder("WHERE ").AppendJoin(" AND ", clauses).ToString();
    }
}
