-- The event outbox: every domain event (organization.created, request.completed, …) is
-- written in the same transaction as the change it reports, so a change that rolls back
-- reports nothing. A dispatcher job hands each event, in order per tenant, to the
-- subscribers of its type as one delivery job each; a subscriber records a receipt in the
-- transaction of its work, so an event delivered twice is acted on once.
CREATE TABLE events (
    id            BLOB PRIMARY KEY,
    tenant_id     BLOB NOT NULL REFERENCES tenants (id),
    -- The organisation the event is about, when it is about one (what staff limited to
    -- assigned organisations may read).
    organization_id BLOB,
    kind          TEXT NOT NULL,
    version       INTEGER NOT NULL,
    data          TEXT NOT NULL,
    occurred_at   TEXT NOT NULL,
    dispatched_at TEXT
);
CREATE INDEX events_pending ON events (tenant_id, id) WHERE dispatched_at IS NULL;
CREATE INDEX events_by_tenant ON events (tenant_id, id);
CREATE INDEX events_by_organization ON events (tenant_id, organization_id, id);

CREATE TABLE event_receipts (
    subscriber  TEXT NOT NULL,
    event_id    BLOB NOT NULL REFERENCES events (id),
    received_at TEXT NOT NULL,
    PRIMARY KEY (subscriber, event_id)
);
