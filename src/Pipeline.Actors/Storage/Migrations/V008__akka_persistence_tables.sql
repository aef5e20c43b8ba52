-- The scrapers' journal, snapshot and tag tables (Akka.Persistence.Sql, provider PostgreSQL15, default names in the
-- public schema), made by the owner so that the service can run as a writer that may not create tables: the journal
-- runs with auto-initialize off. The DDL is what Akka.Persistence.Sql 1.5 itself creates (pg_dump of a database it
-- initialised); IF NOT EXISTS keeps databases whose tables it already made working as they are.

CREATE TABLE IF NOT EXISTS public.journal (
    ordering        bigint GENERATED ALWAYS AS IDENTITY,
    created         bigint  NOT NULL,
    deleted         boolean NOT NULL,
    persistence_id  text    NOT NULL,
    sequence_number bigint  NOT NULL,
    message         bytea   NOT NULL,
    manifest        text,
    identifier      integer,
    writer_uuid     text,
    CONSTRAINT "PK_journal" PRIMARY KEY (ordering),
    CONSTRAINT journal_uq UNIQUE (persistence_id, sequence_number)
);
CREATE INDEX IF NOT EXISTS journal_created_idx ON public.journal (created);
CREATE INDEX IF NOT EXISTS journal_sequence_number_idx ON public.journal (sequence_number);

CREATE TABLE IF NOT EXISTS public.snapshot (
    persistence_id  text   NOT NULL,
    sequence_number bigint NOT NULL,
    created         bigint NOT NULL,
    snapshot        bytea,
    manifest        text,
    serializer_id   integer,
    CONSTRAINT "PK_snapshot" PRIMARY KEY (persistence_id, sequence_number)
);
CREATE INDEX IF NOT EXISTS snapshot_created_idx ON public.snapshot (created);
CREATE INDEX IF NOT EXISTS snapshot_sequence_number_idx ON public.snapshot (sequence_number);

CREATE TABLE IF NOT EXISTS public.tags (
    ordering_id    bigint NOT NULL,
    tag            text   NOT NULL,
    sequence_nr    bigint NOT NULL,
    persistence_id text   NOT NULL,
    CONSTRAINT "PK_tags" PRIMARY KEY (ordering_id, tag)
);
CREATE INDEX IF NOT EXISTS tags_persistence_id_sequence_nr_idx ON public.tags (persistence_id, sequence_nr);
CREATE INDEX IF NOT EXISTS tags_tag_idx ON public.tags (tag);
