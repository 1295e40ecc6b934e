//! One-time links sent by email: invitations, sign-in (magic) links, password resets and
//! email-change confirmations. The secret travels only in the email, in the URL's fragment
//! (so it never reaches a server log or a `Referer`); the database keeps its SHA-256 digest.
//! A link works once and before it expires; issuing a new link of a purpose retires the
//! person's older ones.

use crate::db::AsExec;
use crate::error::{ApiError, ApiResult};
use crate::on_db;
use crate::tenancy::service::TenantRow;
use crate::tokens;
use chrono::{DateTime, Duration, Utc};
use portico_shared::{TenantId, UserId};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Invitation,
    MagicLink,
    PasswordReset,
    EmailChange,
}

impl Purpose {
    fn column(self) -> &'static str {
        match self {
            Purpose::Invitation => "invitation",
            Purpose::MagicLink => "magic_link",
            Purpose::PasswordReset => "password_reset",
            Purpose::EmailChange => "email_change",
        }
    }

    /// How long a link stays good: a sign-in link at most 15 minutes (the issue's bound).
    pub fn lifetime(self) -> Duration {
        match self {
            Purpose::Invitation => Duration::days(7),
            Purpose::MagicLink => Duration::minutes(15),
            Purpose::PasswordReset => Duration::minutes(30),
            Purpose::EmailChange => Duration::hours(24),
        }
    }

    /// The web app's page that redeems the link.
    fn page(self) -> &'static str {
        match self {
            Purpose::Invitation => "/invitation",
            Purpose::MagicLink => "/magic-link",
            Purpose::PasswordReset => "/reset-password",
            Purpose::EmailChange => "/confirm-email",
        }
    }
}

/// A link as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LinkRow {
    pub tenant_id: Uuid,
    pub user_id: Uuid,
    pub new_email: Option<String>,
    pub expires_at: DateTime<Utc>,
}

impl LinkRow {
    pub fn tenant(&self) -> TenantId {
        TenantId(self.tenant_id)
    }

    pub fn user(&self) -> UserId {
        UserId(self.user_id)
    }
}

/// The page URL of a link: `<public url><page>?tenant=<slug>#token=<secret>`.
pub fn url(portal_url: &str, tenant: &TenantRow, purpose: Purpose, secret: &str) -> String {
    let page = crate::config::page_url(portal_url, &tenant.slug, purpose.page());
    format!("{page}#token={secret}")
}

/// Issues a link for `user` on `c` (retiring their unused links of the same purpose) and
/// returns its URL. `new_email` is the address an email-change link confirms.
pub async fn issue(
    c: &mut impl AsExec,
    portal_url: &str,
    tenant: &TenantRow,
    user: UserId,
    purpose: Purpose,
    new_email: Option<&str>,
    now: DateTime<Utc>,
) -> ApiResult<String> {
    let secret = tokens::new_secret()?;
    let tenant_id = tenant.id;
    on_db!(c, e => sqlx::query(
        "UPDATE email_links SET used_at = $4 \
         WHERE tenant_id = $1 AND user_id = $2 AND purpose = $3 AND used_at IS NULL")
        .bind(tenant_id).bind(user.0).bind(purpose.column()).bind(now)
        .execute(e).await.map(|r| r.rows_affected()))?;
    on_db!(c, e => sqlx::query(
        "INSERT INTO email_links (id, tenant_id, user_id, purpose, token_hash, new_email, \
         created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(Uuid::now_v7()).bind(tenant_id).bind(user.0).bind(purpose.column())
        .bind(tokens::secret_digest(&secret)).bind(new_email).bind(now)
        .bind(now + purpose.lifetime())
        .execute(e).await.map(|r| r.rows_affected()))?;
    Ok(url(portal_url, tenant, purpose, &secret))
}

/// Retires every outstanding link of a person (sign-in, reset, invitation, email change):
/// after their address or password changes, nothing sent earlier works any more.
pub async fn retire_all(
    c: &mut impl AsExec,
    tenant: TenantId,
    user: UserId,
    now: DateTime<Utc>,
) -> sqlx::Result<u64> {
    on_db!(c, e => sqlx::query(
        "UPDATE email_links SET used_at = $3 \
         WHERE tenant_id = $1 AND user_id = $2 AND used_at IS NULL")
        .bind(tenant.0).bind(user.0).bind(now)
        .execute(e).await.map(|r| r.rows_affected()))
}

const LINK_COLUMNS: &str = "tenant_id, user_id, new_email, expires_at";

/// The good link with this secret, without using it (to show what it is for).
pub async fn peek(
    c: &mut impl AsExec,
    secret: &str,
    purpose: Purpose,
    now: DateTime<Utc>,
) -> ApiResult<LinkRow> {
    let sql = format!(
        "SELECT {LINK_COLUMNS} FROM email_links \
         WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3"
    );
    let row: Option<LinkRow> = on_db!(c, e => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(tokens::secret_digest(secret)).bind(purpose.column()).bind(now)
        .fetch_optional(e).await)?;
    row.ok_or(ApiError::LinkExpired)
}

/// Uses the link with this secret: of concurrent callers exactly one gets it; unknown, used
/// and expired links all answer `LinkExpired` alike.
pub async fn redeem(
    c: &mut impl AsExec,
    secret: &str,
    purpose: Purpose,
    now: DateTime<Utc>,
) -> ApiResult<LinkRow> {
    let sql = format!(
        "UPDATE email_links SET used_at = $3 \
         WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3 \
         RETURNING {LINK_COLUMNS}"
    );
    let row: Option<LinkRow> = on_db!(c, e => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(tokens::secret_digest(secret)).bind(purpose.column()).bind(now)
        .fetch_optional(e).await)?;
    row.ok_or(ApiError::LinkExpired)
}

/// When `user` was last sent a link of `purpose`, if ever (to refuse mail floods).
pub async fn last_issued(
    c: &mut impl AsExec,
    tenant: TenantId,
    user: UserId,
    purpose: Purpose,
) -> sqlx::Result<Option<DateTime<Utc>>> {
    let row: Option<(DateTime<Utc>,)> = on_db!(c, e => sqlx::query_as(
        "SELECT created_at FROM email_links WHERE tenant_id = $1 AND user_id = $2 \
         AND purpose = $3 ORDER BY created_at DESC LIMIT 1")
        .bind(tenant.0).bind(user.0).bind(purpose.column()).fetch_optional(e).await)?;
    Ok(row.map(|(t,)| t))
}

/// How many links of `purpose` `user` was sent since `since`, and the oldest of them.
pub async fn issued_since(
    c: &mut impl AsExec,
    tenant: TenantId,
    user: UserId,
    purpose: Purpose,
    since: DateTime<Utc>,
) -> sqlx::Result<(i64, Option<DateTime<Utc>>)> {
    on_db!(c, e => sqlx::query_as(
        "SELECT COUNT(*), MIN(created_at) FROM email_links WHERE tenant_id = $1 AND user_id = $2 \
         AND purpose = $3 AND created_at > $4")
        .bind(tenant.0).bind(user.0).bind(purpose.column()).bind(since).fetch_one(e).await)
}
