-- Indexes on the post tables that no query reads any more, dropped so that every stored post costs
-- fewer index writes. Since V004 the daily and weekly numbers come from pipeline.daily_rollup, so V001's
-- covering indexes (built for index-only aggregates over scored_posts) only slowed the sink. Checked
-- with EXPLAIN (ANALYZE, BUFFERS) and index scan counts on a million posts (`dashboard --explain`):
-- every dashboard query, the reporting views, train-topics --from-database and the sink's upserts use
-- the primary keys and the rollup's indexes only.
--
-- reporting.posts exposes raw_posts.created_at (not scored_posts.created_at), and its day column is an
-- expression over it: neither created_at index could serve a date filter on the view.
DROP INDEX IF EXISTS pipeline.scored_posts_created_cover;
DROP INDEX IF EXISTS pipeline.raw_posts_company_created;
-- Dropped posts are counted in pipeline.drop_counts; nothing reads them back from raw_posts by reason.
DROP INDEX IF EXISTS pipeline.raw_posts_dropped;

-- The one question that filters posts by company is the dashboard feed for one company, newest first:
-- (company_id, post_id) hands it the newest posts of that company in order, however few it has, at a
-- fraction of the covering index's size (no included columns, and rescoring no longer touches it).
DROP INDEX IF EXISTS pipeline.scored_posts_company_created;
CREATE INDEX scored_posts_company_post ON pipeline.scored_posts (company_id, post_id);
