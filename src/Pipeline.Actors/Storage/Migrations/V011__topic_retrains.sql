-- Scheduled topic retraining (docs/topic-retraining.md): one row per run, written by the node that held the retrain
-- lock. A run is recorded when it starts (outcome 'running'), so a second node sees it at once, and finished with the
-- gate's numbers. A start-up reads the latest swapped-in model from here, so a restart does not go back to the
-- configured one.
CREATE TABLE pipeline.topic_retrains (
    retrain_id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started_at                timestamptz NOT NULL DEFAULT now(),
    finished_at               timestamptz,
    node                      text NOT NULL,              -- the cluster member that ran it
    trigger                   text NOT NULL CHECK (trigger IN ('schedule', 'requested')),
    window_start              timestamptz NOT NULL,       -- posts created in [window_start, window_end) were read
    window_end                timestamptz NOT NULL,
    documents                 integer,                    -- posts read (newest first, at most max-posts)
    current_version           text NOT NULL,              -- the model in use when it started
    candidate_version         text,
    outcome                   text NOT NULL CHECK (outcome IN ('running', 'accepted', 'rejected', 'failed', 'interrupted')),
    accepted                  boolean,                    -- the gate's verdict; null until it gave one
    swapped                   boolean,                    -- the candidate scores on this node now (accepted and reloaded)
    reason                    text,                       -- the gate's sentence, or what went wrong
    current_cv                double precision,
    candidate_cv              double precision,
    current_unclassified      double precision,           -- share of the window's posts left Unclassified
    candidate_unclassified    double precision,
    topics_kept               integer,
    topics_new                integer,
    topics_retired            integer,
    model_folder              text,                       -- relative to pipeline.http.models-root
    rescored_posts            bigint,
    CHECK (window_start <= window_end),
    CHECK (outcome = 'running' OR finished_at IS NOT NULL)
);
CREATE INDEX topic_retrains_started ON pipeline.topic_retrains (started_at);

-- For Tableau and the dashboard's note. Shares are fractions (0.12 = 12 %).
CREATE VIEW reporting.topic_retrains AS
SELECT retrain_id,
       started_at,
       finished_at,
       extract(epoch FROM finished_at - started_at)::double precision AS seconds,
       node,
       trigger,
       window_start,
       window_end,
       documents,
       current_version,
       candidate_version,
       outcome,
       accepted,
       swapped,
       reason,
       current_cv,
       candidate_cv,
       current_unclassified,
       candidate_unclassified,
       topics_kept,
       topics_new,
       topics_retired,
       rescored_posts,
       retrain_id = (SELECT max(l.retrain_id) FROM pipeline.topic_retrains l WHERE l.outcome <> 'running') AS is_latest
FROM pipeline.topic_retrains;

GRANT SELECT ON reporting.topic_retrains TO pipeline_reporting;
