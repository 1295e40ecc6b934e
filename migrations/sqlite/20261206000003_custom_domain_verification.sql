-- A custom domain routes to its tenant only once the tenant proved it controls it: a DNS TXT
-- record `_portico-challenge.<domain>` holding the token below, checked by a job.

ALTER TABLE tenants ADD COLUMN custom_domain_token TEXT;
ALTER TABLE tenants ADD COLUMN custom_domain_verified_at TEXT;
-- Domains set before verification existed stay in use: their tenants had them already.
UPDATE tenants SET custom_domain_verified_at = created_at WHERE custom_domain IS NOT NULL;
