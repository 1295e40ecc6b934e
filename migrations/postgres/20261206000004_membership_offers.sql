-- An existing person asked to join another organisation by one of its admins: they join only
-- when they accept from the emailed link (their consent), and until then the organisation's
-- team shows them as invited under the name the admin typed — never their own details.

CREATE TABLE membership_offers (
    id              UUID PRIMARY KEY,
    tenant_id       UUID NOT NULL,
    organization_id UUID NOT NULL,
    user_id         UUID NOT NULL,
    scopes          TEXT NOT NULL,
    name_given      TEXT NOT NULL,
    offered_by      UUID,
    token_hash      TEXT NOT NULL UNIQUE,
    created_at      TIMESTAMPTZ NOT NULL,
    sent_at         TIMESTAMPTZ NOT NULL,
    expires_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, organization_id, user_id),
    FOREIGN KEY (tenant_id, organization_id) REFERENCES organizations (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX membership_offers_by_user ON membership_offers (tenant_id, user_id);
