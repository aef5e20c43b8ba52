-- The language cleaning decided for each post, stored on every post it stores (kept and dropped), and shown in the
-- reporting views beside the platform's own tag.
--
-- raw_posts.lang stays what the source said (X's tag; null for Nitter and most files). raw_posts.language is the
-- pipeline's decision (docs/language.md): an ISO 639-1 code ('en', 'fr', 'yo', …) or 'pcm' for Nigerian Pidgin and
-- English/Pidgin code-mixed posts; null when undetermined (too short, emoji only, not sure enough) or, for rows
-- stored before this migration, never looked at. A replay of such a row fills it in (PostStore's upsert).
-- A nullable column without a default: adding it rewrites nothing, whatever the table's size.
ALTER TABLE pipeline.raw_posts ADD COLUMN language text;

-- Same columns in the same order as V007, language appended (CREATE OR REPLACE VIEW may only add columns at the end;
-- Tableau workbooks and the dashboard name columns, so none moves).
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
       s.topic_distribution,
       r.language
FROM pipeline.scored_posts s
JOIN pipeline.raw_posts r ON r.post_id = s.post_id
JOIN pipeline.companies c ON c.company_id = s.company_id
LEFT JOIN pipeline.topics t ON t.model_version = s.topic_model_version AND t.topic_id = s.topic_id
WHERE r.drop_reason IS NULL
  AND pipeline.reportable_day((r.created_at AT TIME ZONE 'UTC')::date);

CREATE OR REPLACE VIEW reporting.out_of_range_posts AS
SELECT r.post_id,
       r.company_id,
       r.source,
       r.author_handle,
       r.text,
       (r.created_at AT TIME ZONE 'UTC')::text AS created_at,
       r.drop_reason,
       r.failed_stage,
       r.fetched_at,
       r.first_stored_at,
       r.language
FROM pipeline.raw_posts r
WHERE NOT pipeline.reportable_day((r.created_at AT TIME ZONE 'UTC')::date);

-- Posts per UTC day, company and language, kept and dropped (what share of the conversation is Pidgin, how much
-- foreign spam the language rule removes). language is null for undetermined posts. It aggregates raw_posts when
-- read (no rollup: the sink pays nothing for it), so filter it on day; at millions of posts a full read takes seconds.
CREATE VIEW reporting.language_counts AS
SELECT (r.created_at AT TIME ZONE 'UTC')::date       AS day,
       r.company_id,
       c.display_name                                AS company,
       r.language,
       count(*) FILTER (WHERE r.drop_reason IS NULL) AS kept_posts,
       count(*) FILTER (WHERE r.drop_reason IS NOT NULL) AS dropped_posts,
       count(*) FILTER (WHERE r.drop_reason = 'non_english') AS non_english_posts
FROM pipeline.raw_posts r
LEFT JOIN pipeline.companies c ON c.company_id = r.company_id
WHERE pipeline.reportable_day((r.created_at AT TIME ZONE 'UTC')::date)
GROUP BY 1, 2, 3, 4;

GRANT SELECT ON reporting.posts, reporting.out_of_range_posts, reporting.language_counts TO pipeline_reporting;
