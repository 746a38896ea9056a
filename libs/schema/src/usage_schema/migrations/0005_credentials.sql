-- Provider admin keys, encrypted by the fetcher (usage_fetcher.vault): only ciphertext is
-- stored. The ciphertext's associated data binds it to provider, name, organization and
-- base URL, so copying it to another row, or pointing a row at another host, makes it
-- undecryptable instead of sending the key elsewhere.
CREATE TABLE provider_credentials (
    name            text        PRIMARY KEY,
    provider        text        NOT NULL CHECK (provider IN ('anthropic', 'openai')),
    organization_id text        NOT NULL,
    base_url        text,
    ciphertext      bytea       NOT NULL,
    key_id          text        NOT NULL,
    key_hint        text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    -- Two credentials for one organization would write the same rows twice, and two
    -- organizations under one id would overwrite each other's rows.
    UNIQUE (provider, organization_id)
);
