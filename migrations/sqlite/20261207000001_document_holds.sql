-- Holds on documents: a request with an approve or sign item holds the document it names
-- until the request is closed, and while any hold remains its contacts cannot add versions
-- (staff chose the version to approve or sign). Documents keep their own holds, so they
-- need not read the requests' tables; requests place and release them.

CREATE TABLE document_holds (
    tenant_id   BLOB NOT NULL,
    document_id BLOB NOT NULL,
    holder_id   BLOB NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, document_id, holder_id)
);
CREATE INDEX document_holds_by_holder ON document_holds (tenant_id, holder_id);

INSERT INTO document_holds (tenant_id, document_id, holder_id, created_at)
SELECT DISTINCT r.tenant_id, unhex(replace(json_extract(i.spec, '$.document_id'), '-', '')),
       r.id, r.created_at
FROM requests r JOIN request_items i ON i.tenant_id = r.tenant_id AND i.request_id = r.id
WHERE r.status NOT IN ('completed', 'cancelled') AND i.kind IN ('approve', 'sign')
  AND json_extract(i.spec, '$.document_id') IS NOT NULL;
