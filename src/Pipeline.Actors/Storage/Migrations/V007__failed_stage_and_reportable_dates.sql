-- A post a scoring stage failed on keeps its raw row; dates no chart can show stay out of the reporting views.

-- 1. raw_posts.failed_stage
--
-- Null for every post stored as cleaning decided: kept (and then it has its scored_posts row) or dropped (drop_reason).
-- Otherwise the scoring stage ('topics', 'sentiment') that failed on this kept post. Its raw row is stored all the same,
-- so nothing is lost; it has no scored_posts row yet, so neither the daily rollup nor drop_counts count it, and its
-- quarantine entry (pipeline.quarantine, same post_id, source = the stage) says why. Replaying it once the stage works
-- (re-importing its file, re-fetching its page) stores its scores and clears the mark; a replay never counts it twice.
-- A post already stored without the mark never gets one from a replay that fails: its scores are still there.
--
-- To find the posts waiting to be scored: SELECT * FROM pipeline.raw_posts WHERE failed_stage IS NOT NULL.
ALTER TABLE pipeline.raw_posts ADD COLUMN failed_stage text;
-- A dropped post is never scored, so it cannot have failed scoring. NOT VALID: every row so far has null here, and
-- validating would only scan the whole table under the lock the ALTER holds.
ALTER TABLE pipeline.raw_posts ADD CONSTRAINT raw_posts_failed_stage_of_kept CHECK (failed_stage IS NULL OR drop_reason IS NULL) NOT VALID;
-- Almost always empty: finding the posts to score again costs nothing.
CREATE INDEX raw_posts_failed_stage ON pipeline.raw_posts (failed_stage) WHERE failed_stage IS NOT NULL;

-- 2. Dates the reporting views can show
--
-- The clean stage now refuses a post dated before pipeline.limits.earliest-date or after now + future-tolerance, but a
-- database may already hold such posts: releases before it stored whatever date a source gave, up to 9999-12-31 (and
-- 'infinity', which Npgsql writes for DateTime.MaxValue), and one without raw_posts' CHECK even earlier ones. A single
-- year-9999 post made the dashboard's weekly charts answer 500 (it laid out every week up to 9999-12-27, and the week
-- after that one cannot be represented), a BC date could not be read at all, and Tableau drew eight thousand empty years.
--
-- The reporting views therefore show only posts whose UTC day lies between the platform's first day and tomorrow (the
-- defaults of pipeline.limits; a database cannot read the service's settings). A post dated further ahead appears once
-- its day is near. The others are skipped, not clamped (a clamped date would put a post in a week it does not belong
-- to), and are not lost: reporting.out_of_range_posts lists them with their date as text, which any client can read.
-- The tables and the rollup keep every row as it is.
CREATE FUNCTION pipeline.reportable_day(day date) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
RETURN day BETWEEN date '2006-03-21' AND (now() AT TIME ZONE 'UTC')::date + 1;

-- Same columns in the same order as V003 (Tableau workbooks and the dashboard name them).
CREATE OR REPLACE VIEW reporting.posts AS
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
       coalesce(t.label, s.topic_label)                      AS topic_label,
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
       s.stored_at,
       s.topic_distribution
FROM pipeline.scored_posts s
JOIN pipeline.raw_posts r ON r.post_id = s.post_id
JOIN pipeline.companies c ON c.company_id = s.company_id
LEFT JOIN pipeline.topics t ON t.model_version = s.topic_model_version AND t.topic_id = s.topic_id
WHERE r.drop_reason IS NULL
  AND pipeline.reportable_day((r.created_at AT TIME ZONE 'UTC')::date);

-- As V004, over the rollup's reportable days; reporting.weekly_counts reads this view and so follows it.
CREATE OR REPLACE VIEW reporting.daily_counts AS
SELECT r.day,
       r.company_id,
       c.display_name                           AS company,
       r.topic_id,
       coalesce(t.label, r.topic_label)         AS topic_label,
       r.sentiment_label,
       r.posts,
       r.score_sum / nullif(r.scored, 0)        AS mean_sentiment_score
FROM pipeline.daily_rollup r
JOIN pipeline.companies c ON c.company_id = r.company_id
LEFT JOIN pipeline.topics t ON t.model_version = r.topic_model_version AND t.topic_id = r.topic_id
WHERE pipeline.reportable_day(r.day);

CREATE OR REPLACE VIEW reporting.daily_sentiment_bins AS
SELECT r.day,
       r.company_id,
       c.display_name       AS company,
       r.topic_id,
       coalesce(t.label, r.topic_label)         AS topic_label,
       r.sentiment_label,
       r.posts - r.scored   AS unscored_posts,
       r.bins               AS bin_posts
FROM pipeline.daily_rollup r
JOIN pipeline.companies c ON c.company_id = r.company_id
LEFT JOIN pipeline.topics t ON t.model_version = r.topic_model_version AND t.topic_id = r.topic_id
WHERE pipeline.reportable_day(r.day);

CREATE OR REPLACE VIEW reporting.drop_counts AS
SELECT d.day,
       NULLIF(d.company_id, '') AS company_id,
       c.display_name           AS company,
       d.reason,
       d.posts
FROM pipeline.drop_counts d
LEFT JOIN pipeline.companies c ON c.company_id = d.company_id
WHERE pipeline.reportable_day(d.day);

-- The stored posts (kept, dropped or waiting to be scored) the views above leave out for their date. created_at is
-- text in UTC, as PostgreSQL writes it ('0044-03-15 12:00:00 BC', 'infinity'): such values do not fit a client's date type.
CREATE VIEW reporting.out_of_range_posts AS
SELECT r.post_id,
       r.company_id,
       r.source,
       r.author_handle,
       r.text,
       (r.created_at AT TIME ZONE 'UTC')::text AS created_at,
       r.drop_reason,
       r.failed_stage,
       r.fetched_at,
       r.first_stored_at
FROM pipeline.raw_posts r
WHERE NOT pipeline.reportable_day((r.created_at AT TIME ZONE 'UTC')::date);

GRANT SELECT ON reporting.out_of_range_posts TO pipeline_reporting;
