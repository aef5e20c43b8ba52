-- Retrained topic models, file by file (docs/topic-retraining.md): the node that retrains writes the accepted model's
-- folder here as well as under its own models root, and a node that is asked to load a retrained version it does not
-- have on disk (another node trained it, or its disk was replaced) writes the folder back from here first. The models
-- root then needs to be writable on each node, not shared between them. A model is about 100 KB.
CREATE TABLE pipeline.topic_model_files (
    model_version   text NOT NULL,
    file_name       text NOT NULL CHECK (file_name <> '' AND file_name !~ '[/\\]' AND file_name NOT IN ('.', '..')),
    content         bytea NOT NULL,
    stored_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (model_version, file_name)
);
