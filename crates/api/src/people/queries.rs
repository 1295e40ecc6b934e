//! SQL for people and organisation teams, within what a principal may see.

use crate::auth::OrgVisibility;
use crate::db::{AsExec, contains_pattern};
use crate::on_db;
use crate::tenancy::queries::{UserRow, user_columns_of};
use crate::tenancy::rules;
use chrono::{DateTime, Utc};
use portico_shared::people::PeopleFilter;
use portico_shared::{OrganizationId, TenantId, UserId};
use uuid::Uuid;

/// `users u` columns, prefixed.
fn user_columns() -> String {
    user_columns_of("u")
}

/// People a staff member sees: everyone of the tenant, or — for staff limited to some
/// organisations — the staff and the contacts of those organisations. Contacts see nobody
/// here (they see their colleagues through their organisation's team). `$1` tenant, `$2`
/// mode (`all`, `assigned` or `none`), `$3` the staff member.
const VISIBLE_PEOPLE: &str = "u.tenant_id = $1 AND ($2 = 'all' OR ($2 = 'assigned' \
     AND (u.kind = 'staff' OR EXISTS (SELECT 1 FROM memberships m JOIN staff_assignments a \
          ON a.tenant_id = m.tenant_id AND a.organization_id = m.organization_id \
        WHERE m.tenant_id = u.tenant_id AND m.user_id = u.id AND a.user_id = $3))))";

fn mode(who: OrgVisibility) -> (&'static str, Option<Uuid>) {
    match who {
        OrgVisibility::All => ("all", None),
        OrgVisibility::AssignedTo(u) => ("assigned", Some(u.0)),
        OrgVisibility::MemberOf(u) => ("none", Some(u.0)),
    }
}

/// One page (plus one row) of the people `who` sees that match `filter`, by id.
pub async fn list_people(
    c: &mut impl AsExec,
    tenant: TenantId,
    who: OrgVisibility,
    filter: &PeopleFilter,
    after: Option<Uuid>,
    limit: u32,
) -> sqlx::Result<Vec<UserRow>> {
    let (mode, user) = mode(who);
    let q = filter
        .q
        .as_deref()
        .filter(|q| !q.trim().is_empty())
        .map(contains_pattern);
    let sql = format!(
        "SELECT {} FROM users u WHERE {VISIBLE_PEOPLE} \
         AND ($4 IS NULL OR u.id > $4) \
         AND ($6 IS NULL OR LOWER(u.name) LIKE $6 ESCAPE '\\' OR u.email LIKE $6 ESCAPE '\\') \
         AND ($7 IS NULL OR u.kind = $7) AND ($8 IS NULL OR u.status = $8) \
         ORDER BY u.id LIMIT $5",
        user_columns()
    );
    on_db!(c, e => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(tenant.0).bind(mode).bind(user).bind(after).bind(i64::from(limit) + 1)
        .bind(q.clone()).bind(filter.kind.map(rules::kind_to_column))
        .bind(filter.status.map(rules::status_to_column))
        .fetch_all(e).await)
}

/// One person, if `who` sees them.
pub async fn get_visible_person(
    c: &mut impl AsExec,
    tenant: TenantId,
    who: OrgVisibility,
    id: UserId,
) -> sqlx::Result<Option<UserRow>> {
    let (mode, user) = mode(who);
    let sql = format!(
        "SELECT {} FROM users u WHERE {VISIBLE_PEOPLE} AND u.id = $4",
        user_columns()
    );
    on_db!(c, e => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(tenant.0).bind(mode).bind(user).bind(id.0).fetch_optional(e).await)
}

/// A member of an organisation with their scopes there.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberRow {
    #[sqlx(flatten)]
    pub user: UserRow,
    pub scopes: String,
}

const MEMBERS: &str = "FROM memberships m JOIN users u ON u.tenant_id = m.tenant_id AND u.id = m.user_id \
     WHERE m.tenant_id = $1 AND m.organization_id = $2";

/// One page (plus one row) of an organisation's members, by user id.
pub async fn members(
    c: &mut impl AsExec,
    tenant: TenantId,
    organization: OrganizationId,
    after: Option<Uuid>,
    limit: u32,
) -> sqlx::Result<Vec<MemberRow>> {
    let sql = format!(
        "SELECT {}, m.scopes {MEMBERS} AND ($3 IS NULL OR u.id > $3) ORDER BY u.id LIMIT $4",
        user_columns()
    );
    on_db!(c, e => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(tenant.0).bind(organization.0).bind(after).bind(i64::from(limit) + 1)
        .fetch_all(e).await)
}

/// One member of an organisation.
pub async fn member(
    c: &mut impl AsExec,
    tenant: TenantId,
    organization: OrganizationId,
    user: UserId,
) -> sqlx::Result<Option<MemberRow>> {
    let sql = format!(
        "SELECT {}, m.scopes {MEMBERS} AND u.id = $3",
        user_columns()
    );
    on_db!(c, e => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(tenant.0).bind(organization.0).bind(user.0).fetch_optional(e).await)
}

/// Ends a membership. Returns whether there was one.
pub async fn remove_membership(
    c: &mut impl AsExec,
    tenant: TenantId,
    organization: OrganizationId,
    user: UserId,
) -> sqlx::Result<bool> {
    let done = on_db!(c, e => sqlx::query(
        "DELETE FROM memberships WHERE tenant_id = $1 AND organization_id = $2 AND user_id = $3")
        .bind(tenant.0).bind(organization.0).bind(user.0)
        .execute(e).await.map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// Saves a user's name and profile fields.
pub async fn update_profile(
    c: &mut impl AsExec,
    row: &UserRow,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query(
        "UPDATE users SET name = $3, phone = $4, locale = $5, time_zone = $6, updated_at = $7 \
         WHERE tenant_id = $1 AND id = $2")
        .bind(row.tenant_id).bind(row.id).bind(&row.name).bind(&row.phone).bind(&row.locale)
        .bind(&row.time_zone).bind(now)
        .execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Changes a user's email address (unique per tenant: a taken address fails).
pub async fn set_email(
    c: &mut impl AsExec,
    tenant: TenantId,
    user: UserId,
    email: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query(
        "UPDATE users SET email = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.0).bind(user.0).bind(email).bind(now)
        .execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}
