-- Room in a tenant's storage quota held by uploads while they stream: every upload reserves
-- what it will store before it stores it, so parallel uploads cannot together overrun the
-- quota. A reservation ends with its upload (stored or refused); one left by a crash stops
-- counting an hour after it last grew.

CREATE TABLE storage_reservations (
    id         UUID PRIMARY KEY,
    tenant_id  UUID NOT NULL REFERENCES tenants (id),
    bytes      BIGINT NOT NULL CHECK (bytes >= 0),
    touched_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX storage_reservations_by_tenant ON storage_reservations (tenant_id, touched_at);
