-- Hand-off sign-in and view-as-customer.

-- The HMAC key a host application signs hand-off tokens with (HS256). It must be readable to
-- verify signatures, so it is stored as issued; rotating it (POST /tenant/handoff-secret)
-- retires the old one at once.
ALTER TABLE tenants ADD COLUMN handoff_secret TEXT;

-- Hand-off tokens already used (by their `jti`), kept until they expire: each works once.
CREATE TABLE handoff_uses (
    tenant_id  UUID NOT NULL REFERENCES tenants (id),
    jti        TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, jti)
);

-- A view-as session: a staff member (viewer_user_id) sees the portal as the session's
-- customer user, read-only, for a limited time.
ALTER TABLE sessions ADD COLUMN viewer_user_id UUID;
