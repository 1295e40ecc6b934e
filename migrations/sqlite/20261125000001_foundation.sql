-- SQLite twin of migrations/postgres/20261125000001_foundation.sql (same tables and
-- columns; BLOB ids, RFC 3339 TEXT times).
-- Foundation: tenants, people, organisations, memberships, sessions, throttling, audit.
-- Every tenant-owned row carries tenant_id; every index serving a tenant query leads with it;
-- child rows reference (tenant_id, id) so a row can never point into another tenant.

CREATE TABLE tenants (
    id            BLOB PRIMARY KEY,
    slug          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    logo_url      TEXT,
    primary_color TEXT,
    accent_color  TEXT,
    created_at    TEXT NOT NULL
);

CREATE TABLE users (
    id            BLOB PRIMARY KEY,
    tenant_id     BLOB NOT NULL REFERENCES tenants (id),
    kind          TEXT NOT NULL CHECK (kind IN ('staff', 'customer')),
    email         TEXT NOT NULL,
    name          TEXT NOT NULL,
    password_hash TEXT,
    status        TEXT NOT NULL CHECK (status IN ('invited', 'active', 'disabled')),
    staff_role    TEXT CHECK (staff_role IN ('owner', 'admin', 'agent')),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (tenant_id, email),
    UNIQUE (tenant_id, id),
    CHECK ((kind = 'staff') = (staff_role IS NOT NULL))
);

CREATE TABLE organizations (
    id           BLOB PRIMARY KEY,
    tenant_id    BLOB NOT NULL REFERENCES tenants (id),
    name         TEXT NOT NULL,
    external_ref TEXT,
    status       TEXT NOT NULL CHECK (status IN ('active', 'archived')),
    created_at   TEXT NOT NULL,
    UNIQUE (tenant_id, id)
);
CREATE INDEX organizations_by_tenant_name ON organizations (tenant_id, name);

CREATE TABLE memberships (
    tenant_id       BLOB NOT NULL,
    user_id         BLOB NOT NULL,
    organization_id BLOB NOT NULL,
    scopes          TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (tenant_id, user_id, organization_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, organization_id) REFERENCES organizations (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX memberships_by_organization ON memberships (tenant_id, organization_id);

CREATE TABLE staff_assignments (
    tenant_id       BLOB NOT NULL,
    user_id         BLOB NOT NULL,
    organization_id BLOB NOT NULL,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (tenant_id, user_id, organization_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, organization_id) REFERENCES organizations (tenant_id, id) ON DELETE CASCADE
);

-- A session is one refresh-token family: every rotation stays in it, and reuse of a rotated
-- token revokes it whole. Access tokens name their session, so revoking it ends them too.
CREATE TABLE sessions (
    id             BLOB PRIMARY KEY,
    tenant_id      BLOB NOT NULL,
    user_id        BLOB NOT NULL,
    created_at     TEXT NOT NULL,
    last_used_at   TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    revoked_at     TEXT,
    revoked_reason TEXT,
    ip             TEXT,
    user_agent     TEXT,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX sessions_by_user ON sessions (tenant_id, user_id);

-- Refresh tokens are stored as SHA-256 digests only.
CREATE TABLE refresh_tokens (
    id         BLOB PRIMARY KEY,
    tenant_id  BLOB NOT NULL REFERENCES tenants (id),
    session_id BLOB NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    rotated_at TEXT
);
CREATE INDEX refresh_tokens_by_session ON refresh_tokens (session_id);

-- Failed sign-ins per account (tenant + normalised email, known or not) in the current window.
CREATE TABLE login_throttle (
    tenant_id         BLOB NOT NULL REFERENCES tenants (id),
    account           TEXT NOT NULL,
    failures          INTEGER NOT NULL,
    window_started_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, account)
);

-- The audit log: append-only and hash-chained per tenant (hash = SHA-256 over the previous
-- hash and this event's fields; see crates/api/src/audit).
CREATE TABLE audit_events (
    id            BLOB PRIMARY KEY,
    tenant_id     BLOB NOT NULL REFERENCES tenants (id),
    seq           INTEGER NOT NULL,
    occurred_at   TEXT NOT NULL,
    actor_user_id BLOB,
    actor         TEXT NOT NULL,
    action        TEXT NOT NULL,
    object_type   TEXT,
    object_id     TEXT,
    outcome       TEXT NOT NULL,
    ip            TEXT,
    user_agent    TEXT,
    request_id    TEXT,
    details       TEXT NOT NULL,
    prev_hash     TEXT NOT NULL,
    hash          TEXT NOT NULL,
    UNIQUE (tenant_id, seq)
);

CREATE TABLE audit_chain_heads (
    tenant_id BLOB PRIMARY KEY REFERENCES tenants (id),
    seq       INTEGER NOT NULL,
    hash      TEXT NOT NULL
);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;

CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
