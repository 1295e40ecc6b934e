-- People and self-service: profile fields, the tenant's support address, and the one-time
-- links sent by email (invitations, sign-in links, password resets, email confirmations).

ALTER TABLE users ADD COLUMN phone TEXT;
ALTER TABLE users ADD COLUMN locale TEXT;
ALTER TABLE users ADD COLUMN time_zone TEXT;

ALTER TABLE tenants ADD COLUMN support_email TEXT;

-- Only SHA-256 digests of the link secrets are stored. A link works once (used_at), before
-- expires_at; a new link of the same purpose for the same person retires the older ones.
-- new_email is the address an email change will set (email_change links only).
CREATE TABLE email_links (
    id         UUID PRIMARY KEY,
    tenant_id  UUID NOT NULL,
    user_id    UUID NOT NULL,
    purpose    TEXT NOT NULL
               CHECK (purpose IN ('invitation', 'magic_link', 'password_reset', 'email_change')),
    token_hash TEXT NOT NULL UNIQUE,
    new_email  TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,
    CHECK ((purpose = 'email_change') = (new_email IS NOT NULL))
);
CREATE INDEX email_links_by_user ON email_links (tenant_id, user_id, purpose);
