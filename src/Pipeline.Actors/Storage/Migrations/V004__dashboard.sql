-- What the built-in dashboard needs beyond the views of V002: the sentiment histogram (Tableau can
-- use it too), and membership of the reporting role for the service's own user, so that the dashboard
-- reads the views as that role and cannot reach anything else.

-- Sentiment scores in 20 bins of 0.05 (bin 0: [0, 0.05), ..., bin 19: [0.95, 1]); null bin: not scored.
-- Per day, company and topic, so the dashboard's filters apply before the bins are summed.
CREATE VIEW reporting.daily_sentiment_bins AS
SELECT (s.created_at AT TIME ZONE 'UTC')::date                                     AS day,
       s.company_id,
       c.display_name                                                               AS company,
       s.topic_id,
       s.topic_label,
       greatest(0, least(19, floor(s.sentiment_score * 20)))::integer               AS bin,
       count(*)                                                                     AS posts
FROM pipeline.scored_posts s
JOIN pipeline.companies c ON c.company_id = s.company_id
GROUP BY 1, 2, 3, 4, 5, 6;

GRANT SELECT ON reporting.daily_sentiment_bins TO pipeline_reporting;

-- The owner may lack the right to grant roles (no CREATEROLE); the dashboard then falls back to its own rights.
DO $$
BEGIN
    EXECUTE format('GRANT pipeline_reporting TO %I', current_user);
EXCEPTION
    WHEN insufficient_privilege OR invalid_grant_operation THEN NULL;
END
$$;
