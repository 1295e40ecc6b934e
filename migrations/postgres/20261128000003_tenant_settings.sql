-- Tenant settings: a custom domain that names the tenant by itself, and an uploaded logo.

ALTER TABLE tenants ADD COLUMN custom_domain TEXT;
CREATE UNIQUE INDEX tenants_by_custom_domain ON tenants (custom_domain);

-- The logo's bytes live in the database, so every replica serves the same one. The type is
-- one of an allow-list and matched the file's magic bytes on upload.
CREATE TABLE tenant_logos (
    tenant_id    UUID PRIMARY KEY REFERENCES tenants (id),
    content_type TEXT NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg', 'image/webp')),
    bytes        BYTEA NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
