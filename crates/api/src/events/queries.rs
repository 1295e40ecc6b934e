//! SQL for the event outbox and the subscribers' receipts.

use crate::db::{AsExec, Backend};
use crate::on_db;
use chrono::{DateTime, Utc};
use portico_shared::{EventId, OrganizationId, TenantId};
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub organization_id: Option<Uuid>,
    pub kind: String,
    pub version: i32,
    pub data: String,
    pub occurred_at: DateTime<Utc>,
}

pub async fn insert(c: &mut impl AsExec, row: &EventRow) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query(
        "INSERT INTO events (id, tenant_id, organization_id, kind, version, data, occurred_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(row.id).bind(row.tenant_id).bind(row.organization_id).bind(&row.kind)
        .bind(row.version).bind(&row.data).bind(row.occurred_at)
        .execute(e).await.map(|_| ()))
}

const COLUMNS: &str = "id, tenant_id, organization_id, kind, version, data, occurred_at";

/// The oldest `limit` events of `tenant` not yet dispatched, in order, locked for this
/// dispatcher (PostgreSQL: others skip them; a SQLite write transaction holds the database).
pub async fn pending(
    c: &mut impl AsExec,
    backend: Backend,
    tenant: TenantId,
    limit: i64,
) -> sqlx::Result<Vec<EventRow>> {
    let lock = match backend {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM events WHERE tenant_id = $1 AND dispatched_at IS NULL \
         ORDER BY id LIMIT $2{lock}"
    );
    on_db!(c, e => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(tenant.0).bind(limit).fetch_all(e).await)
}

pub async fn mark_dispatched(
    c: &mut impl AsExec,
    id: Uuid,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query("UPDATE events SET dispatched_at = $2 WHERE id = $1")
        .bind(id).bind(now).execute(e).await.map(|_| ()))
}

pub async fn get(c: &mut impl AsExec, id: EventId) -> sqlx::Result<Option<EventRow>> {
    let sql = format!("SELECT {COLUMNS} FROM events WHERE id = $1");
    on_db!(c, e => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id.0).fetch_optional(e).await)
}

/// Records that `subscriber` handled `event`; false when it already had.
pub async fn insert_receipt(
    c: &mut impl AsExec,
    subscriber: &str,
    event: EventId,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    on_db!(c, e => sqlx::query(
        "INSERT INTO event_receipts (subscriber, event_id, received_at) VALUES ($1, $2, $3) \
         ON CONFLICT DO NOTHING")
        .bind(subscriber).bind(event.0).bind(now)
        .execute(e).await.map(|r| r.rows_affected() == 1))
}

/// A tenant's events, newest first, of one type or all (for tests and tools).
pub async fn list(
    c: &mut impl AsExec,
    tenant: TenantId,
    kind: Option<&str>,
    limit: i64,
) -> sqlx::Result<Vec<EventRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM events WHERE tenant_id = $1 AND ($2 IS NULL OR kind = $2) \
         ORDER BY id DESC LIMIT $3"
    );
    on_db!(c, e => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(tenant.0).bind(kind).bind(limit).fetch_all(e).await)
}

/// One page (plus one row) of the events a reader may see, newest first, before `before`.
/// `reach` is their organisation visibility as bound parameters (`OrgVisibility::binds`):
/// `all` reads every event; `assigned`, the events about the organisations assigned to the
/// user; anything else, nothing.
pub async fn list_visible(
    c: &mut impl AsExec,
    tenant: TenantId,
    reach: (&str, Option<Uuid>),
    kinds: &[String],
    organization: Option<OrganizationId>,
    before: Option<Uuid>,
    limit: u32,
) -> sqlx::Result<Vec<EventRow>> {
    let (mode, user) = reach;
    // The types as one bound list (`,a,b,`), so the statement stays the same for any count.
    let kinds = (!kinds.is_empty()).then(|| format!(",{},", kinds.join(",")));
    let sql = format!(
        "SELECT {COLUMNS} FROM events e WHERE e.tenant_id = $1 \
           AND ($2 = 'all' OR ($2 = 'assigned' AND EXISTS (SELECT 1 FROM staff_assignments a \
             WHERE a.tenant_id = e.tenant_id AND a.organization_id = e.organization_id \
               AND a.user_id = $3))) \
           AND ($4 IS NULL OR $4 LIKE '%,' || e.kind || ',%') \
           AND ($5 IS NULL OR e.organization_id = $5) AND ($6 IS NULL OR e.id < $6) \
         ORDER BY e.id DESC LIMIT $7"
    );
    on_db!(c, e => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(tenant.0).bind(mode).bind(user).bind(kinds.clone())
        .bind(organization.map(|o| o.0)).bind(before).bind(i64::from(limit) + 1)
        .fetch_all(e).await)
}
