//! SQL for the audit log.

use super::{GENESIS_HASH, StoredEvent};
use crate::db::AsExec;
use crate::on_db;
use portico_shared::TenantId;

/// Starts a tenant's chain (at tenant creation).
pub async fn create_head(c: &mut impl AsExec, tenant: TenantId) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query(
        "INSERT INTO audit_chain_heads (tenant_id, seq, hash) VALUES ($1, 0, $2) \
         ON CONFLICT (tenant_id) DO NOTHING")
        .bind(tenant.0).bind(GENESIS_HASH).execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Takes the next sequence number and returns it with the previous hash. The UPDATE locks the
/// tenant's head row until the transaction ends, so appends to one chain never interleave.
pub async fn advance_head(c: &mut impl AsExec, tenant: TenantId) -> sqlx::Result<(i64, String)> {
    on_db!(c, e => sqlx::query_as(
        "UPDATE audit_chain_heads SET seq = seq + 1 WHERE tenant_id = $1 RETURNING seq, hash")
        .bind(tenant.0).fetch_one(e).await)
}

pub async fn set_head_hash(c: &mut impl AsExec, tenant: TenantId, hash: &str) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query("UPDATE audit_chain_heads SET hash = $2 WHERE tenant_id = $1")
        .bind(tenant.0).bind(hash).execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn insert_event(c: &mut impl AsExec, ev: &StoredEvent) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query(
        "INSERT INTO audit_events (id, tenant_id, seq, occurred_at, actor_user_id, actor, action, \
         object_type, object_id, outcome, ip, user_agent, request_id, details, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)")
        .bind(ev.id).bind(ev.tenant_id).bind(ev.seq).bind(ev.occurred_at).bind(ev.actor_user_id)
        .bind(&ev.actor).bind(&ev.action).bind(&ev.object_type).bind(&ev.object_id)
        .bind(&ev.outcome).bind(&ev.ip).bind(&ev.user_agent).bind(&ev.request_id)
        .bind(&ev.details).bind(&ev.prev_hash).bind(&ev.hash)
        .execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}

const EVENT_COLUMNS: &str = "SELECT id, tenant_id, seq, occurred_at, actor_user_id, actor, action, \
     object_type, object_id, outcome, ip, user_agent, request_id, details, prev_hash, hash \
     FROM audit_events";

/// A tenant's whole chain, in order.
pub async fn events_of(c: &mut impl AsExec, tenant: TenantId) -> sqlx::Result<Vec<StoredEvent>> {
    let sql = format!("{EVENT_COLUMNS} WHERE tenant_id = $1 ORDER BY seq");
    on_db!(c, e => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(tenant.0).fetch_all(e).await)
}

pub async fn head_of(c: &mut impl AsExec, tenant: TenantId) -> sqlx::Result<Option<(i64, String)>> {
    on_db!(c, e => sqlx::query_as("SELECT seq, hash FROM audit_chain_heads WHERE tenant_id = $1")
        .bind(tenant.0).fetch_optional(e).await)
}
