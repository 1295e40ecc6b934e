//! SQL for reading organisations within what a principal may see.

use crate::auth::OrgVisibility;
use crate::db::{AsExec, contains_pattern};
use crate::on_db;
use crate::tenancy::service::{OrganizationRow, VISIBLE_ORGANIZATIONS};
use portico_shared::TenantId;
use portico_shared::organizations::{OrganizationFilter, OrganizationStatus};
use uuid::Uuid;

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
        "{VISIBLE_ORGANIZATIONS} AND ($4 IS NULL OR o.id > $4) \
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
