//! SQL for the event outbox and the subscribers' receipts.

use crate::db::{AsExec, Backend, Query, backend_of};
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
    let mut q = Query::new(
        backend_of(c),
        &format!("SELECT {COLUMNS} FROM events WHERE tenant_id = "),
    );
    q.arg(tenant.0);
    if let Some(kind) = kind {
        q.sql(" AND kind = ").arg(kind);
    }
    q.sql(" ORDER BY id DESC LIMIT ").arg(limit);
    q.fetch_all(c).await
}

/// One page (plus one row) of the events a reader may see, newest first, before `before`.
/// `reach` is their organisation visibility as `OrgVisibility::binds` gives it: `all` reads
/// every event; `assigned`, the events about the organisations assigned to the user (found
/// through the assignments); anything else, nothing.
pub fn list_query(
    backend: Backend,
    tenant: TenantId,
    reach: (&str, Option<Uuid>),
    kinds: &[String],
    organization: Option<OrganizationId>,
    before: Option<Uuid>,
    limit: u32,
) -> Query {
    // Staff limited to assignments start from them (CROSS JOIN keeps SQLite from starting at
    // the events): the list walks the events of their organisations only.
    let (from, assigned) = match reach {
        ("all", _) => ("events e", None),
        ("assigned", Some(user)) => ("staff_assignments a CROSS JOIN events e", Some(user)),
        _ => ("events e", None),
    };
    let mut q = Query::new(
        backend,
        &format!(
            "SELECT e.id, e.tenant_id, e.organization_id, e.kind, e.version, e.data, \
             e.occurred_at FROM {from} WHERE e.tenant_id = "
        ),
    );
    q.arg(tenant.0);
    match (reach.0, assigned) {
        ("all", _) => {}
        (_, Some(user)) => {
            q.sql(" AND a.tenant_id = ")
                .arg(tenant.0)
                .sql(" AND a.user_id = ")
                .arg(user)
                .sql(" AND a.organization_id = e.organization_id");
        }
        (_, None) => {
            q.sql(" AND 1 = 0");
        }
    }
    if !kinds.is_empty() {
        q.sql(" AND e.kind IN ")
            .args(kinds.iter().map(String::as_str));
    }
    if let Some(organization) = organization {
        q.sql(" AND e.organization_id = ").arg(organization.0);
    }
    q.page_before("e.id", before, limit);
    q
}
