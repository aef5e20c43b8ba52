-- Alerts: the hourly and minute rollups the detector reads, the alerts it raises and their webhook deliveries,
-- share of voice and topic growth for the dashboard and Tableau, and exact sentiment histogram edges.

-- 1. Exact bin edges
--
-- sentiment_score is real. 0.95 as real is 0.949999988079071, so floor(score * 20) put it in bin 18, not 19 (and
-- 0.35 in bin 6): every edge that is not a power-of-two fraction landed one bin low. real -> numeric rounds to the
-- 6 significant digits a real holds, which gives back the decimal the scorer meant, and numeric arithmetic is exact.
CREATE OR REPLACE FUNCTION pipeline.sentiment_bin(score real) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN score IS NULL THEN NULL ELSE greatest(0, least(19, floor(score::numeric * 20)))::integer END;

-- 2. Hourly and minute rollups
--
-- Kept current by the same statement-level trigger as daily_rollup (one pass over each batch's transition tables).
-- Hours are UTC hours. The minute rollup holds only the recent past the detector's short windows read: rows for
-- posts created more than two days ago are neither added nor kept (the detector deletes them as they age out).
CREATE TABLE pipeline.hourly_rollup (
    hour                timestamptz NOT NULL,      -- start of the UTC hour of the post
    company_id          text NOT NULL,
    topic_id            integer,
    topic_model_version text,
    topic_label         text,
    sentiment_label     text,
    posts               bigint NOT NULL,
    scored              bigint NOT NULL,
    score_sum           double precision NOT NULL,
    CONSTRAINT hourly_rollup_key UNIQUE NULLS NOT DISTINCT (hour, company_id, topic_id, topic_model_version, topic_label, sentiment_label)
);
CREATE INDEX hourly_rollup_hour ON pipeline.hourly_rollup (hour);
CREATE INDEX hourly_rollup_empty ON pipeline.hourly_rollup (hour) WHERE posts = 0;

-- Topic ids are matched across model versions when a model is retrained (train-topics), so the detector's series
-- are keyed by topic id alone.
CREATE TABLE pipeline.minute_rollup (
    minute          timestamptz NOT NULL,          -- start of the UTC minute of the post
    company_id      text NOT NULL,
    topic_id        integer,
    sentiment_label text,
    posts           bigint NOT NULL,
    CONSTRAINT minute_rollup_key UNIQUE NULLS NOT DISTINCT (minute, company_id, topic_id, sentiment_label)
);

CREATE FUNCTION pipeline.minute_rollup_horizon() RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE
RETURN now() - interval '2 days';

INSERT INTO pipeline.hourly_rollup (hour, company_id, topic_id, topic_model_version, topic_label, sentiment_label, posts, scored, score_sum)
SELECT date_trunc('hour', created_at, 'UTC'), company_id, topic_id, topic_model_version, topic_label, sentiment_label,
       count(*), count(sentiment_score), coalesce(sum(sentiment_score), 0)
FROM pipeline.scored_posts
GROUP BY 1, 2, 3, 4, 5, 6;

INSERT INTO pipeline.minute_rollup (minute, company_id, topic_id, sentiment_label, posts)
SELECT date_trunc('minute', created_at, 'UTC'), company_id, topic_id, sentiment_label, count(*)
FROM pipeline.scored_posts
WHERE created_at >= pipeline.minute_rollup_horizon()
GROUP BY 1, 2, 3, 4;

-- The daily bins again, with the exact edges.
TRUNCATE pipeline.daily_rollup;
INSERT INTO pipeline.daily_rollup (day, company_id, topic_id, topic_model_version, topic_label, sentiment_label, posts, scored, score_sum, bins)
SELECT (created_at AT TIME ZONE 'UTC')::date, company_id, topic_id, topic_model_version, topic_label, sentiment_label,
       count(*), count(sentiment_score), coalesce(sum(sentiment_score), 0),
       pipeline.bin_counts(pipeline.sentiment_bin(sentiment_score), 1)
FROM pipeline.scored_posts
GROUP BY 1, 2, 3, 4, 5, 6;

-- V006's trigger, now writing the three rollups from one pass: the delta is a CTE the three inserts share (data-
-- modifying CTEs all run, each sorted so that concurrent batches lock rollup rows in the same order).
CREATE OR REPLACE FUNCTION pipeline.apply_rollup_delta() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    added   constant text := 'SELECT created_at, company_id, topic_id, topic_model_version, topic_label, sentiment_label, sentiment_score, 1 AS sign FROM new_rows';
    removed constant text := 'SELECT created_at, company_id, topic_id, topic_model_version, topic_label, sentiment_label, sentiment_score, -1 AS sign FROM old_rows';
    bin_sums constant text := (SELECT string_agg(format('coalesce(sum(sign) FILTER (WHERE bin = %s), 0)', i), ', ' ORDER BY i)
                               FROM generate_series(0, 19) i);
    bin_adds constant text := (SELECT string_agg(format('r.bins[%1$s] + EXCLUDED.bins[%1$s]', i), ', ' ORDER BY i)
                               FROM generate_series(1, 20) i);
