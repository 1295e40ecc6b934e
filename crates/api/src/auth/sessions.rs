//! Starting and ending sign-in sessions. A session is one refresh-token family.

use crate::auth::queries;
use crate::db::Tx;
use crate::tokens;
use chrono::{DateTime, Duration, Utc};
use portico_shared::{SessionId, TenantId, UserId};

/// A new session and its first refresh token (the only time the token exists in clear).
pub struct Started {
    pub session: SessionId,
    pub refresh_token: String,
}

pub async fn start(
    tx: &mut Tx,
    tenant: TenantId,
    user: UserId,
    origin: &crate::audit::Origin,
    ttl: Duration,
    now: DateTime<Utc>,
) -> anyhow::Result<Started> {
    let session = SessionId::new();
    queries::insert_session(
        tx,
        &queries::NewSession {
            id: session,
            tenant,
            user,
            now,
            expires_at: now + ttl,
            ip: origin.ip.as_deref(),
            user_agent: origin.user_agent.as_deref(),
            viewer: None,
        },
    )
    .await?;
    let refresh_token = tokens::new_secret()?;
    queries::insert_refresh_token(
        tx,
        tenant,
        session,
        &tokens::secret_digest(&refresh_token),
        now,
    )
    .await?;
    Ok(Started {
        session,
        refresh_token,
    })
}
