-- The request budget of each provider, one token bucket shared by every fetcher process of
-- a deployment (replicas, a backfill beside the service), so together they stay within the
-- provider's rate limit. `tokens` goes below zero when callers have reserved later slots:
-- each request takes one token in one statement and waits until its slot comes.
CREATE TABLE request_budgets (
    provider   text             PRIMARY KEY,
    tokens     double precision NOT NULL,
    updated_at timestamptz      NOT NULL
);