BEGIN
    EXECUTE format($sql$
        WITH delta AS MATERIALIZED (
            SELECT created_at, company_id, topic_id, topic_model_version, topic_label, sentiment_label, sentiment_score, sign,
                   pipeline.sentiment_bin(sentiment_score) AS bin
            FROM (%s) rows),
        daily AS (
            INSERT INTO pipeline.daily_rollup AS r (day, company_id, topic_id, topic_model_version, topic_label, sentiment_label, posts, scored, score_sum, bins)
            SELECT (created_at AT TIME ZONE 'UTC')::date, company_id, topic_id, topic_model_version, topic_label, sentiment_label,
                   sum(sign), coalesce(sum(sign) FILTER (WHERE sentiment_score IS NOT NULL), 0), coalesce(sum(sign * sentiment_score), 0),
                   ARRAY[%s]
            FROM delta
            GROUP BY 1, 2, 3, 4, 5, 6
            ORDER BY 1, 2, 3, 4, 5, 6
            ON CONFLICT ON CONSTRAINT daily_rollup_key DO UPDATE SET
                posts = r.posts + EXCLUDED.posts,
                scored = r.scored + EXCLUDED.scored,
                score_sum = r.score_sum + EXCLUDED.score_sum,
                bins = ARRAY[%s]),
        hourly AS (
            INSERT INTO pipeline.hourly_rollup AS r (hour, company_id, topic_id, topic_model_version, topic_label, sentiment_label, posts, scored, score_sum)
            SELECT date_trunc('hour', created_at, 'UTC'), company_id, topic_id, topic_model_version, topic_label, sentiment_label,
                   sum(sign), coalesce(sum(sign) FILTER (WHERE sentiment_score IS NOT NULL), 0), coalesce(sum(sign * sentiment_score), 0)
            FROM delta
            GROUP BY 1, 2, 3, 4, 5, 6
            ORDER BY 1, 2, 3, 4, 5, 6
            ON CONFLICT ON CONSTRAINT hourly_rollup_key DO UPDATE SET
                posts = r.posts + EXCLUDED.posts,
                scored = r.scored + EXCLUDED.scored,
                score_sum = r.score_sum + EXCLUDED.score_sum)
        INSERT INTO pipeline.minute_rollup AS r (minute, company_id, topic_id, sentiment_label, posts)
        SELECT date_trunc('minute', created_at, 'UTC'), company_id, topic_id, sentiment_label, sum(sign)
        FROM delta
        WHERE created_at >= pipeline.minute_rollup_horizon()
        GROUP BY 1, 2, 3, 4
        ORDER BY 1, 2, 3, 4
        ON CONFLICT ON CONSTRAINT minute_rollup_key DO UPDATE SET posts = r.posts + EXCLUDED.posts
        $sql$,
        CASE TG_OP WHEN 'INSERT' THEN added WHEN 'DELETE' THEN removed ELSE added || ' UNION ALL ' || removed END,
        bin_sums,
        bin_adds);
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM pipeline.daily_rollup WHERE posts = 0;
        DELETE FROM pipeline.hourly_rollup WHERE posts = 0;
        -- A post deleted after its minute aged out of the rollup would leave a negative count.
        DELETE FROM pipeline.minute_rollup WHERE posts <= 0;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION pipeline.clear_rollup() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE pipeline.daily_rollup, pipeline.hourly_rollup, pipeline.minute_rollup;
    RETURN NULL;
END
$$;

