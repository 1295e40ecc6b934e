//! Password changes: validated against the policy, audited in the same transaction, and
//! ending the user's sessions and sign-in links at once (SECURITY.md S9).

use crate::audit::{self, Actor, Event, Origin, Outcome};
use crate::auth::Principal;
use crate::auth::queries::{Sessions, revoke_sessions};
use crate::auth::rules::check_new_password;
use crate::error::{ApiError, ApiResult};
use crate::passwords::Password;
use crate::passwords::Passwords;
use crate::state::Ctx;
use crate::tenancy::service as tenancy;
use portico_shared::{SessionId, TenantId, UserId};
use serde_json::json;

/// Sets a new password (checked against the policy) and ends every session of the user.
pub async fn change_password(
    cx: Ctx<'_>,
    passwords: &Passwords,
    actor: &Actor,
    origin: &Origin,
    tenant: TenantId,
    user: UserId,
    password: Password,
) -> ApiResult<()> {
    set_password(cx, passwords, actor, origin, (tenant, user), password, None).await
}

/// A signed-in user's own change, after they proved the current password: every other
/// session ends (S9); the one making the change stays signed in. A policy failure names the
/// field `new_password`.
pub async fn change_own_password(
    cx: Ctx<'_>,
    passwords: &Passwords,
    who: &Principal,
    origin: &Origin,
    password: Password,
) -> ApiResult<()> {
    let (actor, keep) = (Actor::from(who), Some(who.session_id));
    set_password(
        cx,
        passwords,
        &actor,
        origin,
        (who.tenant_id, who.user_id),
        password,
        keep,
    )
    .await
}

/// Stores a new password and ends the user's sessions, all but `own_session` when a user
/// changes their own (whose form calls the field `new_password`).
async fn set_password(
    cx: Ctx<'_>,
    passwords: &Passwords,
    actor: &Actor,
    origin: &Origin,
    (tenant, user): (TenantId, UserId),
    password: Password,
    own_session: Option<SessionId>,
) -> ApiResult<()> {
    let field = match own_session {
        Some(_) => "new_password",
        None => "password",
    };
    let mut conn = cx.db.conn().await?;
    let row = tenancy::get_user(&mut conn, tenant, user)
        .await?
        .ok_or(ApiError::NotFound)?;
    drop(conn);
    check_new_password(password.expose(), &[&row.email, &row.name])
        .map_err(|m| ApiError::invalid(field, m))?;
    let hash = passwords.hash(password).await?;
    let now = cx.clock.now();
    let mut tx = cx.db.begin().await?;
    tenancy::set_password_hash(&mut tx, tenant, user, &hash, now).await?;
    crate::auth::links::retire_all(&mut tx, tenant, user, now).await?;
    if row.status == "invited" {
        tenancy::set_status(&mut tx, tenant, user, "active", now).await?;
    }
    let which = match own_session {
        Some(session) => Sessions::AllOfBut(user, session),
        None => Sessions::AllOf(user),
    };
    let ended = revoke_sessions(&mut tx, tenant, which, "password changed", now).await?;
    let event = Event::new(tenant, "user.password_changed", Outcome::Success)
        .by_actor(actor)
        .on("user", user)
        .details(json!({ "sessions_ended": ended }));
    audit::record(&mut tx, event, origin, now).await?;
    tx.commit().await?;
    Ok(())
}
