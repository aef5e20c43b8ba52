-- Indexes on the post tables that no query reads any more, dropped so that every stored post costs
-- fewer index writes (and a rescore, which changes topic and sentiment columns, can be a HOT update).
-- Since V004 the daily and weekly numbers come from pipeline.daily_rollup, so V001's covering indexes
-- (built for index-only aggregates over scored_posts) only slowed the sink. Checked with
-- EXPLAIN (ANALYZE, BUFFERS) and index scan counts on a million posts (`dashboard --explain` in the
-- benchmarks): every dashboard query, the reporting views, train-topics --from-database, the sink's
-- upserts and the rollup trigger use the primary keys and the rollup's own indexes only.
--
-- reporting.posts exposes raw_posts.created_at (not scored_posts.created_at) and its day column is an
-- expression over it, so neither created_at index could serve a date filter on the view. A company filter
-- reads a tenth of the posts, which the planner rightly does by sequential scan: the dashboard's feed
-- for one company walks the primary key newest first instead.
DROP INDEX IF EXISTS pipeline.scored_posts_created_cover;
DROP INDEX IF EXISTS pipeline.scored_posts_company_created;
DROP INDEX IF EXISTS pipeline.raw_posts_company_created;
-- Dropped posts are counted in pipeline.drop_counts; nothing reads them back from raw_posts by reason.
DROP INDEX IF EXISTS pipeline.raw_posts_dropped;
