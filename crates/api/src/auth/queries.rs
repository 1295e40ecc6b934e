//! SQL for sessions, refresh tokens and sign-in throttling.

use crate::db::AsExec;
use crate::on_db;
use chrono::{DateTime, Utc};
use portico_shared::{SessionId, TenantId, UserId};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    pub id: SessionId,
    pub tenant: TenantId,
    pub user: UserId,
    pub now: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    /// For a view-as session: the staff member looking.
    pub viewer: Option<UserId>,
}

pub async fn insert_session(c: &mut impl AsExec, s: &NewSession<'_>) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query(
        "INSERT INTO sessions (id, tenant_id, user_id, created_at, last_used_at, expires_at, ip, \
         user_agent, viewer_user_id) VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8)")
        .bind(s.id.0).bind(s.tenant.0).bind(s.user.0).bind(s.now).bind(s.expires_at)
        .bind(s.ip).bind(s.user_agent).bind(s.viewer.map(|v| v.0))
        .execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn insert_refresh_token(
    c: &mut impl AsExec,
    tenant: TenantId,
    session: SessionId,
    digest: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query(
        "INSERT INTO refresh_tokens (id, tenant_id, session_id, token_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5)")
        .bind(Uuid::now_v7()).bind(tenant.0).bind(session.0).bind(digest).bind(now)
        .execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// A refresh token found by its digest, with the state of its session and user.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PresentedToken {
    pub token_id: Uuid,
    pub rotated_at: Option<DateTime<Utc>>,
    pub session_id: Uuid,
    pub tenant_id: Uuid,
    pub user_id: Uuid,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub user_status: String,
}

/// Looks a refresh token up by digest. Refresh tokens name no tenant: the digest is unique.
pub async fn find_refresh_token(
    c: &mut impl AsExec,
    digest: &str,
) -> sqlx::Result<Option<PresentedToken>> {
    on_db!(c, e => sqlx::query_as(
        "SELECT t.id AS token_id, t.rotated_at, s.id AS session_id, s.tenant_id, s.user_id, \
                s.expires_at, s.revoked_at, u.status AS user_status \
         FROM refresh_tokens t \
         JOIN sessions s ON s.id = t.session_id \
         JOIN users u ON u.tenant_id = s.tenant_id AND u.id = s.user_id \
         WHERE t.token_hash = $1")
        .bind(digest).fetch_optional(e).await)
}

