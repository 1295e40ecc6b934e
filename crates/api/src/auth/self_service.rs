//! Self-service through emailed links: accepting an invitation, signing in with a magic link,
//! resetting a forgotten password, and confirming a new email address.
//!
//! Asking for a magic link or a reset (S5) answers 202 whatever the address: the request only
//! queues a job, and the job — off the request path, so timing says nothing either — looks the
//! person up and, if there is an active account, sends the link.

use crate::audit::{self, Event, Origin, Outcome};
use crate::auth::handlers::{check_ip_limit, start_session};
use crate::auth::links::{self, LinkRow, Purpose};
use crate::auth::queries::{Sessions, revoke_sessions};
use crate::auth::rules::check_new_password;
use crate::body::JsonObject;
use crate::db::is_unique_violation;
use crate::error::{ApiError, ApiResult};
use crate::events;
use crate::jobs::{self, NewJob};
use crate::mail::{self, templates};
use crate::passwords::Password;
use crate::state::AppState;
use crate::tenancy::service::{self as tenancy, UserRow};
use actix_web::{HttpResponse, post, web};
use chrono::Duration;
use portico_shared::auth::TokenResponse;
use portico_shared::events::EventData;
use portico_shared::people::{InvitationDetails, LinkToken, RequestLink, SetPasswordWithLink};
use portico_shared::tenancy::Tenant;
use portico_shared::{Problem, TenantId, UserId};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The job that sends a requested magic link or password reset, if the account exists.
pub const LINK_REQUESTED_JOB: &str = "auth.link_requested";

/// At most one requested link of a kind per person per minute (no mail floods).
const RESEND_INTERVAL_SECONDS: i64 = 60;

#[derive(Debug, Serialize, Deserialize)]
struct LinkRequested {
    email: String,
    /// `magic_link` or `password_reset`.
    purpose: String,
}

/// Checks the request and queues the lookup; the same answer for every address.
async fn request_link(
    state: &AppState,
    origin: &Origin,
    body: RequestLink,
    purpose: &str,
) -> ApiResult<HttpResponse> {
    check_ip_limit(state, origin)?;
    let email = tenancy::normalize_email(&body.email).map_err(|m| ApiError::invalid("email", m))?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    if let Some(tenant) = tenancy::find_tenant_by_slug(&mut tx, body.tenant.trim()).await? {
        let payload = serde_json::to_value(LinkRequested {
            email,
            purpose: purpose.into(),
        })
        .expect("serialises");
        let mut job = NewJob::new(LINK_REQUESTED_JOB, payload, now);
        job.tenant = Some(TenantId(tenant.id));
        jobs::enqueue(&mut tx, job, now).await?;
    }
    tx.commit().await?;
    Ok(HttpResponse::Accepted().finish())
}

/// The job handler behind [`LINK_REQUESTED_JOB`].
pub fn link_requested_handler(state: web::Data<AppState>) -> jobs::Handler {
    std::sync::Arc::new(move |job: jobs::Job| {
        let state = state.clone();
        Box::pin(async move {
            let tenant = job.tenant.ok_or("a link request without a tenant")?;
            let request: LinkRequested = serde_json::from_value(job.payload)
                .map_err(|e| format!("not a link request: {e}"))?;
            send_requested_link(&state, tenant, request)
                .await
                .map_err(|e| format!("{e}"))
        })
    })
}

