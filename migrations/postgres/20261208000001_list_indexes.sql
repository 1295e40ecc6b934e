-- Every list walks an index that leads with tenant_id and ends with its sort key, so its first
-- page reads 25 rows whatever the tenant holds; a filter in use narrows the index it walks.
CREATE INDEX organizations_by_status ON organizations (tenant_id, status, id);
CREATE INDEX users_by_kind ON users (tenant_id, kind, id);
CREATE INDEX users_by_status ON users (tenant_id, status, id);
DROP INDEX memberships_by_organization;
CREATE INDEX memberships_by_organization ON memberships (tenant_id, organization_id, user_id);
CREATE INDEX staff_assignments_by_organization ON staff_assignments (tenant_id, organization_id, user_id);
DROP INDEX folders_by_parent;
CREATE INDEX folders_by_parent ON folders (tenant_id, organization_id, parent_id, id);
DROP INDEX documents_by_folder;
CREATE INDEX documents_by_folder ON documents (tenant_id, organization_id, folder_id, id);
CREATE INDEX documents_in_bin ON documents (tenant_id, organization_id, id) WHERE deleted_at IS NOT NULL;

-- Substring search of organisations and people through trigram indexes (pg_trgm serves
-- `LIKE '%…%'`), over the very expressions the queries search (`db::push_search`); SQLite's
-- twins are FTS5 tables. (Documents are searched within one organisation.)
-- pg_trgm is a trusted extension: the database's owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX organizations_fts ON organizations USING gin (
    lower(name) gin_trgm_ops, lower(COALESCE(external_ref, '')) gin_trgm_ops,
    lower(custom_fields) gin_trgm_ops
);
CREATE INDEX users_fts ON users USING gin (lower(name) gin_trgm_ops, lower(email) gin_trgm_ops);
