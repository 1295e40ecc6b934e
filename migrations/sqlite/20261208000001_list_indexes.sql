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

-- Substring search through trigram indexes (FTS5's trigram tokenizer matches a quoted term
-- anywhere in a column, case folded), kept by triggers. Each indexes the rowid of its table:
-- nothing in Portico runs VACUUM, which may renumber the rowids of tables without an
-- INTEGER PRIMARY KEY (after one, `INSERT INTO x_fts (x_fts) VALUES ('rebuild')` mends it).
CREATE VIRTUAL TABLE organizations_fts USING fts5 (
    name, external_ref, custom_fields, content = 'organizations', tokenize = 'trigram'
);
INSERT INTO organizations_fts (organizations_fts) VALUES ('rebuild');
CREATE TRIGGER organizations_fts_insert AFTER INSERT ON organizations BEGIN
    INSERT INTO organizations_fts (rowid, name, external_ref, custom_fields)
    VALUES (new.rowid, new.name, new.external_ref, new.custom_fields);
END;
CREATE TRIGGER organizations_fts_delete AFTER DELETE ON organizations BEGIN
    INSERT INTO organizations_fts (organizations_fts, rowid, name, external_ref, custom_fields)
    VALUES ('delete', old.rowid, old.name, old.external_ref, old.custom_fields);
END;
CREATE TRIGGER organizations_fts_update AFTER UPDATE OF name, external_ref, custom_fields ON organizations BEGIN
    INSERT INTO organizations_fts (organizations_fts, rowid, name, external_ref, custom_fields)
    VALUES ('delete', old.rowid, old.name, old.external_ref, old.custom_fields);
    INSERT INTO organizations_fts (rowid, name, external_ref, custom_fields)
    VALUES (new.rowid, new.name, new.external_ref, new.custom_fields);
END;

CREATE VIRTUAL TABLE users_fts USING fts5 (
    name, email, content = 'users', tokenize = 'trigram'
);
INSERT INTO users_fts (users_fts) VALUES ('rebuild');
CREATE TRIGGER users_fts_insert AFTER INSERT ON users BEGIN
    INSERT INTO users_fts (rowid, name, email) VALUES (new.rowid, new.name, new.email);
END;
CREATE TRIGGER users_fts_delete AFTER DELETE ON users BEGIN
    INSERT INTO users_fts (users_fts, rowid, name, email)
    VALUES ('delete', old.rowid, old.name, old.email);
END;
CREATE TRIGGER users_fts_update AFTER UPDATE OF name, email ON users BEGIN
    INSERT INTO users_fts (users_fts, rowid, name, email)
    VALUES ('delete', old.rowid, old.name, old.email);
    INSERT INTO users_fts (rowid, name, email) VALUES (new.rowid, new.name, new.email);
END;

CREATE VIRTUAL TABLE documents_fts USING fts5 (
    name, content = 'documents', tokenize = 'trigram'
);
INSERT INTO documents_fts (documents_fts) VALUES ('rebuild');
CREATE TRIGGER documents_fts_insert AFTER INSERT ON documents BEGIN
    INSERT INTO documents_fts (rowid, name) VALUES (new.rowid, new.name);
END;
CREATE TRIGGER documents_fts_delete AFTER DELETE ON documents BEGIN
    INSERT INTO documents_fts (documents_fts, rowid, name) VALUES ('delete', old.rowid, old.name);
END;
CREATE TRIGGER documents_fts_update AFTER UPDATE OF name ON documents BEGIN
    INSERT INTO documents_fts (documents_fts, rowid, name) VALUES ('delete', old.rowid, old.name);
    INSERT INTO documents_fts (rowid, name) VALUES (new.rowid, new.name);
END;
