-- SQLite twin of migrations/postgres/20261128000007_requests.sql.
-- Requests: what a firm asks of a client (upload, approve, sign, answer), with assigned
-- contacts, a due date, staff review, signatures kept as evidence, and reusable templates.

CREATE TABLE requests (
    id              BLOB PRIMARY KEY,
    tenant_id       BLOB NOT NULL,
    organization_id BLOB NOT NULL,
    title           TEXT NOT NULL,
    instructions    TEXT,
    due_on          TEXT,
    status          TEXT NOT NULL CHECK (status IN
                        ('open', 'submitted', 'changes_requested', 'completed', 'cancelled')),
    created_by      BLOB,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, organization_id) REFERENCES organizations (tenant_id, id)
);
CREATE INDEX requests_by_organization ON requests (tenant_id, organization_id, id);
CREATE INDEX requests_by_status ON requests (tenant_id, status, id);

CREATE TABLE request_assignees (
    tenant_id  BLOB NOT NULL,
    request_id BLOB NOT NULL,
    user_id    BLOB NOT NULL,
    PRIMARY KEY (tenant_id, request_id, user_id),
    FOREIGN KEY (tenant_id, request_id) REFERENCES requests (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX request_assignees_by_user ON request_assignees (tenant_id, user_id);

-- `spec` holds what the item asks (accepted types, document, questions, consent text) and
-- `response` what the client gave, both JSON; the kind is open for `pay` items later.
CREATE TABLE request_items (
    id             BLOB PRIMARY KEY,
    tenant_id      BLOB NOT NULL,
    request_id     BLOB NOT NULL,
    position       INTEGER NOT NULL,
    kind           TEXT NOT NULL,
    title          TEXT NOT NULL,
    description    TEXT,
    spec           TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN
                       ('pending', 'submitted', 'accepted', 'changes_requested')),
    response       TEXT,
    submitted_by   BLOB,
    submitted_at   TEXT,
    review_comment TEXT,
    reviewed_by    BLOB,
    reviewed_at    TEXT,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, request_id) REFERENCES requests (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX request_items_by_request ON request_items (tenant_id, request_id, position);

-- Signatures are evidence: who, when, from where, and the digest of the exact bytes signed.
CREATE TABLE signatures (
    id             BLOB PRIMARY KEY,
    tenant_id      BLOB NOT NULL,
    item_id        BLOB NOT NULL,
    document_id    BLOB NOT NULL,
    version        INTEGER NOT NULL,
    sha256         TEXT NOT NULL,
    signer_user_id BLOB NOT NULL,
    signer_email   TEXT NOT NULL,
    typed_name     TEXT NOT NULL,
    consent_text   TEXT NOT NULL,
    signed_at      TEXT NOT NULL,
    ip             TEXT,
    user_agent     TEXT,
    FOREIGN KEY (tenant_id, item_id) REFERENCES request_items (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX signatures_by_item ON signatures (tenant_id, item_id);

CREATE TABLE request_templates (
    id           BLOB PRIMARY KEY,
    tenant_id    BLOB NOT NULL REFERENCES tenants (id),
    name         TEXT NOT NULL,
    title        TEXT NOT NULL,
    instructions TEXT,
    due_in_days  INTEGER,
    items        TEXT NOT NULL,
    created_by   BLOB,
    created_at   TEXT NOT NULL,
    UNIQUE (tenant_id, id)
);
CREATE INDEX request_templates_by_tenant ON request_templates (tenant_id, id);
