//! SQL for people and organisation teams, within what a principal may see.

use crate::auth::OrgVisibility;
use crate::db::enums::Stored;
use crate::db::{AsExec, Backend, ListPlan, Query, backend_of, both_pages};
use crate::on_db;
use crate::tenancy::service::{UserRow, user_columns_of, visible_people};
pub use crate::tenancy::service::{get_visible_person, is_member, update_profile};
use chrono::{DateTime, Utc};
use portico_shared::people::PeopleFilter;
use portico_shared::tenancy::{UserKind, UserStatus};
use portico_shared::{OrganizationId, TenantId, UserId};
use uuid::Uuid;

/// `users u` columns, prefixed.
fn user_columns() -> String {
    user_columns_of("u")
}

/// One page (plus one row) of the people `who` sees that match `filter`, by id: a search
/// by name or address goes through the people's trigram index.
pub fn list_query(
    backend: Backend,
    tenant: TenantId,
    who: OrgVisibility,
    filter: &PeopleFilter,
    after: Option<Uuid>,
    limit: u32,
) -> Query {
    let words = filter.q.as_deref().filter(|q| !q.trim().is_empty());
    let mut q = visible_people(backend, tenant, who, words);
    if let Some(kind) = filter.kind {
        q.sql(" AND u.kind = ").arg(kind.stored());
    }
    if let Some(status) = filter.status {
        q.sql(" AND u.status = ").arg(status.stored());
    }
    q.page_after("u.id", after, limit);
    q
}

/// A member of an organisation with their scopes there.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberRow {
    #[sqlx(flatten)]
    pub user: UserRow,
    pub scopes: String,
}

/// The people of one organisation's team, with their scopes there: its members, and the
/// people offered a membership and not yet accepted — shown as invited, under the name the
/// inviting admin typed, with nothing of their own account. `then` narrows each half by the
/// user id, given the half's alias (`m` or `o`: their `user_id` is the key of their index).
fn team(
    backend: Backend,
    tenant: TenantId,
    organization: OrganizationId,
    mut then: impl FnMut(&mut Query, &str),
) -> Query {
    let mut q = Query::new(
        backend,
        &format!(
            "SELECT {}, m.scopes FROM memberships m JOIN users u \
             ON u.tenant_id = m.tenant_id AND u.id = m.user_id WHERE m.tenant_id = ",
            user_columns()
        ),
    );
    q.arg(tenant.0)
        .sql(" AND m.organization_id = ")
        .arg(organization.0);
    then(&mut q, "m");
    q.sql(
        " UNION ALL SELECT u.id, u.tenant_id, 'customer' AS kind, u.email, o.name_given AS name, \
         NULL AS password_hash, 'invited' AS status, NULL AS staff_role, NULL AS phone, \
         NULL AS locale, NULL AS time_zone, 'all' AS organization_access, o.created_at, o.scopes \
         FROM membership_offers o JOIN users u ON u.tenant_id = o.tenant_id AND u.id = o.user_id \
         WHERE o.tenant_id = ",
    )
    .arg(tenant.0)
    .sql(" AND o.organization_id = ")
    .arg(organization.0);
    then(&mut q, "o");
    q
}

/// One page (plus one row) of an organisation's team, by user id.
pub fn members_query(
    backend: Backend,
    tenant: TenantId,
    organization: OrganizationId,
    after: Option<Uuid>,
    limit: u32,
) -> Query {
    let mut q = team(backend, tenant, organization, |q, half| {
        if let Some(after) = after {
            q.sql(&format!(" AND {half}.user_id > ")).arg(after);
        }
    });
    q.sql(" ORDER BY id LIMIT ").arg(i64::from(limit) + 1);
    q
}

/// One member of an organisation (or a person offered a membership there, as invited).
pub async fn member(
    c: &mut impl AsExec,
    tenant: TenantId,
    organization: OrganizationId,
    user: UserId,
) -> sqlx::Result<Option<MemberRow>> {
    team(backend_of(c), tenant, organization, |q, half| {
        q.sql(&format!(" AND {half}.user_id = ")).arg(user.0);
    })
    .fetch_optional(c)
    .await
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

/// The people lists with representative arguments (see `db::ListPlan`).
pub fn lists(backend: Backend) -> Vec<ListPlan> {
    let tenant = TenantId(Uuid::now_v7());
    let staff = UserId(Uuid::now_v7());
    let filter = |q: Option<&str>, kind, status| PeopleFilter {
        q: q.map(String::from),
        kind,
        status,
    };
    let filters = [
        ("", filter(None, None, None), None),
        (" staff", filter(None, Some(UserKind::Staff), None), None),
        (
            " disabled",
            filter(None, None, Some(UserStatus::Disabled)),
            None,
        ),
        (
            " searched",
            filter(Some("ellen"), None, None),
            Some("the search's matches"),
        ),
        (
            " searched short",
            filter(Some("el"), None, None),
            Some("the search's matches"),
        ),
    ];
    let mut plans = Vec::new();
    for (seen, who) in [
        ("all", OrgVisibility::All),
        ("assigned", OrgVisibility::AssignedTo(staff)),
    ] {
        for (what, filter, sorts) in &filters {
            for plan in both_pages(&format!("people{what}, {seen}"), |after| {
                list_query(backend, tenant, who, filter, after, 25)
            }) {
                let plan = match (who, sorts) {
                    (_, Some(why)) => plan.sorting(why),
                    (OrgVisibility::AssignedTo(_), None) => plan.sorting(
                        "the staff and the members of the organisations assigned to one person",
                    ),
                    _ => plan,
                };
                plans.push(match *what {
                    " searched" => plan.searching(),
                    _ => plan,
                });
            }
        }
    }
    let organization = OrganizationId(Uuid::now_v7());
    for plan in both_pages("an organisation's team", |after| {
        members_query(backend, tenant, organization, after, 25)
    }) {
        plans.push(plan.sorting("one organisation's members and people offered to join it"));
    }
    plans
}
