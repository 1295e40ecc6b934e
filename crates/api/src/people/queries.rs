//! SQL for people and organisation teams, within what a principal may see.

use crate::auth::OrgVisibility;
use crate::db::enums::Stored;
use crate::db::{AsExec, contains_pattern};
use crate::on_db;
use crate::tenancy::service::{UserRow, VISIBLE_PEOPLE, user_columns_of};
pub use crate::tenancy::service::{get_visible_person, is_member, update_profile};
use chrono::{DateTime, Utc};
use portico_shared::people::PeopleFilter;
use portico_shared::{OrganizationId, TenantId, UserId};
use uuid::Uuid;

/// `users u` columns, prefixed.
fn user_columns() -> String {
    user_columns_of("u")
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
    let (mode, user) = who.binds();
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
        .bind(q.clone()).bind(filter.kind.map(Stored::stored))
        .bind(filter.status.map(Stored::stored))
        .fetch_all(e).await)
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

/// The same columns for people offered a membership and not yet accepted: shown as invited,
/// under the name the inviting admin typed, with nothing of their own account.
const OFFERED: &str = "SELECT u.id, u.tenant_id, 'customer' AS kind, u.email, o.name_given AS name, \
     NULL AS password_hash, 'invited' AS status, NULL AS staff_role, NULL AS phone, \
     NULL AS locale, NULL AS time_zone, 'all' AS organization_access, o.created_at, o.scopes \
     FROM membership_offers o JOIN users u ON u.tenant_id = o.tenant_id AND u.id = o.user_id \
     WHERE o.tenant_id = $1 AND o.organization_id = $2";

/// One page (plus one row) of an organisation's members, by user id; people offered a
/// membership are among them, as invited.
pub async fn members(
    c: &mut impl AsExec,
    tenant: TenantId,
    organization: OrganizationId,
    after: Option<Uuid>,
    limit: u32,
) -> sqlx::Result<Vec<MemberRow>> {
    let (members, offered) = match after {
        Some(_) => (
            format!(
                "SELECT {}, m.scopes {MEMBERS} AND u.id > $3",
                user_columns()
            ),
            format!("{OFFERED} AND u.id > $3"),
        ),
        None => (
            format!("SELECT {}, m.scopes {MEMBERS}", user_columns()),
            OFFERED.to_string(),
        ),
    };
    let limit_at = if after.is_some() { "$4" } else { "$3" };
    let sql =
        format!("SELECT * FROM ({members} UNION ALL {offered}) t ORDER BY id LIMIT {limit_at}");
    on_db!(c, e => {
        let q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(tenant.0).bind(organization.0);
        let q = match after { Some(a) => q.bind(a), None => q };
        q.bind(i64::from(limit) + 1).fetch_all(e).await
    })
}

/// One member of an organisation (or a person offered a membership there, as invited).
pub async fn member(
    c: &mut impl AsExec,
    tenant: TenantId,
    organization: OrganizationId,
    user: UserId,
) -> sqlx::Result<Option<MemberRow>> {
    let sql = format!(
        "SELECT * FROM (SELECT {}, m.scopes {MEMBERS} AND u.id = $3 \
         UNION ALL {OFFERED} AND u.id = $3) t",
        user_columns()
    );
    on_db!(c, e => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(tenant.0).bind(organization.0).bind(user.0).fetch_optional(e).await)
}

/// A membership offered to an existing person.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OfferRow {
    pub tenant_id: Uuid,
    pub organization_id: Uuid,
    pub user_id: Uuid,
    pub scopes: String,
    pub name_given: String,
    pub offered_by: Option<Uuid>,
    pub sent_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

const OFFER_COLUMNS: &str = "tenant_id, organization_id, user_id, scopes, name_given, \
     offered_by, sent_at, expires_at";

/// Offers (or offers again, with a new link) a membership to an existing person.
#[allow(clippy::too_many_arguments)]
pub async fn upsert_offer(
    c: &mut impl AsExec,
    tenant: TenantId,
    organization: OrganizationId,
    user: UserId,
    scopes: &str,
    name_given: &str,
    offered_by: Option<UserId>,
    token_hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query(
        "INSERT INTO membership_offers (id, tenant_id, organization_id, user_id, scopes, \
         name_given, offered_by, token_hash, created_at, sent_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10) \
         ON CONFLICT (tenant_id, organization_id, user_id) DO UPDATE SET scopes = $5, \
           token_hash = $8, sent_at = $9, expires_at = $10")
        .bind(Uuid::now_v7()).bind(tenant.0).bind(organization.0).bind(user.0).bind(scopes)
        .bind(name_given).bind(offered_by.map(|u| u.0)).bind(token_hash).bind(now).bind(expires_at)
        .execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn offer(
    c: &mut impl AsExec,
    tenant: TenantId,
    organization: OrganizationId,
    user: UserId,
) -> sqlx::Result<Option<OfferRow>> {
    let sql = format!(
        "SELECT {OFFER_COLUMNS} FROM membership_offers \
         WHERE tenant_id = $1 AND organization_id = $2 AND user_id = $3"
    );
    on_db!(c, e => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(tenant.0).bind(organization.0).bind(user.0).fetch_optional(e).await)
}

/// The offer a link's secret names (any tenant: the digest is unique).
pub async fn offer_by_token(
    c: &mut impl AsExec,
    token_hash: &str,
) -> sqlx::Result<Option<OfferRow>> {
    let sql = format!("SELECT {OFFER_COLUMNS} FROM membership_offers WHERE token_hash = $1");
    on_db!(c, e => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(token_hash).fetch_optional(e).await)
}

pub async fn set_offer_scopes(
    c: &mut impl AsExec,
    tenant: TenantId,
    organization: OrganizationId,
    user: UserId,
    scopes: &str,
) -> sqlx::Result<bool> {
    let done = on_db!(c, e => sqlx::query(
        "UPDATE membership_offers SET scopes = $4 \
         WHERE tenant_id = $1 AND organization_id = $2 AND user_id = $3")
        .bind(tenant.0).bind(organization.0).bind(user.0).bind(scopes)
        .execute(e).await.map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// Withdraws (or, once accepted, removes) an offer. Returns whether there was one.
pub async fn delete_offer(
    c: &mut impl AsExec,
    tenant: TenantId,
    organization: OrganizationId,
    user: UserId,
) -> sqlx::Result<bool> {
    let done = on_db!(c, e => sqlx::query(
        "DELETE FROM membership_offers WHERE tenant_id = $1 AND organization_id = $2 AND user_id = $3")
        .bind(tenant.0).bind(organization.0).bind(user.0).execute(e).await.map(|r| r.rows_affected()))?;
    Ok(done == 1)
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
