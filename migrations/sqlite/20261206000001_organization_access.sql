-- Which organisations a staff member serves is an explicit property, not the absence of
-- assignment rows: 'all', or 'assigned' (only the organisations in staff_assignments, none
-- while there are none). Staff who had assignments keep being limited to them.

ALTER TABLE users ADD COLUMN organization_access TEXT NOT NULL DEFAULT 'all'
    CHECK (organization_access IN ('all', 'assigned'));

UPDATE users SET organization_access = 'assigned'
WHERE kind = 'staff' AND staff_role <> 'owner'
  AND EXISTS (SELECT 1 FROM staff_assignments a
              WHERE a.tenant_id = users.tenant_id AND a.user_id = users.id);
