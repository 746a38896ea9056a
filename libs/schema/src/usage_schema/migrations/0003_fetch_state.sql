-- The fetcher's state: where each credential x endpoint stands, what every fetch did,
-- and how far a backfill got. Nothing here holds a secret.

-- End of the last window fully fetched (every page published), per credential x endpoint
-- x bucket width. A restart resumes from here minus the endpoint's trailing re-fetch.
CREATE TABLE fetch_watermarks (
    credential_id   text        NOT NULL,
    provider        text        NOT NULL,
    endpoint        text        NOT NULL,
    bucket_width    text        NOT NULL,
    fetched_until   timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (credential_id, endpoint, bucket_width)
);

-- One row per fetch of one credential x endpoint window: a polling cycle, a backfill
-- chunk, a triggered run or `up --once`.
CREATE TABLE ingestion_runs (
    id              bigserial   PRIMARY KEY,
    run_id          text        NOT NULL,
    trigger         text        NOT NULL,
    credential_id   text        NOT NULL,
    organization_id text        NOT NULL,
    provider        text        NOT NULL,
    endpoint        text        NOT NULL,
    bucket_width    text        NOT NULL,
    window_start    timestamptz NOT NULL,
    window_end      timestamptz NOT NULL,
    started_at      timestamptz NOT NULL,
    finished_at     timestamptz,
    pages           integer     NOT NULL DEFAULT 0,
    records         integer     NOT NULL DEFAULT 0,
    requests        integer     NOT NULL DEFAULT 0,
    retries         integer     NOT NULL DEFAULT 0,
    rate_limited    integer     NOT NULL DEFAULT 0,
    errors_by_code  jsonb       NOT NULL DEFAULT '{}',
    outcome         text        NOT NULL DEFAULT 'running',
    error           text,
    CONSTRAINT outcome_known CHECK (outcome IN ('running', 'ok', 'error', 'skipped'))
);
CREATE INDEX ingestion_runs_started ON ingestion_runs (started_at DESC);
CREATE INDEX ingestion_runs_run_id ON ingestion_runs (run_id);

-- A backfill is planned into chunks (one request window each); a chunk records the cursor
-- of its next page after every published page, so a killed backfill resumes without
-- repeating a completed request.
CREATE TABLE backfill_chunks (
    backfill_id     text        NOT NULL,
    credential_id   text        NOT NULL,
    endpoint        text        NOT NULL,
    window_start    timestamptz NOT NULL,
    window_end      timestamptz NOT NULL,
    bucket_width    text        NOT NULL,
    pages           integer     NOT NULL DEFAULT 0,
    next_cursor     text,
    done            boolean     NOT NULL DEFAULT false,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (backfill_id, credential_id, endpoint, window_start)
);
