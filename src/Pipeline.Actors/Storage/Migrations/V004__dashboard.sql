-- What the built-in dashboard (and Tableau) need to stay fast at millions of posts.
--
-- V002's daily_counts grouped the whole scored table on every query: seconds at a million posts, however
-- narrow the filters. Its numbers are now kept current in pipeline.daily_rollup by statement-level
-- triggers on scored_posts (one aggregated upsert per sink batch, for inserts, rescoring updates and
-- deletes alike), and the view reads that table. Same view, same columns, same numbers; labels still
-- come from pipeline.topics (V003) by model version and topic id, so a relabel needs no rescoring.

-- Sentiment score bins of 0.05: bin 0 is [0, 0.05), ..., bin 19 is [0.95, 1]; null when not scored.
CREATE FUNCTION pipeline.sentiment_bin(score real) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
-- (greatest and least skip nulls, hence the explicit case.)
RETURN CASE WHEN score IS NULL THEN NULL ELSE greatest(0, least(19, floor(score * 20)))::integer END;

-- bins[i + 1] counts posts in bin i.
CREATE FUNCTION pipeline.add_to_bin(bins bigint[], bin integer, posts bigint) RETURNS bigint[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN bin IS NULL THEN bins ELSE bins[:bin] || (bins[bin + 1] + posts) || bins[bin + 2:] END;

CREATE AGGREGATE pipeline.bin_counts(integer, bigint) (
    SFUNC = pipeline.add_to_bin, STYPE = bigint[], INITCOND = '{0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0}');

CREATE FUNCTION pipeline.add_bins(a bigint[], b bigint[]) RETURNS bigint[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ARRAY(SELECT x + y FROM unnest(a, b) WITH ORDINALITY AS t(x, y, i) ORDER BY i);

CREATE TABLE pipeline.daily_rollup (
    day             date NOT NULL,                 -- UTC day of the post
    company_id      text NOT NULL,
    topic_id        integer,
    topic_model_version text,                      -- with topic_id, finds the label in pipeline.topics
    topic_label     text,                          -- as stored with the posts (the fallback label)
    sentiment_label text,
    posts           bigint NOT NULL,
    scored          bigint NOT NULL,               -- posts with a sentiment score
    score_sum       double precision NOT NULL,
    bins            bigint[] NOT NULL,             -- scored posts per sentiment bin
    CONSTRAINT daily_rollup_key UNIQUE NULLS NOT DISTINCT (day, company_id, topic_id, topic_model_version, topic_label, sentiment_label)
);
CREATE INDEX daily_rollup_company_day ON pipeline.daily_rollup (company_id, day);
-- Groups emptied by updates or deletes; almost always empty, so removing them costs nothing.
CREATE INDEX daily_rollup_empty ON pipeline.daily_rollup (day) WHERE posts = 0;

INSERT INTO pipeline.daily_rollup (day, company_id, topic_id, topic_model_version, topic_label, sentiment_label, posts, scored, score_sum, bins)
SELECT (created_at AT TIME ZONE 'UTC')::date, company_id, topic_id, topic_model_version, topic_label, sentiment_label,
       count(*), count(sentiment_score), coalesce(sum(sentiment_score), 0),
       pipeline.bin_counts(pipeline.sentiment_bin(sentiment_score), 1)
FROM pipeline.scored_posts
GROUP BY 1, 2, 3, 4, 5, 6;

-- Adds the rows of the NEW transition table and takes away those of the OLD one. Sorted, so that two
-- batches committed at once lock rollup rows in the same order and cannot deadlock.
CREATE FUNCTION pipeline.apply_rollup_delta() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    added   constant text := 'SELECT created_at, company_id, topic_id, topic_model_version, topic_label, sentiment_label, sentiment_score, 1::bigint AS sign FROM new_rows';
    removed constant text := 'SELECT created_at, company_id, topic_id, topic_model_version, topic_label, sentiment_label, sentiment_score, -1::bigint AS sign FROM old_rows';
BEGIN
    -- Transition tables are visible to dynamic SQL only under the names the trigger gives them, and an
    -- INSERT trigger has no old_rows: the delta's source depends on the operation.
    EXECUTE format($sql$
        INSERT INTO pipeline.daily_rollup AS r (day, company_id, topic_id, topic_model_version, topic_label, sentiment_label, posts, scored, score_sum, bins)
        SELECT (created_at AT TIME ZONE 'UTC')::date, company_id, topic_id, topic_model_version, topic_label, sentiment_label,
               sum(sign), coalesce(sum(sign) FILTER (WHERE sentiment_score IS NOT NULL), 0), coalesce(sum(sign * sentiment_score), 0),
               pipeline.bin_counts(pipeline.sentiment_bin(sentiment_score), sign)
        FROM (%s) delta
        GROUP BY 1, 2, 3, 4, 5, 6
        ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT ON CONSTRAINT daily_rollup_key DO UPDATE SET
            posts = r.posts + EXCLUDED.posts,
            scored = r.scored + EXCLUDED.scored,
            score_sum = r.score_sum + EXCLUDED.score_sum,
            bins = pipeline.add_bins(r.bins, EXCLUDED.bins)
        $sql$,
        CASE TG_OP WHEN 'INSERT' THEN added WHEN 'DELETE' THEN removed ELSE added || ' UNION ALL ' || removed END);
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM pipeline.daily_rollup WHERE posts = 0;
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION pipeline.clear_rollup() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE pipeline.daily_rollup;
    RETURN NULL;
END
$$;

CREATE TRIGGER scored_posts_rollup_insert AFTER INSERT ON pipeline.scored_posts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pipeline.apply_rollup_delta();
CREATE TRIGGER scored_posts_rollup_update AFTER UPDATE ON pipeline.scored_posts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pipeline.apply_rollup_delta();
CREATE TRIGGER scored_posts_rollup_delete AFTER DELETE ON pipeline.scored_posts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION pipeline.apply_rollup_delta();
CREATE TRIGGER scored_posts_rollup_truncate AFTER TRUNCATE ON pipeline.scored_posts
    FOR EACH STATEMENT EXECUTE FUNCTION pipeline.clear_rollup();

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
LEFT JOIN pipeline.topics t ON t.model_version = r.topic_model_version AND t.topic_id = r.topic_id;

-- Sentiment histogram counts per day, company, topic and label: bin_posts[i] counts the scored posts
-- with a score in [(i - 1) / 20, i / 20) (the last bin includes 1).
CREATE VIEW reporting.daily_sentiment_bins AS
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
LEFT JOIN pipeline.topics t ON t.model_version = r.topic_model_version AND t.topic_id = r.topic_id;

GRANT SELECT ON reporting.daily_counts, reporting.daily_sentiment_bins TO pipeline_reporting;

-- The dashboard reads as the reporting role. An owner without the right to grant roles (no CREATEROLE)
-- is left as it is; the dashboard then reads the same views with the owner's rights.
DO $$
BEGIN
    EXECUTE format('GRANT pipeline_reporting TO %I', current_user);
EXCEPTION
    WHEN insufficient_privilege OR invalid_grant_operation THEN NULL;
END
$$;
