-- Custom fields on customer organisations: the tenant's own labelled values (an account tier,
-- a region …), stored as a JSON object of strings.
ALTER TABLE organizations ADD COLUMN custom_fields TEXT NOT NULL DEFAULT '{}';
