//! SQL for the job queue.

use super::{Job, NewJob};
use crate::db::{AsExec, Backend};
use crate::on_db;
use chrono::{DateTime, Utc};
use portico_shared::TenantId;
use uuid::Uuid;

pub async fn insert(
    c: &mut impl AsExec,
    id: Uuid,
    job: &NewJob,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    let payload = job.payload.to_string();
    on_db!(c, e => sqlx::query(
        "INSERT INTO jobs (id, tenant_id, kind, payload, run_at, max_attempts, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(id).bind(job.tenant.map(|t| t.0)).bind(job.kind).bind(&payload)
        .bind(job.run_at).bind(job.max_attempts).bind(now)
        .execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct ClaimedRow {
    id: Uuid,
    tenant_id: Option<Uuid>,
    kind: String,
    payload: String,
    attempts: i32,
    max_attempts: i32,
}

/// A claimed job with what the worker needs to settle it.
pub struct Claimed {
    pub id: Uuid,
    pub kind: String,
    pub attempt: i32,
    pub max_attempts: i32,
    pub job: Job,
}

/// Takes the most overdue job that nobody holds, leasing it to `worker` until `lease_until`.
pub async fn claim(
    c: &mut impl AsExec,
    backend: Backend,
    worker: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> sqlx::Result<Option<Claimed>> {
    // SQLite has one writer at a time (the transaction is BEGIN IMMEDIATE); PostgreSQL
    // workers skip rows another worker is claiming.
    let skip_locked = match backend {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE jobs SET locked_by = $1, locked_until = $2, attempts = attempts + 1 \
         WHERE id = (SELECT id FROM jobs WHERE done_at IS NULL AND failed_at IS NULL \
           AND run_at <= $3 AND (locked_until IS NULL OR locked_until <= $3) \
           ORDER BY run_at, id LIMIT 1{skip_locked}) \
         RETURNING id, tenant_id, kind, payload, attempts, max_attempts"
    );
    let row: Option<ClaimedRow> = on_db!(c, e => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(worker).bind(lease_until).bind(now).fetch_optional(e).await)?;
    Ok(row.map(|r| Claimed {
        id: r.id,
        kind: r.kind.clone(),
        attempt: r.attempts,
        max_attempts: r.max_attempts,
        job: Job {
            id: r.id,
            tenant: r.tenant_id.map(TenantId),
            kind: r.kind,
            payload: serde_json::from_str(&r.payload).unwrap_or(serde_json::Value::Null),
            attempt: r.attempts,
        },
    }))
}

/// Marks a job done, if `worker` still holds it. A done job keeps no payload: payloads may
/// carry secrets (an emailed sign-in link) that must not outlive the work.
pub async fn complete(
    c: &mut impl AsExec,
    id: Uuid,
    worker: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query(
        "UPDATE jobs SET done_at = $3, locked_by = NULL, locked_until = NULL, payload = '{}' \
         WHERE id = $1 AND locked_by = $2")
        .bind(id).bind(worker).bind(now).execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Records a failure: due again at `retry_at`, or failed for good when that is `None`.
pub async fn fail(
    c: &mut impl AsExec,
    id: Uuid,
    worker: &str,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    let error: String = error.chars().take(2000).collect();
    on_db!(c, e => sqlx::query(
        "UPDATE jobs SET locked_by = NULL, locked_until = NULL, last_error = $3, \
           run_at = COALESCE($4, run_at), failed_at = CASE WHEN $4 IS NULL THEN $5 END \
         WHERE id = $1 AND locked_by = $2")
        .bind(id).bind(worker).bind(&error).bind(retry_at).bind(now)
        .execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}
