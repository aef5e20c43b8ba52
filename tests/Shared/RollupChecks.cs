namespace Pipeline.Tests.Shared;

/// <summary>
/// Queries that compare what the triggers and the sink keep (the rollups, drop_counts) with a fresh aggregate of the rows
/// stored now: each returns how many rows differ, either way round, so 0 means equal.
/// </summary>
public static class RollupChecks
{
    // Rows of the rollup and of a fresh aggregate of scored_posts that differ, either way round: per group the
    // posts, scored posts and score sum, per group and bin the count. A fresh aggregate bins the posts one by one
    // through sentiment_bin, the definition V004 ships; every rollup row has all 20 bins.
    public const string RollupMismatches = """
        WITH posts AS (
            SELECT (created_at AT TIME ZONE 'UTC')::date AS day, company_id, topic_id, topic_model_version, topic_label,
                   sentiment_label, sentiment_score, pipeline.sentiment_bin(sentiment_score) AS bin
            FROM pipeline.scored_posts),
        -- Sums of floats depend on the order they are added in, and batches add them in another order than one query.
        fresh AS (
            SELECT day, company_id, topic_id, topic_model_version, topic_label, sentiment_label,
                   count(*) AS posts, count(sentiment_score) AS scored, round(coalesce(sum(sentiment_score::float8), 0)::numeric, 6)
            FROM posts GROUP BY 1, 2, 3, 4, 5, 6),
        kept AS (
            SELECT day, company_id, topic_id, topic_model_version, topic_label, sentiment_label, posts, scored, round(score_sum::numeric, 6)
            FROM pipeline.daily_rollup WHERE cardinality(bins) = 20),
        fresh_bins AS (
            SELECT day, company_id, topic_id, topic_model_version, topic_label, sentiment_label, bin, count(*)
            FROM posts WHERE bin IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6, 7),
        kept_bins AS (
            SELECT day, company_id, topic_id, topic_model_version, topic_label, sentiment_label, (i - 1)::integer, n
            FROM pipeline.daily_rollup, unnest(bins) WITH ORDINALITY AS b(n, i) WHERE n <> 0)
        SELECT (SELECT count(*) FROM ((TABLE fresh EXCEPT ALL TABLE kept) UNION ALL (TABLE kept EXCEPT ALL TABLE fresh)) g)
             + (SELECT count(*) FROM ((TABLE fresh_bins EXCEPT ALL TABLE kept_bins) UNION ALL (TABLE kept_bins EXCEPT ALL TABLE fresh_bins)) b)
        """;

    public const string HourlyMismatches = """
        WITH fresh AS (
            SELECT date_trunc('hour', created_at, 'UTC'), company_id, topic_id, topic_model_version, topic_label, sentiment_label,
                   count(*) AS posts, count(sentiment_score) AS scored, round(coalesce(sum(sentiment_score::float8), 0)::numeric, 6)
            FROM pipeline.scored_posts GROUP BY 1, 2, 3, 4, 5, 6),
        kept AS (
            SELECT hour, company_id, topic_id, topic_model_version, topic_label, sentiment_label, posts, scored, round(score_sum::numeric, 6)
            FROM pipeline.hourly_rollup)
        SELECT count(*) FROM ((TABLE fresh EXCEPT ALL TABLE kept) UNION ALL (TABLE kept EXCEPT ALL TABLE fresh)) g
        """;

    // Only the posts of the last two days are in the minute rollup.
    public const string MinuteMismatches = """
        WITH fresh AS (
            SELECT date_trunc('minute', created_at, 'UTC'), company_id, topic_id, sentiment_label, count(*) AS posts
            FROM pipeline.scored_posts WHERE created_at >= now() - interval '2 days' GROUP BY 1, 2, 3, 4),
        kept AS (SELECT minute, company_id, topic_id, sentiment_label, posts FROM pipeline.minute_rollup)
        SELECT count(*) FROM ((TABLE fresh EXCEPT ALL TABLE kept) UNION ALL (TABLE kept EXCEPT ALL TABLE fresh)) g
        """;

    // drop_counts counts each stored dropped post once, under its company ('' for none), UTC day and reason.
    public const string DropCountMismatches = """
        WITH fresh AS (
            SELECT coalesce(company_id, ''), (created_at AT TIME ZONE 'UTC')::date, drop_reason, count(*)
            FROM pipeline.raw_posts WHERE drop_reason IS NOT NULL GROUP BY 1, 2, 3),
        kept AS (SELECT company_id, day, reason, posts FROM pipeline.drop_counts)
        SELECT count(*) FROM ((TABLE fresh EXCEPT ALL TABLE kept) UNION ALL (TABLE kept EXCEPT ALL TABLE fresh)) g
        """;
}