async fn send_requested_link(
    state: &AppState,
    tenant: TenantId,
    request: LinkRequested,
) -> ApiResult<()> {
    let purpose = match request.purpose.as_str() {
        "magic_link" => Purpose::MagicLink,
        _ => Purpose::PasswordReset,
    };
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let Some(tenant_row) = tenancy::get_tenant(&mut tx, tenant).await? else {
        return Ok(());
    };
    let Some(user) = tenancy::find_user_by_email(&mut tx, tenant, &request.email).await? else {
        return Ok(());
    };
    if user.status != "active" {
        return Ok(());
    }
    let user_id = UserId(user.id);
    if let Some(last) = links::last_issued(&mut tx, tenant, user_id, purpose).await?
        && now - last < Duration::seconds(RESEND_INTERVAL_SECONDS)
    {
        return Ok(());
    }
    let portal_url = state
        .config
        .portal_url(&tenant_row.slug, tenant_row.custom_domain.as_deref());
    let link = links::issue(
        &mut tx,
        &portal_url,
        &tenant_row,
        user_id,
        purpose,
        None,
        now,
    )
    .await?;
    let brand = tenant_row.brand(&portal_url);
    let minutes = purpose.lifetime().num_minutes();
    let (mail, action) = match purpose {
        Purpose::MagicLink => (
            templates::magic_link(&brand, &user.email, &user.name, &link, minutes),
            "auth.magic_link_sent",
        ),
        _ => (
            templates::password_reset(&brand, &user.email, &user.name, &link, minutes),
            "auth.password_reset_sent",
        ),
    };
    mail::queue(&mut tx, tenant, &mail, now).await?;
    let event = Event::new(tenant, action, Outcome::Success).on("user", user_id);
    audit::record(&mut tx, event, &Origin::default(), now).await?;
    tx.commit().await?;
    Ok(())
}

/// The person a link is for, if their account is in the state the link needs.
async fn person_of(
    c: &mut impl crate::db::AsExec,
    link: &LinkRow,
    status: &str,
) -> ApiResult<UserRow> {
    tenancy::get_user(c, link.tenant(), link.user())
        .await?
        .filter(|u| u.status == status)
        .ok_or(ApiError::LinkExpired)
}

/// Ask for a sign-in link by email (valid 15 minutes, single use). Always 202: the answer
/// does not tell whether the address has an account.
#[utoipa::path(
    tag = "auth",
    request_body = RequestLink,
    responses(
        (status = 202, description = "If the address has an active account, a link is on its way."),
        (status = 422, description = "Not a valid email address.", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address.", body = Problem, content_type = "application/problem+json",
         headers(("Retry-After" = u64, description = "Seconds to wait."))),
    )
)]
#[post("/auth/magic-link")]
pub async fn request_magic_link(
    state: web::Data<AppState>,
    origin: Origin,
    JsonObject(body): JsonObject<RequestLink>,
) -> ApiResult<HttpResponse> {
    request_link(&state, &origin, body, "magic_link").await
}

/// Sign in with the secret from a sign-in link. The link works once.
#[utoipa::path(
    tag = "auth",
    request_body = LinkToken,
    responses(
        (status = 200, description = "Signed in; the refresh cookie is set.", body = TokenResponse,
         headers(("Set-Cookie" = String, description = "The refresh token."))),
        (status = 410, description = "The link is unknown, used or expired.", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address.", body = Problem, content_type = "application/problem+json",
         headers(("Retry-After" = u64, description = "Seconds to wait."))),
    )
)]
#[post("/auth/magic-link/redeem")]
pub async fn redeem_magic_link(
    state: web::Data<AppState>,
    origin: Origin,
    JsonObject(body): JsonObject<LinkToken>,
) -> ApiResult<HttpResponse> {
    check_ip_limit(&state, &origin)?;
    let mut tx = state.db.begin().await?;
    let link = links::redeem(&mut tx, &body.token, Purpose::MagicLink, state.clock.now()).await?;
    let user = person_of(&mut tx, &link, "active").await?;
    start_session(&state, tx, user, &origin, json!({ "method": "magic_link" })).await
}

/// Ask for a password-reset link by email (valid 30 minutes, single use). Always 202: the
/// answer does not tell whether the address has an account.
#[utoipa::path(
    tag = "auth",
    request_body = RequestLink,
    responses(
        (status = 202, description = "If the address has an active account, a link is on its way."),
        (status = 422, description = "Not a valid email address.", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address.", body = Problem, content_type = "application/problem+json",
         headers(("Retry-After" = u64, description = "Seconds to wait."))),
    )
)]
#[post("/auth/password-reset")]
pub async fn request_password_reset(
    state: web::Data<AppState>,
    origin: Origin,
    JsonObject(body): JsonObject<RequestLink>,
) -> ApiResult<HttpResponse> {
    request_link(&state, &origin, body, "password_reset").await
}

