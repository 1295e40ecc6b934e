-- SQLite twin of migrations/postgres/20261208000001_list_indexes.sql.
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

-- Substring search of organisations and people through trigram indexes (FTS5's trigram
-- tokenizer matches a quoted term anywhere in a column, case folded), kept by triggers.
-- (Documents are searched within one organisation, walking its documents by id.) Each FTS5 table keeps its own copy of
-- the columns it indexes under the rowid of its row (an external-content table, reading the
-- row itself, broke for the rest of a connection's life when a commit failed). Nothing in
-- Portico runs VACUUM, which may renumber the rowids of tables without an INTEGER PRIMARY KEY;
-- after one, delete each x_fts's rows and insert them again from x.
CREATE VIRTUAL TABLE organizations_fts USING fts5 (
    name, external_ref, custom_fields, tokenize = 'trigram'
);
INSERT INTO organizations_fts (rowid, name, external_ref, custom_fields)
    SELECT rowid, name, external_ref, custom_fields FROM organizations;
CREATE TRIGGER organizations_fts_insert AFTER INSERT ON organizations BEGIN
    INSERT INTO organizations_fts (rowid, name, external_ref, custom_fields)
    VALUES (new.rowid, new.name, new.external_ref, new.custom_fields);
END;
CREATE TRIGGER organizations_fts_delete AFTER DELETE ON organizations BEGIN
    DELETE FROM organizations_fts WHERE rowid = old.rowid;
END;
CREATE TRIGGER organizations_fts_update AFTER UPDATE OF name, external_ref, custom_fields ON organizations BEGIN
    UPDATE organizations_fts SET name = new.name, external_ref = new.external_ref,
        custom_fields = new.custom_fields WHERE rowid = old.rowid;
END;

CREATE VIRTUAL TABLE users_fts USING fts5 (name, email, tokenize = 'trigram');
INSERT INTO users_fts (rowid, name, email) SELECT rowid, name, email FROM users;
CREATE TRIGGER users_fts_insert AFTER INSERT ON users BEGIN
    INSERT INTO users_fts (rowid, name, email) VALUES (new.rowid, new.name, new.email);
END;
CREATE TRIGGER users_fts_delete AFTER DELETE ON users BEGIN
    DELETE FROM users_fts WHERE rowid = old.rowid;
END;
CREATE TRIGGER users_fts_update AFTER UPDATE OF name, email ON users BEGIN
    UPDATE users_fts SET name = new.name, email = new.email WHERE rowid = old.rowid;
END;
