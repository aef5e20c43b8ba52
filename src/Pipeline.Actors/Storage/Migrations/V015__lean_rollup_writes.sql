-- Fewer index writes per stored post (issue 15, the import at the graph's speed; measured with the `import` benchmark's
-- --sql-profile). The rollup trigger writes about one hourly_rollup row per kept post when posts are spread thinly over
-- the hours, as an import of a year's history is, and each such row went into three indexes. hourly_rollup_hour
-- (hour) repeats the leading column of the hourly_rollup_key unique index, which serves every range over hour the
-- alert detector, the retention purge and the dashboard read; only the partial index of emptied groups stays beside it.
DROP INDEX IF EXISTS pipeline.hourly_rollup_hour;
