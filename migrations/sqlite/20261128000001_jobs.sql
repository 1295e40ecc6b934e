-- Durable background jobs (an outbox): written in the same transaction as the change that
-- causes the work, run by workers with leases, retries and exponential backoff.
CREATE TABLE jobs (
    id           BLOB PRIMARY KEY,
    tenant_id    BLOB REFERENCES tenants (id),
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    run_at       TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    locked_by    TEXT,
    locked_until TEXT,
    last_error   TEXT,
    done_at      TEXT,
    failed_at    TEXT,
    created_at   TEXT NOT NULL
);
CREATE INDEX jobs_due ON jobs (run_at) WHERE done_at IS NULL AND failed_at IS NULL;