/// Choose a new password with the secret from a reset link. Every session of the account
/// ends (S9) and a new one starts here.
#[utoipa::path(
    tag = "auth",
    request_body = SetPasswordWithLink,
    responses(
        (status = 200, description = "Password changed and signed in; the refresh cookie is set.", body = TokenResponse,
         headers(("Set-Cookie" = String, description = "The refresh token."))),
        (status = 410, description = "The link is unknown, used or expired.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The password is refused (`password`); the link still works.", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address.", body = Problem, content_type = "application/problem+json",
         headers(("Retry-After" = u64, description = "Seconds to wait."))),
    )
)]
#[post("/auth/password-reset/complete")]
pub async fn complete_password_reset(
    state: web::Data<AppState>,
    origin: Origin,
    JsonObject(body): JsonObject<SetPasswordWithLink>,
) -> ApiResult<HttpResponse> {
    if body.name.is_some() {
        return Err(ApiError::invalid(
            "name",
            "a reset does not change the name",
        ));
    }
    set_password_with_link(&state, &origin, body, Purpose::PasswordReset).await
}

/// What an invitation link is for: the invitee, the tenant and the organisations. The link
/// is not used up.
#[utoipa::path(
    tag = "auth",
    request_body = LinkToken,
    responses(
        (status = 200, description = "The invitation.", body = InvitationDetails),
        (status = 410, description = "The link is unknown, used or expired.", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address.", body = Problem, content_type = "application/problem+json",
         headers(("Retry-After" = u64, description = "Seconds to wait."))),
    )
)]
#[post("/auth/invitation/lookup")]
pub async fn lookup_invitation(
    state: web::Data<AppState>,
    origin: Origin,
    JsonObject(body): JsonObject<LinkToken>,
) -> ApiResult<web::Json<InvitationDetails>> {
    check_ip_limit(&state, &origin)?;
    let mut conn = state.db.conn().await?;
    let link = links::peek(
        &mut conn,
        &body.token,
        Purpose::Invitation,
        state.clock.now(),
    )
    .await?;
    let user = person_of(&mut conn, &link, "invited").await?;
    let tenant = tenancy::get_tenant(&mut conn, link.tenant())
        .await?
        .ok_or(ApiError::LinkExpired)?;
    let organizations = tenancy::memberships_of(&mut conn, link.tenant(), link.user())
        .await?
        .into_iter()
        .map(|m| m.organization_name)
        .collect();
    Ok(web::Json(InvitationDetails {
        email: user.email,
        name: user.name,
        tenant: Tenant::from(tenant).branding,
        organizations,
        expires_at: link.expires_at,
    }))
}

/// Accept an invitation: set a password (and optionally correct the name) with the secret
/// from the invitation link, and sign in.
#[utoipa::path(
    tag = "auth",
    request_body = SetPasswordWithLink,
    responses(
        (status = 200, description = "Accepted and signed in; the refresh cookie is set.", body = TokenResponse,
         headers(("Set-Cookie" = String, description = "The refresh token."))),
        (status = 410, description = "The link is unknown, used or expired.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The password (`password`) or name (`name`) is refused; the link still works.", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address.", body = Problem, content_type = "application/problem+json",
         headers(("Retry-After" = u64, description = "Seconds to wait."))),
    )
)]
#[post("/auth/invitation/accept")]
pub async fn accept_invitation(
    state: web::Data<AppState>,
    origin: Origin,
    JsonObject(body): JsonObject<SetPasswordWithLink>,
) -> ApiResult<HttpResponse> {
    set_password_with_link(&state, &origin, body, Purpose::Invitation).await
}

