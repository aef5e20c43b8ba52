-- The retention purge (docs/data.md#how-the-purge-runs, RetentionStore) deletes through these functions, which run with
-- the owner's rights as V014's forget_posts does, so the writer never holds DELETE on the post tables, drop_counts or
-- quarantine. Before, the owner set-up granted that DELETE by the retention settings of whichever command ran it last:
-- `pipeline migrate` with retention off took it back from a service with retention on, whose purge then failed on every
-- run until set-up was run again.
--
-- Each call removes one batch and returns how many rows it removed; it is one statement, so one short transaction, and
-- the rows it picks stay locked until it commits. A call that picks nothing does nothing more: that is every call of a
-- run with nothing past its period. Rows are picked through V013's indexes, oldest first, with
-- FOR UPDATE SKIP LOCKED: a row a sink batch holds is left for the next run rather than waited for. forget_posts is not
-- reused for the deletes: it takes no rollup locks and removes the quarantine entries of its posts, which retention keeps
-- for their own period.
--
-- search_path ends in pg_temp: left out, PostgreSQL searches the caller's temporary schema *first* for tables and types,
-- and the writer may create temporary objects (its COPY staging tables). A temporary type named date with a cast to it
-- would then run the caller's function with the owner's rights at every ::date below. V014's forget_posts gets the same.
--
-- The arguments are checked: a null or out-of-range batch size would remove everything past the cut-off in one long
-- transaction (LIMIT NULL is no limit), against the small transactions the purge promises the sink.
--
-- plan_cache_mode: PL/pgSQL keeps a generic plan after a few calls; the picks are planned for the actual cut-off and batch
-- size each time, as they were when the service sent them.
--
-- Only CREATE OR REPLACE, REVOKE and ALTER FUNCTION ... SET, so running this script again changes nothing.

CREATE OR REPLACE FUNCTION pipeline.check_purge_arguments(cutoff timestamptz, batch_size integer) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF cutoff IS NULL OR batch_size IS NULL OR batch_size NOT BETWEEN 1 AND 100000 THEN
        RAISE EXCEPTION 'purge: cutoff % and batch size % (1 to 100000) must be given', cutoff, batch_size
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
END
$$;

-- Kept posts: their scored rows first (the rollup triggers take them out of the daily, hourly and minute rollups, which stay
-- equal to a fresh aggregate), then their raw rows. Before deleting, the sink's per-(company, day) rollup advisory locks
-- (PostStore.LockRollupKeys, issue 12: class 1919904876 = PostStore.RollupLockClass) are taken in the same ascending key
-- order, so the purge and the sink update rollup rows in one order and cannot deadlock.
CREATE OR REPLACE FUNCTION pipeline.purge_kept_posts(cutoff timestamptz, batch_size integer, OUT removed bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET plan_cache_mode = force_custom_plan AS $$
DECLARE
    ids bigint[];
BEGIN
    PERFORM pipeline.check_purge_arguments(cutoff, batch_size);
    ids := ARRAY(SELECT r.post_id FROM pipeline.raw_posts r
                 WHERE r.drop_reason IS NULL AND r.created_at < cutoff
                 ORDER BY r.created_at
                 LIMIT batch_size
                 FOR UPDATE SKIP LOCKED);
    IF cardinality(ids) = 0 THEN
        removed := 0;
        RETURN;
    END IF;
    PERFORM count(pg_advisory_xact_lock(1919904876, keys.key))
    FROM (SELECT DISTINCT hashtext(s.company_id || '/' || (s.created_at AT TIME ZONE 'UTC')::date) AS key
          FROM pipeline.scored_posts s WHERE s.post_id = ANY(ids)
          ORDER BY 1 OFFSET 0) keys;
    DELETE FROM pipeline.scored_posts s WHERE s.post_id = ANY(ids);
    DELETE FROM pipeline.raw_posts r WHERE r.post_id = ANY(ids);
    GET DIAGNOSTICS removed = ROW_COUNT;
END
$$;
REVOKE ALL ON FUNCTION pipeline.purge_kept_posts(timestamptz, integer) FROM PUBLIC;

-- Dropped posts: their raw rows, taken off drop_counts in the same statement, sorted as the sink sorts its increments; a
-- count that reaches zero goes (through V013's drop_counts_empty), and so does one below zero, which means drop_counts had
-- missed the post.
CREATE OR REPLACE FUNCTION pipeline.purge_dropped_posts(cutoff timestamptz, batch_size integer, OUT removed bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET plan_cache_mode = force_custom_plan AS $$
DECLARE
    ids bigint[];
BEGIN
    PERFORM pipeline.check_purge_arguments(cutoff, batch_size);
    ids := ARRAY(SELECT r.post_id FROM pipeline.raw_posts r
                 WHERE r.drop_reason IS NOT NULL AND r.created_at < cutoff
                 ORDER BY r.created_at
                 LIMIT batch_size
                 FOR UPDATE SKIP LOCKED);
    IF cardinality(ids) = 0 THEN
        removed := 0;
        RETURN;
    END IF;
    WITH gone AS (
        DELETE FROM pipeline.raw_posts r WHERE r.post_id = ANY(ids) RETURNING r.company_id, r.created_at, r.drop_reason
    ), counted AS (
        INSERT INTO pipeline.drop_counts AS d (company_id, day, reason, posts)
        SELECT coalesce(g.company_id, ''), (g.created_at AT TIME ZONE 'UTC')::date, g.drop_reason, -count(*)
        FROM gone g
        GROUP BY 1, 2, 3
        ORDER BY 1, 2, 3
        ON CONFLICT (company_id, day, reason) DO UPDATE SET posts = d.posts + EXCLUDED.posts
    )
    SELECT count(*) INTO removed FROM gone;
    DELETE FROM pipeline.drop_counts d WHERE d.posts <= 0;
END
$$;
REVOKE ALL ON FUNCTION pipeline.purge_dropped_posts(timestamptz, integer) FROM PUBLIC;

-- Quarantine entries, through V001's quarantine_when.
CREATE OR REPLACE FUNCTION pipeline.purge_quarantine(cutoff timestamptz, batch_size integer, OUT removed bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET plan_cache_mode = force_custom_plan AS $$
BEGIN
    PERFORM pipeline.check_purge_arguments(cutoff, batch_size);
    DELETE FROM pipeline.quarantine q
    WHERE q.quarantine_id IN (SELECT p.quarantine_id FROM pipeline.quarantine p
                              WHERE p.quarantined_at < cutoff
                              ORDER BY p.quarantined_at
                              LIMIT batch_size
                              FOR UPDATE SKIP LOCKED);
    GET DIAGNOSTICS removed = ROW_COUNT;
END
$$;
REVOKE ALL ON FUNCTION pipeline.purge_quarantine(timestamptz, integer) FROM PUBLIC;

ALTER FUNCTION pipeline.forget_posts(bigint[], bigint, text) SET search_path = pg_catalog, pg_temp;
