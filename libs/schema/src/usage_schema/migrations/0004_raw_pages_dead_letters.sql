-- Raw pages as fetched, for replay in the one-process mode (on Kafka, usage.raw.v1 is the
-- archive). The window is derived from the request (usage_common.page_window); a console
-- CSV chunk has none, and a null window overlaps every replay range.
CREATE TABLE raw_pages (
    page_id         text        PRIMARY KEY,
    provider        text        NOT NULL,
    organization_id text        NOT NULL,
    credential_id   text        NOT NULL,
    source          text        NOT NULL,
    endpoint        text        NOT NULL,
    window_start    timestamptz,
    window_end      timestamptz,
    fetched_at      timestamptz NOT NULL,
    page            bytea       NOT NULL,  -- the encoded RawPage, byte for byte
    archived_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX raw_pages_provider_window ON raw_pages (provider, window_start);
CREATE INDEX raw_pages_fetched_at ON raw_pages (fetched_at);

-- Dead letters of every stage, in both modes, so `dlq list|show|redrive` read one table.
-- `letter_key` is a hash of the dead-letter message: a redelivered DLQ record is one row.
CREATE TABLE dead_letters (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    letter_key      text        NOT NULL UNIQUE,
    page_id         text,
    stage           text        NOT NULL,
    reason          text        NOT NULL,
    errors          jsonb       NOT NULL DEFAULT '[]',
    provider        text,
    endpoint        text,
    source_topic    text        NOT NULL,
    original        bytea       NOT NULL,  -- the message the stage could not process
    dead_lettered_at timestamptz NOT NULL,
    archived_at     timestamptz NOT NULL DEFAULT now(),
    redriven_at     timestamptz
);
CREATE INDEX dead_letters_dead_lettered_at ON dead_letters (dead_lettered_at);