/// Sets a password with an invitation or reset link. The password is checked before the link
/// is used, so a refused password leaves the link working.
async fn set_password_with_link(
    state: &AppState,
    origin: &Origin,
    body: SetPasswordWithLink,
    purpose: Purpose,
) -> ApiResult<HttpResponse> {
    check_ip_limit(state, origin)?;
    let needs = match purpose {
        Purpose::Invitation => "invited",
        _ => "active",
    };
    let mut conn = state.db.conn().await?;
    let link = links::peek(&mut conn, &body.token, purpose, state.clock.now()).await?;
    let user = person_of(&mut conn, &link, needs).await?;
    drop(conn);
    let name = match body.name {
        Some(name) => tenancy::parse_name(&name).map_err(|m| ApiError::invalid("name", m))?,
        None => user.name.clone(),
    };
    check_new_password(&body.password, &[&user.email, &name])
        .map_err(|m| ApiError::invalid("password", m))?;
    let hash = state.passwords.hash(Password::new(body.password)).await?;

    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let link = links::redeem(&mut tx, &body.token, purpose, now).await?;
    let user = person_of(&mut tx, &link, needs).await?;
    let (tenant, user_id) = (link.tenant(), link.user());
    tenancy::set_password_hash(&mut tx, tenant, user_id, &hash, now).await?;
    links::retire_all(&mut tx, tenant, user_id, now).await?;
    let user = UserRow {
        name,
        status: "active".into(),
        ..user
    };
    let (action, method, ended) = match purpose {
        Purpose::Invitation => {
            tenancy::update_profile(&mut tx, &user, now).await?;
            tenancy::set_status(&mut tx, tenant, user_id, "active", now).await?;
            let joined = EventData::PersonJoined(user.person_event(Vec::new())?);
            events::emit(&mut tx, tenant, joined, now).await?;
            ("user.invitation_accepted", "invitation", 0)
        }
        _ => {
            let ended = revoke_sessions(
                &mut tx,
                tenant,
                Sessions::AllOf(user_id),
                "password reset",
                now,
            )
            .await?;
            ("user.password_reset", "password_reset", ended)
        }
    };
    let event = Event::new(tenant, action, Outcome::Success)
        .by(Some(user_id), &user.email)
        .on("user", user_id)
        .details(json!({ "sessions_ended": ended }));
    audit::record(&mut tx, event, origin, now).await?;
    start_session(state, tx, user, origin, json!({ "method": method })).await
}

/// Confirm a new email address with the secret from the link sent to it. From now on the
/// account signs in with the new address; the old one is told, and every link sent before
/// (sign-in, password reset) stops working.
#[utoipa::path(
    tag = "auth",
    request_body = LinkToken,
    responses(
        (status = 204, description = "The address is changed."),
        (status = 409, description = "Another account took the address meanwhile.", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The link is unknown, used or expired.", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address.", body = Problem, content_type = "application/problem+json",
         headers(("Retry-After" = u64, description = "Seconds to wait."))),
    )
)]
#[post("/auth/email-change/confirm")]
pub async fn confirm_email_change(
    state: web::Data<AppState>,
    origin: Origin,
    JsonObject(body): JsonObject<LinkToken>,
) -> ApiResult<HttpResponse> {
    check_ip_limit(&state, &origin)?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let link = links::redeem(&mut tx, &body.token, Purpose::EmailChange, now).await?;
    let user = person_of(&mut tx, &link, "active").await?;
    let new_email = link.new_email.clone().ok_or(ApiError::LinkExpired)?;
    // Links sent to the old address stop working with it.
    links::retire_all(&mut tx, link.tenant(), link.user(), now).await?;
    tenancy::set_email(&mut tx, link.tenant(), link.user(), &new_email, now)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                ApiError::Conflict("Another account uses this address now.".into())
            } else {
                e.into()
            }
        })?;
    let tenant = tenancy::get_tenant(&mut tx, link.tenant())
        .await?
        .ok_or(ApiError::LinkExpired)?;
    let portal_url = state
        .config
        .portal_url(&tenant.slug, tenant.custom_domain.as_deref());
    let brand = tenant.brand(&portal_url);
    let notice = templates::email_changed(&brand, &user.email, &user.name, &new_email);
    mail::queue(&mut tx, link.tenant(), &notice, now).await?;
    let event = Event::new(link.tenant(), "user.email_changed", Outcome::Success)
        .by(Some(link.user()), &new_email)
        .on("user", link.user())
        .details(json!({ "from": user.email, "to": new_email }));
    audit::record(&mut tx, event, &origin, now).await?;
    tx.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}
