-- SQLite twin of migrations/postgres/20261128000005_custom_fields.sql.
-- Custom fields on customer organisations: the tenant's own labelled values (an account tier,
-- a region …), stored as a JSON object of strings.
ALTER TABLE organizations ADD COLUMN custom_fields TEXT NOT NULL DEFAULT '{}';
