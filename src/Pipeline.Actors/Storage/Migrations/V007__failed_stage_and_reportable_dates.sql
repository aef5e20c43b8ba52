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