-- 3. Alerts and their deliveries
--
-- One row per incident. incident_key names what the incident is about ('volume_spike:gtbank',
-- 'emerging_topic:7'); at most one incident per key is open (resolved_at null) at a time, which is what makes a
-- detector run twice (two nodes, a restart) raise one alert, not two.
CREATE TABLE pipeline.alerts (
    alert_id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_key            text NOT NULL,
    signal                  text NOT NULL CHECK (signal IN ('volume_spike', 'negative_shift', 'emerging_topic', 'unclassified_growth')),
    company_id              text,                          -- null: about all companies (emerging topics)
    topic_id                integer,                       -- the topic it is about, or the main topic behind it
    severity                text NOT NULL CHECK (severity IN ('warning', 'major', 'critical')),
    opened_severity         text NOT NULL CHECK (opened_severity IN ('warning', 'major', 'critical')),
    opened_at               timestamptz NOT NULL,          -- the check that raised it
    window_start            timestamptz NOT NULL,          -- the detection window of the latest (or peak) detection
    window_end              timestamptz NOT NULL,
    observed                double precision NOT NULL,     -- posts (or share, for emerging topics) in the window
    expected                double precision NOT NULL,     -- what the baseline expected
    p_value                 double precision,
    negative_share          double precision,
    baseline_negative_share double precision,
    baseline                text NOT NULL,                 -- how expected was computed
    topics                  jsonb NOT NULL DEFAULT '[]',   -- [{"topic_id", "observed", "expected"}], largest excess first
    summary                 text NOT NULL,                 -- one sentence, as sent to webhooks
    peak_observed           double precision NOT NULL,
    last_seen_at            timestamptz NOT NULL,          -- the last check that still saw it
    escalated_at            timestamptz,                   -- when its severity rose (at most once)
    resolved_at             timestamptz,                   -- quiet for the cooldown
    CHECK (window_start <= window_end)
);
CREATE UNIQUE INDEX alerts_one_open_incident ON pipeline.alerts (incident_key) WHERE resolved_at IS NULL;
CREATE INDEX alerts_opened ON pipeline.alerts (opened_at);

-- Webhook outbox: a row per alert event and endpoint, written in the transaction that opened or escalated the
-- alert, delivered at least once. endpoint is the webhook's name in pipeline.alerts.webhooks.
CREATE TABLE pipeline.alert_deliveries (
    alert_id        bigint NOT NULL REFERENCES pipeline.alerts ON DELETE CASCADE,
    endpoint        text NOT NULL,
    event           text NOT NULL CHECK (event IN ('opened', 'escalated')),
    queued_at       timestamptz NOT NULL DEFAULT now(),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_status     integer,                               -- HTTP status of the last attempt (null: no answer)
    last_error      text,
    delivered_at    timestamptz,
    abandoned_at    timestamptz,                           -- gave up after the configured attempts
    PRIMARY KEY (alert_id, endpoint, event)
);
CREATE INDEX alert_deliveries_due ON pipeline.alert_deliveries (next_attempt_at)
    WHERE delivered_at IS NULL AND abandoned_at IS NULL;

-- 4. Reporting

-- Weeks that have not ended yet (the current one) hold fewer days than the others: a chart must say so rather than
-- draw a collapse. days_elapsed: days of the week up to today (UTC), 7 for a finished week.
CREATE OR REPLACE VIEW reporting.weekly_counts AS
SELECT date_trunc('week', day)::date                    AS week,
       company_id,
       company,
       topic_id,
       topic_label,
       sentiment_label,
       sum(posts)::bigint                                AS posts,
       sum(mean_sentiment_score * posts) / sum(posts)    AS mean_sentiment_score,
       date_trunc('week', day)::date + 7 > (now() AT TIME ZONE 'UTC')::date AS is_partial,
       least(7, (now() AT TIME ZONE 'UTC')::date - date_trunc('week', day)::date + 1) AS days_elapsed
FROM reporting.daily_counts
GROUP BY 1, 2, 3, 4, 5, 6;

CREATE VIEW reporting.hourly_counts AS
SELECT r.hour,
       r.company_id,
       c.display_name                           AS company,
       r.topic_id,
       coalesce(t.label, r.topic_label)         AS topic_label,
       r.sentiment_label,
       r.posts,
       r.score_sum / nullif(r.scored, 0)        AS mean_sentiment_score
FROM pipeline.hourly_rollup r
JOIN pipeline.companies c ON c.company_id = r.company_id
LEFT JOIN pipeline.topics t ON t.model_version = r.topic_model_version AND t.topic_id = r.topic_id
WHERE pipeline.reportable_day((r.hour AT TIME ZONE 'UTC')::date);

-- Topic labels come from the latest published model (topic ids are matched across versions).
CREATE VIEW reporting.alerts AS
SELECT a.alert_id,
       a.signal,
       a.severity,
       CASE WHEN a.resolved_at IS NULL THEN 'open' ELSE 'resolved' END AS status,
       a.company_id,
       c.display_name                                       AS company,
       c.industry,
       c.country,
       a.topic_id,
       t.label                                              AS topic_label,
       a.opened_at,
       a.window_start,
       a.window_end,
       a.observed,
       a.expected,
       a.observed / nullif(a.expected, 0)                   AS ratio,
       a.p_value,
       a.negative_share,
       a.baseline_negative_share,
       a.baseline,
       a.summary,
       a.topics,
       a.peak_observed,
       a.opened_severity,
       a.last_seen_at,
       a.escalated_at,
       a.resolved_at