/// Marks a token used. False when it was already used (a concurrent or replayed refresh).
pub async fn mark_rotated(
    c: &mut impl AsExec,
    token_id: Uuid,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let done = on_db!(c, e => sqlx::query(
        "UPDATE refresh_tokens SET rotated_at = $2 WHERE id = $1 AND rotated_at IS NULL")
        .bind(token_id).bind(now).execute(e).await.map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

pub async fn touch_session(
    c: &mut impl AsExec,
    session: SessionId,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query(
        "UPDATE sessions SET last_used_at = $2, expires_at = $3 WHERE id = $1")
        .bind(session.0).bind(now).bind(expires_at).execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// A user's open sessions, most recently used first (at most 100); staff viewing as the user
/// are not the user's sessions.
pub async fn open_sessions_of(
    c: &mut impl AsExec,
    tenant: TenantId,
    user: UserId,
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<SessionRow>> {
    on_db!(c, e => sqlx::query_as(
        "SELECT id, created_at, last_used_at, expires_at, ip, user_agent FROM sessions \
         WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL AND expires_at > $3 \
           AND viewer_user_id IS NULL \
         ORDER BY last_used_at DESC, id DESC LIMIT 100")
        .bind(tenant.0).bind(user.0).bind(now).fetch_all(e).await)
}

/// Which open sessions to end.
#[derive(Debug, Clone, Copy)]
pub enum Sessions {
    /// One session, whoever holds it.
    One(SessionId),
    /// One session, only if this user holds it.
    OneOf(UserId, SessionId),
    /// Every session of a user.
    AllOf(UserId),
    /// Every session of a user but one (the one asking).
    AllOfBut(UserId, SessionId),
}

/// Ends the open sessions `which` names: their refresh tokens stop working, and so do their
/// access tokens, which are checked against the session on every request (S9). Ending every
/// session of a user also ends the view-as sessions that user started as a viewer, so a
/// staff member disabled, demoted or signed out everywhere stops looking at once. Returns how
/// many ended.
pub async fn revoke_sessions(
    c: &mut impl AsExec,
    tenant: TenantId,
    which: Sessions,
    reason: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<u64> {
    const SET: &str = "UPDATE sessions SET revoked_at = $2, revoked_reason = $3 \
                       WHERE tenant_id = $1 AND revoked_at IS NULL";
    let (sql, user, session) = match which {
        Sessions::One(s) => (format!("{SET} AND id = $4"), None, Some(s.0)),
        Sessions::OneOf(u, s) => (
            format!("{SET} AND id = $5 AND user_id = $4"),
            Some(u.0),
            Some(s.0),
        ),
        Sessions::AllOf(u) => (
            format!("{SET} AND (user_id = $4 OR viewer_user_id = $4)"),
            Some(u.0),
            None,
        ),
        Sessions::AllOfBut(u, s) => (
            format!("{SET} AND (user_id = $4 OR viewer_user_id = $4) AND id <> $5"),
            Some(u.0),
            Some(s.0),
        ),
    };
    on_db!(c, e => {
        let q = sqlx::query(sqlx::AssertSqlSafe(sql.clone())).bind(tenant.0).bind(now).bind(reason);
        let q = match (user, session) {
            (Some(u), Some(s)) => q.bind(u).bind(s),
            (Some(u), None) => q.bind(u),
            (None, Some(s)) => q.bind(s),
            (None, None) => q,
        };
        q.execute(e).await.map(|r| r.rows_affected())
    })
}

/// What an access token's session says about its holder, checked on every request.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionHolder {
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub kind: String,
    pub status: String,
    pub staff_role: Option<String>,
    pub email: String,
    pub organization_access: String,
    pub viewer_user_id: Option<Uuid>,
    /// The viewer's status, in a view-as session.
    pub viewer_status: Option<String>,
}

pub async fn session_holder(
    c: &mut impl AsExec,
    tenant: TenantId,
    user: UserId,
    session: SessionId,
) -> sqlx::Result<Option<SessionHolder>> {
    on_db!(c, e => sqlx::query_as(
        "SELECT s.expires_at, s.revoked_at, u.kind, u.status, u.staff_role, u.email, \
         u.organization_access, s.viewer_user_id, v.status AS viewer_status \
         FROM sessions s JOIN users u ON u.tenant_id = s.tenant_id AND u.id = s.user_id \
         LEFT JOIN users v ON v.tenant_id = s.tenant_id AND v.id = s.viewer_user_id \
         WHERE s.tenant_id = $1 AND s.user_id = $2 AND s.id = $3")
        .bind(tenant.0).bind(user.0).bind(session.0).fetch_optional(e).await)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ThrottleRow {
    pub failures: i32,
    pub window_started_at: DateTime<Utc>,
}

pub async fn throttle_of(
    c: &mut impl AsExec,
    tenant: TenantId,
    account: &str,
) -> sqlx::Result<Option<ThrottleRow>> {
    on_db!(c, e => sqlx::query_as(
        "SELECT failures, window_started_at FROM login_throttle WHERE tenant_id = $1 AND account = $2")
        .bind(tenant.0).bind(account).fetch_optional(e).await)
}

/// Counts one failure: in the current window, or as the first of a new one when
/// `new_window` says the current one has ended.
pub async fn count_failure(
    c: &mut impl AsExec,
    tenant: TenantId,
    account: &str,
    now: DateTime<Utc>,
    new_window: bool,
) -> sqlx::Result<ThrottleRow> {
    on_db!(c, e => sqlx::query_as(
        "INSERT INTO login_throttle (tenant_id, account, failures, window_started_at) \
         VALUES ($1, $2, 1, $3) \
         ON CONFLICT (tenant_id, account) DO UPDATE SET \
           failures = CASE WHEN $4 THEN 1 ELSE login_throttle.failures + 1 END, \
           window_started_at = CASE WHEN $4 THEN $3 ELSE login_throttle.window_started_at END \
         RETURNING failures, window_started_at")
        .bind(tenant.0).bind(account).bind(now).bind(new_window).fetch_one(e).await)
}

pub async fn clear_throttle(
    c: &mut impl AsExec,
    tenant: TenantId,
    account: &str,
) -> sqlx::Result<()> {
    on_db!(c, e => sqlx::query("DELETE FROM login_throttle WHERE tenant_id = $1 AND account = $2")
        .bind(tenant.0).bind(account).execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}
