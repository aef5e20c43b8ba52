-- Views for Tableau and the built-in dashboard, in a schema of their own, readable by the
-- reporting role and nothing else. Views run with their owner's rights, so the role needs
-- no access to the pipeline schema.

CREATE VIEW reporting.posts AS
SELECT s.post_id,
       s.company_id,
       c.display_name                                        AS company,
       c.country,
       c.industry,
       r.source,
       r.author_handle,
       r.text,
       s.clean_text,
       r.created_at,
       (r.created_at AT TIME ZONE 'UTC')::date               AS day,
       date_trunc('week', r.created_at AT TIME ZONE 'UTC')::date AS week,
       r.likes,
       r.retweets,
       r.replies,
       r.quotes,
       r.url,
       r.lang,
       r.is_retweet,
       r.is_reply,
       s.topic_id,
       s.topic_label,
       s.topic_confidence,
       s.sentiment_label,
       s.p_negative,
       s.p_neutral,
       s.p_positive,
       s.sentiment_score,
       s.topic_model_version,
       s.sentiment_model_version,
       s.scored_at,
       r.fetched_at,
       s.stored_at
FROM pipeline.scored_posts s
JOIN pipeline.raw_posts r ON r.post_id = s.post_id
JOIN pipeline.companies c ON c.company_id = s.company_id
WHERE r.drop_reason IS NULL;

CREATE VIEW reporting.daily_counts AS
SELECT (s.created_at AT TIME ZONE 'UTC')::date AS day,
       s.company_id,
       c.display_name                           AS company,
       s.topic_id,
       s.topic_label,
       s.sentiment_label,
       count(*)                                 AS posts,
       avg(s.sentiment_score)                   AS mean_sentiment_score
FROM pipeline.scored_posts s
JOIN pipeline.companies c ON c.company_id = s.company_id
GROUP BY 1, 2, 3, 4, 5, 6;

-- Weeks start on Monday (ISO), the same buckets Tableau's week part uses by default for ISO calendars.
CREATE VIEW reporting.weekly_counts AS
SELECT date_trunc('week', day)::date                    AS week,
       company_id,
       company,
       topic_id,
       topic_label,
       sentiment_label,
       sum(posts)::bigint                                AS posts,
       sum(mean_sentiment_score * posts) / sum(posts)    AS mean_sentiment_score
FROM reporting.daily_counts
GROUP BY 1, 2, 3, 4, 5, 6;

CREATE VIEW reporting.drop_counts AS
SELECT d.day,
       NULLIF(d.company_id, '') AS company_id,
       c.display_name           AS company,
       d.reason,
       d.posts
FROM pipeline.drop_counts d
LEFT JOIN pipeline.companies c ON c.company_id = d.company_id;

CREATE VIEW reporting.companies AS
SELECT company_id, display_name AS company, handles, search_terms, country, industry
FROM pipeline.companies;

-- Roles are cluster-wide; several databases (or nodes) may migrate at once, so tolerate a race.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pipeline_reporting') THEN
        CREATE ROLE pipeline_reporting NOLOGIN;
    END IF;
EXCEPTION
    WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;

GRANT USAGE ON SCHEMA reporting TO pipeline_reporting;
GRANT SELECT ON ALL TABLES IN SCHEMA reporting TO pipeline_reporting;
ALTER DEFAULT PRIVILEGES IN SCHEMA reporting GRANT SELECT ON TABLES TO pipeline_reporting;
