//! SQL for reading organisations within what a principal may see.

use crate::auth::OrgVisibility;
use crate::db::{AsExec, contains_pattern};
use crate::on_db;
use crate::tenancy::queries::OrganizationRow;
use portico_shared::organizations::{OrganizationFilter, OrganizationStatus};
use portico_shared::{OrganizationId, TenantId};
use uuid::Uuid;

const VISIBLE: &str = "SELECT o.id, o.tenant_id, o.name, o.external_ref, o.status, \
     o.custom_fields, o.created_at \
     FROM organizations o WHERE o.tenant_id = $1 AND ( \
       $2 = 'all' \
       OR ($2 = 'member' AND EXISTS (SELECT 1 FROM memberships m \
            WHERE m.tenant_id = o.tenant_id AND m.organization_id = o.id AND m.user_id = $3)) \
       OR ($2 = 'assigned' AND EXISTS (SELECT 1 FROM staff_assignments a \
            WHERE a.tenant_id = o.tenant_id AND a.organization_id = o.id AND a.user_id = $3)))";

/// One page (plus one row, to tell whether there is another) of visible organisations that
/// match `filter`.
pub async fn list_visible(
    c: &mut impl AsExec,
    tenant: TenantId,
    who: OrgVisibility,
    filter: &OrganizationFilter,
    after: Option<Uuid>,
    limit: u32,
) -> sqlx::Result<Vec<OrganizationRow>> {
    let (mode, user) = who.binds();
    let q = filter
        .q
        .as_deref()
        .filter(|q| !q.trim().is_empty())
        .map(contains_pattern);
    let status = filter.status.map(|s| match s {
        OrganizationStatus::Active => "active",
        OrganizationStatus::Archived => "archived",
    });
    let sql = format!(
        "{VISIBLE} AND ($4 IS NULL OR o.id > $4) \
         AND ($6 IS NULL OR LOWER(o.name) LIKE $6 ESCAPE '\\' \
              OR LOWER(COALESCE(o.external_ref, '')) LIKE $6 ESCAPE '\\' \
              OR LOWER(o.custom_fields) LIKE $6 ESCAPE '\\') \
         AND ($7 IS NULL OR o.status = $7) \
         ORDER BY o.id LIMIT $5"
    );
    on_db!(c, e => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(tenant.0).bind(mode).bind(user).bind(after).bind(i64::from(limit) + 1)
        .bind(q.clone()).bind(status)
        .fetch_all(e).await)
}

pub async fn get_visible(
    c: &mut impl AsExec,
    tenant: TenantId,
    who: OrgVisibility,
    id: OrganizationId,
) -> sqlx::Result<Option<OrganizationRow>> {
    let (mode, user) = who.binds();
    let sql = format!("{VISIBLE} AND o.id = $4");
    on_db!(c, e => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(tenant.0).bind(mode).bind(user).bind(id.0).fetch_optional(e).await)
}
