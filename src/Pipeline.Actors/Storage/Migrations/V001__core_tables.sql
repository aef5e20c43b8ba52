-- Core tables. Every collected post lands in raw_posts (with its drop reason when cleaning
-- dropped it), kept posts get a row in scored_posts that later stages fill with scores.
--
-- No foreign keys on the two post tables: their per-row trigger checks made the sink three
-- times slower. The sink keeps them consistent instead (scored rows are written in the same
-- transaction as their raw row; company ids come from the synced companies table).

CREATE TABLE pipeline.companies (
    company_id   text PRIMARY KEY,
    display_name text NOT NULL,
    handles      text[] NOT NULL DEFAULT '{}',
    search_terms text[] NOT NULL DEFAULT '{}',
    country      text NOT NULL,
    industry     text NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE pipeline.raw_posts (
    post_id         bigint PRIMARY KEY,            -- the platform's status id
    company_id      text,                           -- null: about none of the companies
    source          text NOT NULL,
    author_id       text,
    author_handle   text NOT NULL,
    text            text NOT NULL,
    -- A post older than the platform is corrupt input; the sink quarantines it.
    created_at      timestamptz NOT NULL CHECK (created_at >= '2006-03-21'),
    likes           integer NOT NULL DEFAULT 0,
    retweets        integer NOT NULL DEFAULT 0,
    replies         integer NOT NULL DEFAULT 0,
    quotes          integer NOT NULL DEFAULT 0,
    url             text,
    lang            text,
    is_retweet      boolean NOT NULL DEFAULT false,
    is_reply        boolean NOT NULL DEFAULT false,
    fetched_at      timestamptz NOT NULL,
    drop_reason     text,                           -- null: kept
    first_stored_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX raw_posts_company_created ON pipeline.raw_posts (company_id, created_at);
CREATE INDEX raw_posts_dropped ON pipeline.raw_posts (drop_reason, company_id) WHERE drop_reason IS NOT NULL;

CREATE TABLE pipeline.scored_posts (
    post_id                 bigint PRIMARY KEY,     -- = raw_posts.post_id
    company_id              text NOT NULL,
    created_at              timestamptz NOT NULL,   -- copied from raw_posts so reporting indexes cover it
    clean_text              text NOT NULL,
    sentiment_text          text NOT NULL,
    topic_tokens            text[] NOT NULL DEFAULT '{}',
    topic_id                integer,
    topic_label             text,
    topic_confidence        real,
    topic_model_version     text,
    sentiment_label         text CHECK (sentiment_label IN ('negative', 'neutral', 'positive')),
    p_negative              real,
    p_neutral               real,
    p_positive              real,
    sentiment_score         real,
    sentiment_model_version text,
    scored_at               timestamptz,
    stored_at               timestamptz NOT NULL DEFAULT now()
);
-- Covering indexes: the reporting aggregates become index-only scans at millions of rows.
CREATE INDEX scored_posts_created_cover ON pipeline.scored_posts (created_at)
    INCLUDE (company_id, topic_id, topic_label, sentiment_label, sentiment_score);
CREATE INDEX scored_posts_company_created ON pipeline.scored_posts (company_id, created_at)
    INCLUDE (topic_id, topic_label, sentiment_label, sentiment_score);

-- Posts dropped by cleaning, counted once per post (re-importing a file does not count twice).
CREATE TABLE pipeline.drop_counts (
    company_id text NOT NULL,                        -- '' when the post concerned none of the companies
    day        date NOT NULL,                        -- UTC day of the post
    reason     text NOT NULL,
    posts      bigint NOT NULL,
    PRIMARY KEY (company_id, day, reason)
);

-- Items that failed processing, with the error; fingerprint keeps a replay from adding the same item twice.
CREATE TABLE pipeline.quarantine (
    quarantine_id  bigserial PRIMARY KEY,
    source         text NOT NULL,
    location       text NOT NULL,
    error          text NOT NULL,
    payload        text,
    post_id        bigint,
    company_id     text,
    fingerprint    text NOT NULL UNIQUE,
    quarantined_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX quarantine_when ON pipeline.quarantine (quarantined_at);
