-- Data governance (issue 16, docs/data.md): the audit trail of admin actions, tombstones that keep forgotten posts and
-- authors out for good, and pseudonymous reporting. (V013 is retention's.)

-- 1. Audit trail
--
-- One row per admin action (model reloads, forget, export, retention runs), written by AuditTrail. Parameters are
-- JSON with secrets redacted before they get here; caller is the HTTP caller (credential and remote address) or the
-- OS user of a command. Append-only for the service: the writer may insert and read, never change or delete a row.
CREATE TABLE pipeline.audit (
    audit_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    action     text NOT NULL,
    parameters jsonb NOT NULL DEFAULT '{}',
    outcome    text NOT NULL,
    caller     text NOT NULL
);
CREATE INDEX audit_at ON pipeline.audit (at);

-- 2. Tombstones
--
-- What `pipeline forget` removed, as keyed hashes (HMAC-SHA256 with the privacy secret, see 3) of 'author:' and the
-- normalised handle, or 'post:' and the post id: the handle itself is never kept. The sink drops every post whose
-- author or id has one (drop reason 'forgotten'), so a re-read page or a re-imported file does not bring it back.
CREATE TABLE pipeline.tombstones (
    key_hash     bytea PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('author', 'post')),
    forgotten_at timestamptz NOT NULL DEFAULT now()
);

-- 3. The privacy secret when PIPELINE_PSEUDONYM_KEY is unset
--
-- Pseudonyms and tombstones are keyed hashes; the database cannot compute them (it would need the secret in every
-- query), so the service does, at write time. Its secret comes from PIPELINE_PSEUDONYM_KEY; without it, from this
-- row: 256 random bits made once per database, readable by the owner and the writer only (not the reporting role).
-- Either way it must never change: pseudonyms would change and tombstones stop matching.
CREATE TABLE pipeline.privacy_key (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    secret     bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO pipeline.privacy_key (secret)
SELECT decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex');

-- 4. Pseudonyms
--
-- Written by the sink with every raw row: 'anon-' and 16 hex digits of HMAC-SHA256 of the normalised handle (the
-- same author gets the same pseudonym on every day, in every batch and on every node). Rows stored before this
-- migration are filled in by the service at start-up (PseudonymBackfill); the partial index finds them at no cost
-- to the sink, whose rows always have one.
ALTER TABLE pipeline.raw_posts ADD COLUMN author_pseudonym text;
CREATE INDEX raw_posts_without_pseudonym ON pipeline.raw_posts (post_id) WHERE author_pseudonym IS NULL;

-- The reporting views show the pseudonym where they showed the handle. The column keeps its name and place
-- (CREATE OR REPLACE VIEW may not rename one, and Tableau workbooks and the dashboard name it); it never holds the
-- handle now. The post's URL named the author too (x.com/HANDLE/status/ID): the views give the handle-free form
-- x.com/i/web/status/ID instead, which opens the same post.
CREATE OR REPLACE VIEW reporting.posts AS
SELECT s.post_id,
       s.company_id,
       c.display_name                                        AS company,
       c.country,
       c.industry,
       r.source,
       r.author_pseudonym                                    AS author_handle,
       r.text,
       s.clean_text,
       r.created_at,
       (r.created_at AT TIME ZONE 'UTC')::date               AS day,
       date_trunc('week', r.created_at AT TIME ZONE 'UTC')::date AS week,
       r.likes,
       r.retweets,
       r.replies,
       r.quotes,
       CASE WHEN r.url IS NOT NULL THEN 'https://x.com/i/web/status/' || r.post_id END AS url,
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
       r.author_pseudonym                      AS author_handle,
       r.text,
       (r.created_at AT TIME ZONE 'UTC')::text AS created_at,
       r.drop_reason,
       r.failed_stage,
       r.fetched_at,
       r.first_stored_at,
       r.language
FROM pipeline.raw_posts r
WHERE NOT pipeline.reportable_day((r.created_at AT TIME ZONE 'UTC')::date);

-- 5. Real handles, for those explicitly granted them
--
-- pipeline_identified may read identified.posts: every column of reporting.posts, then the real handle and URL.
-- Nobody is a member unless a DBA grants it (GRANT pipeline_identified TO some_login); the reporting role is not, and
-- has no right on this schema.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pipeline_identified') THEN
        CREATE ROLE pipeline_identified NOLOGIN;
    END IF;
EXCEPTION
    WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;

CREATE SCHEMA identified;
CREATE VIEW identified.posts AS
SELECT p.*,
       r.author_handle AS real_author_handle,
       r.author_id     AS real_author_id,
       r.url           AS real_url
FROM reporting.posts p
JOIN pipeline.raw_posts r ON r.post_id = p.post_id;

REVOKE ALL ON SCHEMA identified FROM PUBLIC;
GRANT USAGE ON SCHEMA identified TO pipeline_identified;
GRANT SELECT ON identified.posts TO pipeline_identified;

-- 6. Forgetting
--
-- The writer may not delete posts (least privilege, LeastPrivilegeSpecs): a forget (DataSubjects.ForgetAsync, run by the
-- service's admin endpoint or the CLI, each audited) deletes through this function, which runs with the owner's rights
-- and removes exactly the posts given: their scored rows first (the rollup trigger takes them out of the daily, hourly
-- and minute rollups, which stay equal to a fresh aggregate), their raw rows (drop_counts taken down by the dropped
-- ones among them), and the quarantine entries with their ids, or with the given post id, or whose payload matches the
-- given pattern (the author's handle as a word). The tombstones are the caller's, in the same transaction.
CREATE FUNCTION pipeline.forget_posts(ids bigint[], post_id bigint, payload_pattern text,
                                      OUT scored_rows bigint, OUT raw_rows bigint, OUT quarantine_rows bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
    DELETE FROM pipeline.scored_posts s WHERE s.post_id = ANY(ids);
    GET DIAGNOSTICS scored_rows = ROW_COUNT;

    WITH gone AS (
        DELETE FROM pipeline.raw_posts r WHERE r.post_id = ANY(ids) RETURNING r.company_id, r.created_at, r.drop_reason
    ), dropped AS (
        SELECT coalesce(g.company_id, '') AS company_id, (g.created_at AT TIME ZONE 'UTC')::date AS day, g.drop_reason AS reason,
               count(*) AS posts
        FROM gone g WHERE g.drop_reason IS NOT NULL GROUP BY 1, 2, 3
    ), counted AS (
        UPDATE pipeline.drop_counts d SET posts = d.posts - dropped.posts
        FROM dropped
        WHERE d.company_id = dropped.company_id AND d.day = dropped.day AND d.reason = dropped.reason
    )
    SELECT count(*) INTO raw_rows FROM gone;
    DELETE FROM pipeline.drop_counts d WHERE d.posts = 0;

    DELETE FROM pipeline.quarantine q
    WHERE q.post_id = ANY(ids)
       OR q.post_id = forget_posts.post_id
       OR (payload_pattern IS NOT NULL AND q.payload ~* payload_pattern);
    GET DIAGNOSTICS quarantine_rows = ROW_COUNT;
END
$$;
REVOKE ALL ON FUNCTION pipeline.forget_posts(bigint[], bigint, text) FROM PUBLIC;
