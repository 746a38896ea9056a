-- Canonical usage events, schema v1. One row per provider bucket x dimension combination.
-- Partitioned by month of window_start: retention drops a partition, never a mass DELETE.
CREATE TABLE usage_events (
    dedupe_key                  text        NOT NULL,
    provider                    text        NOT NULL,
    organization_id             text        NOT NULL,
    source                      text        NOT NULL,
    usage_type                  text        NOT NULL,
    bucket_width                text        NOT NULL,
    window_start                timestamptz NOT NULL,
    window_end                  timestamptz NOT NULL,
    project_id                  text,
    api_key_id                  text,
    user_id                     text,
    model                       text,
    service_tier                text,
    batch                       boolean,
    context_window              text,
    inference_geo               text,
    dimensions                  jsonb       NOT NULL DEFAULT '{}',
    input_tokens                bigint      NOT NULL,
    input_uncached_tokens       bigint      NOT NULL,
    input_cache_read_tokens     bigint      NOT NULL,
    input_cache_write_tokens    bigint      NOT NULL,
    input_cache_write_5m_tokens bigint      NOT NULL,
    input_cache_write_1h_tokens bigint      NOT NULL,
    output_tokens               bigint      NOT NULL,
    requests                    bigint,
    web_search_requests         bigint,
    token_details               jsonb       NOT NULL DEFAULT '{}',
    cost_usd                    numeric,
    cost_source                 text,
    fetched_at                  timestamptz NOT NULL,
    inserted_at                 timestamptz NOT NULL DEFAULT now(),
    updated_at                  timestamptz NOT NULL DEFAULT now(),
    -- The key must contain the partition column; window_start is part of the identity anyway.
    PRIMARY KEY (dedupe_key, window_start),
    CONSTRAINT input_partition CHECK (
        input_tokens = input_uncached_tokens + input_cache_read_tokens + input_cache_write_tokens
    ),
    CONSTRAINT cache_write_split CHECK (
        input_cache_write_5m_tokens + input_cache_write_1h_tokens <= input_cache_write_tokens
    ),
    CONSTRAINT cost_labeled CHECK ((cost_usd IS NULL) = (cost_source IS NULL))
) PARTITION BY RANGE (window_start);

CREATE INDEX usage_events_provider_window ON usage_events (provider, window_start);
CREATE INDEX usage_events_model_window ON usage_events (model, window_start);
