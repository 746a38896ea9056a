-- Endpoint units (images, characters, seconds, usage_bytes, num_sessions) on usage rows.
ALTER TABLE usage_events ADD COLUMN units jsonb NOT NULL DEFAULT '{}';

-- Provider cost reports: the money of record, exact USD.
CREATE TABLE cost_events (
    dedupe_key      text        PRIMARY KEY,
    provider        text        NOT NULL,
    organization_id text        NOT NULL,
    source          text        NOT NULL,
    bucket_width    text        NOT NULL,
    window_start    timestamptz NOT NULL,
    window_end      timestamptz NOT NULL,
    project_id      text,
    api_key_id      text,
    line_item       text,
    model           text,
    cost_type       text,
    token_type      text,
    service_tier    text,
    context_window  text,
    inference_geo   text,
    dimensions      jsonb       NOT NULL DEFAULT '{}',
    cost_usd      numeric     NOT NULL,
    currency        text        NOT NULL,
    amount_reported text        NOT NULL,
    quantity        numeric,
    quantity_unit   text,
    list_price_usd  numeric,
    fetched_at      timestamptz NOT NULL,
    inserted_at     timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cost_events_provider_window ON cost_events (provider, window_start);

-- Claude Code per actor and UTC day; tokens kept apart from usage_events (see docs).
CREATE TABLE claude_code_usage (
    dedupe_key        text        PRIMARY KEY,
    provider          text        NOT NULL,
    organization_id   text        NOT NULL,
    source            text        NOT NULL,
    day_start         timestamptz NOT NULL,
    actor_type        text        NOT NULL,
    actor_id          text        NOT NULL,
    customer_type     text,
    terminal_type     text,
    subscription_type text,
    is_remote         boolean,
    num_sessions      bigint      NOT NULL,
    lines_added       bigint      NOT NULL,
    lines_removed     bigint      NOT NULL,
    commits           bigint      NOT NULL,
    pull_requests     bigint      NOT NULL,
    tool_actions      jsonb       NOT NULL DEFAULT '{}',
    models            jsonb       NOT NULL DEFAULT '[]',
    fetched_at        timestamptz NOT NULL,
    inserted_at       timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX claude_code_usage_day ON claude_code_usage (day_start);
