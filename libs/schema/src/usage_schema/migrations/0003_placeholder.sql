-- Placeholder for 0003_credentials.sql (built on another branch); dropped at merge.
-- A statement is needed: asyncpg cannot execute a comment-only script.
SELECT 1;
