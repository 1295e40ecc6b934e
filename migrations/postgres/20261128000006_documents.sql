-- Documents: per-organisation folders, files with versions, and the access log customers see.
-- The bytes live in object storage under server-made keys; rows keep only the key.

CREATE TABLE folders (
    id              UUID PRIMARY KEY,
    tenant_id       UUID NOT NULL,
    organization_id UUID NOT NULL,
    parent_id       UUID,
    name            TEXT NOT NULL,
    created_by      UUID,
    created_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, organization_id) REFERENCES organizations (tenant_id, id),
    FOREIGN KEY (tenant_id, parent_id) REFERENCES folders (tenant_id, id)
);
CREATE INDEX folders_by_parent ON folders (tenant_id, organization_id, parent_id);

CREATE TABLE documents (
    id               UUID PRIMARY KEY,
    tenant_id        UUID NOT NULL,
    organization_id  UUID NOT NULL,
    folder_id        UUID,
    name             TEXT NOT NULL,
    visibility       TEXT NOT NULL CHECK (visibility IN ('organization', 'staff', 'scope')),
    visible_scope    TEXT,
    current_version  INTEGER NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    deleted_at       TIMESTAMPTZ,
    deleted_by       UUID,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, organization_id) REFERENCES organizations (tenant_id, id),
    FOREIGN KEY (tenant_id, folder_id) REFERENCES folders (tenant_id, id),
    CHECK ((visibility = 'scope') = (visible_scope IS NOT NULL))
);
CREATE INDEX documents_by_folder ON documents (tenant_id, organization_id, folder_id);
CREATE INDEX documents_deleted ON documents (deleted_at);

-- Published copies share their bytes: several versions may name one storage key, and the
-- bytes go only when the last version naming them does.
CREATE TABLE document_versions (
    tenant_id        UUID NOT NULL,
    document_id      UUID NOT NULL,
    version          INTEGER NOT NULL,
    storage_key      TEXT NOT NULL,
    size             BIGINT NOT NULL,
    content_type     TEXT NOT NULL,
    sha256           TEXT NOT NULL,
    uploaded_by      UUID,
    uploaded_by_name TEXT NOT NULL,
    uploaded_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, document_id, version),
    FOREIGN KEY (tenant_id, document_id) REFERENCES documents (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX document_versions_by_key ON document_versions (storage_key);

CREATE TABLE document_access (
    id           UUID PRIMARY KEY,
    tenant_id    UUID NOT NULL,
    document_id  UUID NOT NULL,
    version      INTEGER NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('view', 'download')),
    user_id      UUID,
    name         TEXT NOT NULL,
    staff        BOOLEAN NOT NULL,
    ip           TEXT,
    user_agent   TEXT,
    at           TIMESTAMPTZ NOT NULL,
    FOREIGN KEY (tenant_id, document_id) REFERENCES documents (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX document_access_by_document ON document_access (tenant_id, document_id, id);
