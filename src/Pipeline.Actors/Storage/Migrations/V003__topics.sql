-- Topics: the full distribution of every scored post, and each topic model's catalog (ids,
-- labels, top words) so the reporting views show a topic's current label: relabelling a
-- model (or publishing it again with a labels file) changes the dashboards without rescoring.

ALTER TABLE pipeline.scored_posts ADD COLUMN topic_distribution real[];  -- indexed like the model's catalog

CREATE TABLE pipeline.topics (
    model_version    text NOT NULL,
    topic_id         integer NOT NULL,                -- -1: Unclassified
    label            text NOT NULL,
    top_words        text[] NOT NULL DEFAULT '{}',    -- heaviest first
    top_word_weights real[] NOT NULL DEFAULT '{}',    -- same order as top_words
    share            real,                            -- of training documents; null for Unclassified
    published_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (model_version, topic_id),
    CHECK (cardinality(top_words) = cardinality(top_word_weights))
);

-- Same columns in the same order as V002 (Tableau workbooks and the dashboard name them), new ones at the end.
-- topic_label: the catalog's label when the model is published, else the label stored with the row.
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
WHERE r.drop_reason IS NULL;

CREATE OR REPLACE VIEW reporting.daily_counts AS
SELECT (s.created_at AT TIME ZONE 'UTC')::date AS day,
       s.company_id,
       c.display_name                           AS company,
       s.topic_id,
       coalesce(t.label, s.topic_label)         AS topic_label,
       s.sentiment_label,
       count(*)                                 AS posts,
       avg(s.sentiment_score)                   AS mean_sentiment_score
FROM pipeline.scored_posts s
JOIN pipeline.companies c ON c.company_id = s.company_id
LEFT JOIN pipeline.topics t ON t.model_version = s.topic_model_version AND t.topic_id = s.topic_id
GROUP BY 1, 2, 3, 4, 5, 6;

-- reporting.weekly_counts reads daily_counts and so follows it.

-- is_latest: the model published most recently, i.e. the one the pipeline scores with now.
CREATE VIEW reporting.topics AS
SELECT t.model_version,
       t.topic_id,
       t.label,
       array_to_string(t.top_words, ', ')                 AS top_words,
       t.top_words                                        AS top_word_list,
       t.top_word_weights,
       t.share,
       t.published_at,
       t.model_version = (SELECT l.model_version FROM pipeline.topics l ORDER BY l.published_at DESC, l.model_version DESC LIMIT 1)
                                                          AS is_latest
FROM pipeline.topics t;

GRANT SELECT ON ALL TABLES IN SCHEMA reporting TO pipeline_reporting;