FROM pipeline.alerts a
LEFT JOIN pipeline.companies c ON c.company_id = a.company_id
LEFT JOIN LATERAL (
    SELECT l.label FROM pipeline.topics l WHERE l.topic_id = a.topic_id
    ORDER BY l.published_at DESC, l.model_version DESC LIMIT 1) t ON true;

-- Share of voice per day and per ISO week: each company's share of all posts, and of negative posts, among the
-- companies watched, overall and within its industry and its country. Shares are fractions (0..1); null where the
-- period has no (negative) post in that group.
CREATE VIEW reporting.share_of_voice AS
WITH per_company AS (
    SELECT p.period, p.period_start, r.company_id, sum(r.posts)::bigint AS posts,
           coalesce(sum(r.posts) FILTER (WHERE r.sentiment_label = 'negative'), 0)::bigint AS negative_posts
    FROM pipeline.daily_rollup r
    CROSS JOIN LATERAL (VALUES ('day', r.day), ('week', date_trunc('week', r.day)::date)) p(period, period_start)
    WHERE pipeline.reportable_day(r.day)
    GROUP BY 1, 2, 3)
SELECT s.period,
       s.period_start,
       CASE s.period WHEN 'day' THEN s.period_start + 1 ELSE s.period_start + 7 END > (now() AT TIME ZONE 'UTC')::date AS is_partial,
       s.company_id,
       c.display_name AS company,
       c.industry,
       c.country,
       s.posts,
       s.negative_posts,
       sum(s.posts) OVER w_all                                     AS total_posts,
       sum(s.negative_posts) OVER w_all                            AS total_negative_posts,
       s.posts::double precision / nullif(sum(s.posts) OVER w_all, 0)                   AS share_of_posts,
       s.negative_posts::double precision / nullif(sum(s.negative_posts) OVER w_all, 0) AS share_of_negative,
       s.posts::double precision / nullif(sum(s.posts) OVER w_industry, 0)                   AS share_of_industry_posts,
       s.negative_posts::double precision / nullif(sum(s.negative_posts) OVER w_industry, 0) AS share_of_industry_negative,
       s.posts::double precision / nullif(sum(s.posts) OVER w_country, 0)                    AS share_of_country_posts,
       s.negative_posts::double precision / nullif(sum(s.negative_posts) OVER w_country, 0)  AS share_of_country_negative
FROM per_company s
JOIN pipeline.companies c ON c.company_id = s.company_id
WINDOW w_all AS (PARTITION BY s.period, s.period_start),
       w_industry AS (PARTITION BY s.period, s.period_start, c.industry),
       w_country AS (PARTITION BY s.period, s.period_start, c.country);

-- Each topic's share of all posts over the last 7 days (UTC days, today included) against its share over the 28
-- days before: what the emerging-topic signal compares. topic_id -1 is Unclassified; posts no topic stage scored are
-- left out.
CREATE VIEW reporting.topic_growth AS
WITH bounds AS (SELECT (now() AT TIME ZONE 'UTC')::date AS today),
counts AS (
    SELECT r.topic_id,
           coalesce(sum(r.posts) FILTER (WHERE r.day > b.today - 7), 0)::bigint AS recent_posts,
           coalesce(sum(r.posts) FILTER (WHERE r.day <= b.today - 7), 0)::bigint AS baseline_posts
    FROM pipeline.daily_rollup r, bounds b
    WHERE r.day > b.today - 35 AND r.day <= b.today AND r.topic_id IS NOT NULL
    GROUP BY 1)
SELECT c.topic_id,
       t.label AS topic_label,
       c.recent_posts,
       c.baseline_posts,
       c.recent_posts::double precision / nullif(sum(c.recent_posts) OVER (), 0)     AS recent_share,
       c.baseline_posts::double precision / nullif(sum(c.baseline_posts) OVER (), 0) AS baseline_share,
       (c.recent_posts::double precision / nullif(sum(c.recent_posts) OVER (), 0))
         / nullif(c.baseline_posts::double precision / nullif(sum(c.baseline_posts) OVER (), 0), 0) AS growth
FROM counts c
LEFT JOIN LATERAL (
    SELECT l.label FROM pipeline.topics l WHERE l.topic_id = c.topic_id
    ORDER BY l.published_at DESC, l.model_version DESC LIMIT 1) t ON true;

GRANT SELECT ON reporting.hourly_counts, reporting.alerts, reporting.share_of_voice, reporting.topic_growth,
    reporting.weekly_counts TO pipeline_reporting;
