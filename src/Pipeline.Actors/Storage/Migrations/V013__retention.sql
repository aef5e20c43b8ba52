-- Retention (pipeline.retention, docs/data.md#retention-for-how-long): what the scheduled purge reads to find the posts past their period,
-- oldest first, without scanning the post tables.
--
-- V005 dropped every created_at index on the post tables to spare the sink index writes. The purge needs one back, but only
-- one per row: kept and dropped posts have periods of their own, so each has a partial index and a post is in exactly one
-- of them (the sink never changes a stored row's drop_reason). Without the split, a purge of dropped posts under a kept-post
-- period of `forever` would step over every old kept post on every batch. Quarantine has its index since V001
-- (quarantine_when).
CREATE INDEX raw_posts_kept_created ON pipeline.raw_posts (created_at) WHERE drop_reason IS NULL;
CREATE INDEX raw_posts_dropped_created ON pipeline.raw_posts (created_at) WHERE drop_reason IS NOT NULL;

-- The purge takes the posts it removes off drop_counts, as the rollup trigger does for daily_rollup; a count that reaches
-- zero is deleted. Almost always empty, so finding those costs nothing (as daily_rollup_empty).
CREATE INDEX drop_counts_empty ON pipeline.drop_counts (day) WHERE posts <= 0;
