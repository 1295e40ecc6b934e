//! HTTP handlers for signing in and out, refreshing, and `GET /me`.

use crate::audit::{self, Event, Origin, Outcome};
use crate::auth::queries::Sessions;
use crate::auth::rules::{Throttle, throttle, window_expired};
use crate::auth::{Access, Principal, devices, queries, sessions};
use crate::body::JsonObject;
use crate::db::Tx;
use crate::error::{ApiError, ApiResult};
use crate::passwords::{Password, Verdict};
use crate::state::AppState;
use crate::tenancy::service as tenancy;
use crate::tokens;
use actix_web::cookie::{Cookie, SameSite, time};
use actix_web::{HttpRequest, HttpResponse, ResponseError, delete, get, post, web};
use chrono::Duration;
use portico_shared::auth::{
    ChangePassword, JwkSet, LoginRequest, REFRESH_COOKIE, REFRESH_COOKIE_PATH, RefreshInclude,
    RefreshParams, SessionInfo, TokenResponse,
};
use portico_shared::tenancy::{Me, Membership, OrganizationRef, User};
use portico_shared::{OrganizationId, Problem, SessionId, TenantId, UserId};
use serde_json::json;

/// The refresh cookie (SECURITY.md S8): HttpOnly, Secure, SameSite=Strict, scoped to the auth
/// endpoints only.
pub(crate) fn refresh_cookie(token: &str, max_age_days: u32) -> Cookie<'static> {
    Cookie::build(REFRESH_COOKIE, token.to_owned())
        .path(REFRESH_COOKIE_PATH)
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Strict)
        .max_age(time::Duration::days(i64::from(max_age_days)))
        .finish()
}

fn cleared_cookie() -> Cookie<'static> {
    let mut c = refresh_cookie("", 0);
    c.make_removal();
    c
}

/// A 401 that also clears the refresh cookie.
fn unauthorized_clearing_cookie() -> HttpResponse {
    let mut res = ApiError::Unauthorized.error_response();
    let _ = res.add_cookie(&cleared_cookie());
    res
}

pub(crate) fn check_ip_limit(state: &AppState, origin: &Origin) -> ApiResult<()> {
    if let Some(ip) = origin.ip.as_deref().and_then(|ip| ip.parse().ok()) {
        state
            .ip_limiter
            .check(ip, state.clock.now())
            .map_err(|retry_after| ApiError::TooManyRequests { retry_after })?;
    }
    Ok(())
}

/// The tokens for a session: a new access token in the body, the refresh cookie alongside.
fn token_response(
    state: &AppState,
    user: User,
    session: SessionId,
    refresh_token: &str,
    who_is_signed_in: Option<Me>,
) -> ApiResult<HttpResponse> {
    let now = state.clock.now();
    let access = state.keys.sign_access(
        user.tenant_id.0,
        user.id.0,
        session.0,
        now,
        state.config.access_token_ttl,
    )?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .cookie(refresh_cookie(refresh_token, state.config.session_ttl_days))
        .json(TokenResponse {
            access_token: access,
            token_type: "Bearer".into(),
            expires_in: state.config.access_token_ttl,
            user,
            me: who_is_signed_in,
        }))
}

/// Sign in with the tenant's slug, an email address and a password.
///
/// Returns an access token (valid for at most 15 minutes) and sets the `portico_refresh`
/// cookie used by `POST /auth/refresh`. A wrong email and a wrong password give the same
/// answer. Repeated failures lock the account for a while (429 with `Retry-After`) — except on
/// devices that signed in to it before (the `portico_device` cookie), which keep an allowance
/// of their own — and so do repeated failures from one address across accounts.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in. The refresh token is set as the HttpOnly `portico_refresh` cookie.", body = TokenResponse,
         headers(("Set-Cookie" = String, description = "`portico_refresh=…; Path=/api/v1/auth; HttpOnly; Secure; SameSite=Strict`, and `portico_device=…` (same attributes, a year) marking this browser as a known device of the account."))),
        (status = 401, description = "Wrong tenant, email or password.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The body is not a valid sign-in request.", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts for this account or from this address.", body = Problem, content_type = "application/problem+json",
         headers(("Retry-After" = u64, description = "Seconds to wait."))),
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    origin: Origin,
    req: HttpRequest,
    JsonObject(body): JsonObject<LoginRequest>,
) -> ApiResult<HttpResponse> {
    check_ip_limit(&state, &origin)?;
    let now = state.clock.now();
    let email = tenancy::normalize_email(&body.email).map_err(|m| ApiError::invalid("email", m))?;
    let password = Password::new(body.password);

    let mut conn = state.db.conn().await?;
    let Some(tenant) = tenancy::find_tenant_by_slug(&mut conn, body.tenant.trim()).await? else {
        state.passwords.verify(password, None).await?;
        return Err(ApiError::InvalidCredentials);
    };
    let tenant_id = TenantId(tenant.id);
    let window = Duration::seconds(state.config.login_failure_window as i64);
    let device = req
        .cookie(devices::DEVICE_COOKIE)
        .and_then(|c| devices::verify(&state.data_key, tenant_id, &email, c.value()));
    let counters = failure_counters(&state, &origin, &email, device.as_deref());
    let mut throttles = Vec::with_capacity(counters.len());
    for (counter, limit) in &counters {
        let row = queries::throttle_of(&mut conn, tenant_id, counter).await?;
        if let Some(t) = &row
            && let Throttle::Locked { retry_after } =
                throttle(t.failures.into(), t.window_started_at, now, *limit, window)
        {
            return Err(ApiError::TooManyRequests { retry_after });
        }
        throttles.push(row);
    }
    let user = tenancy::find_user_by_email(&mut conn, tenant_id, &email).await?;
    drop(conn);

    let verdict = state
        .passwords
        .verify(
            password.clone(),
            user.as_ref().and_then(|u| u.password_hash.clone()),
        )
        .await?;
    let active = user.as_ref().is_some_and(|u| u.status == "active");
    let user = match user {
        Some(user) if active && verdict != Verdict::Wrong => user,
        user => {
            let reason = match &user {
                None => "unknown_account",
                Some(_) if verdict == Verdict::Wrong => "wrong_password",
                Some(_) => "account_not_active",
            };
            let mut tx = state.db.begin().await?;
            for ((counter, _), row) in counters.iter().zip(&throttles) {
                let new_window = row
                    .as_ref()
                    .is_some_and(|t| window_expired(t.window_started_at, now, window));
                queries::count_failure(&mut tx, tenant_id, counter, now, new_window).await?;
            }
            let event = Event::new(tenant_id, "auth.login", Outcome::Failure)
                .by(user.as_ref().map(|u| UserId(u.id)), &email)
                .details(json!({ "reason": reason, "known_device": device.is_some() }));
            audit::record(&mut tx, event, &origin, now).await?;
            tx.commit().await?;
            return Err(ApiError::InvalidCredentials);
        }
    };

    let user_id = UserId(user.id);
    // Hash before taking the write lock: hashing takes tens of milliseconds.
    let upgraded = match verdict {
        Verdict::RightButRehash => Some(state.passwords.hash(password).await?),
        _ => None,
    };
    let mut tx = state.db.begin().await?;
    // The account's (or this device's) count starts again; the address's does not, or an
    // attacker could clear it by signing in to an account of their own.
    let (counter, _) = &counters[0];
    queries::clear_throttle(&mut tx, tenant_id, counter).await?;
    if let Some(hash) = &upgraded {
        tenancy::set_password_hash(&mut tx, tenant_id, user_id, hash, now).await?;
    }
    let details = json!({ "method": "password", "password_hash_upgraded": upgraded.is_some() });
    let mut res = start_session(&state, tx, user, &origin, details).await?;
    // This browser is now a known device of the account (a fresh cookie each time).
    res.add_cookie(&devices::issue(&state.data_key, tenant_id, &email)?)
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(res)
}

/// What a failed sign-in counts against, with each counter's limit, the first being the one a
/// success clears (SECURITY.md S3). From a known device: that device's own allowance only, so
/// the account's rightful user keeps signing in from it while the account is locked for
/// everyone else. Otherwise: the account, and the client address across every account (so one
/// address cannot lock out many accounts).
fn failure_counters(
    state: &AppState,
    origin: &Origin,
    email: &str,
    device: Option<&str>,
) -> Vec<(String, u32)> {
    let limit = state.config.login_failure_limit;
    match device {
        Some(device) => vec![(format!("device:{device}"), limit)],
        None => {
            let mut counters = vec![(email.to_string(), limit)];
            if let Some(ip) = &origin.ip {
                counters.push((format!("ip:{ip}"), state.config.login_source_failure_limit));
            }
            counters
        }
    }
}

/// Signs `user` in: starts a session in `tx`, records `auth.login` with `details` (how they
/// proved who they are), commits, and answers with the tokens.
pub(crate) async fn start_session(
    state: &AppState,
    tx: Tx,
    user: tenancy::UserRow,
    origin: &Origin,
    details: serde_json::Value,
) -> ApiResult<HttpResponse> {
    let (user, started) = begin_session(state, tx, user, origin, details).await?;
    token_response(state, user, started.session, &started.refresh_token, None)
}

/// The first half of [`start_session`]: the session is started and committed; the caller
/// hands out its tokens.
pub(crate) async fn begin_session(
    state: &AppState,
    mut tx: Tx,
    user: tenancy::UserRow,
    origin: &Origin,
    details: serde_json::Value,
) -> ApiResult<(User, sessions::Started)> {
    let now = state.clock.now();
    let (tenant_id, user_id) = (TenantId(user.tenant_id), UserId(user.id));
    let ttl = Duration::days(i64::from(state.config.session_ttl_days));
    let started = sessions::start(&mut tx, tenant_id, user_id, origin, ttl, now).await?;
    let event = Event::new(tenant_id, "auth.login", Outcome::Success)
        .by(Some(user_id), &user.email)
        .on("session", started.session)
        .details(details);
    audit::record(&mut tx, event, origin, now).await?;
    tx.commit().await?;
    Ok((user.try_into()?, started))
}

/// Trade the `portico_refresh` cookie for a new access token.
///
/// The refresh token is single-use: each call sets a new cookie. Presenting a refresh token
/// that was already used ends the whole session (it was likely stolen). With `include=me` the
/// answer also says who is signed in, as `GET /me` would.
#[utoipa::path(
    tag = "auth",
    params(
        ("portico_refresh" = String, Cookie, description = "The refresh token set at sign-in."),
        RefreshParams,
    ),
    responses(
        (status = 200, description = "A new access token; the cookie is rotated.", body = TokenResponse,
         headers(("Set-Cookie" = String, description = "The next refresh token."))),
        (status = 401, description = "No cookie, or the refresh token is unknown, used, expired or revoked.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown `include`; the cookie is not used up.", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address.", body = Problem, content_type = "application/problem+json",
         headers(("Retry-After" = u64, description = "Seconds to wait."))),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    origin: Origin,
    req: HttpRequest,
    web::Query(params): web::Query<RefreshParams>,
) -> ApiResult<HttpResponse> {
    check_ip_limit(&state, &origin)?;
    let Some(cookie) = req.cookie(REFRESH_COOKIE) else {
        return Ok(unauthorized_clearing_cookie());
    };
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let Some(found) =
        queries::find_refresh_token(&mut tx, &tokens::secret_digest(cookie.value())).await?
    else {
        return Ok(unauthorized_clearing_cookie());
    };
    let (tenant, user, session) = (
        TenantId(found.tenant_id),
        UserId(found.user_id),
        SessionId(found.session_id),
    );

    if found.rotated_at.is_some() || !queries::mark_rotated(&mut tx, found.token_id, now).await? {
        // RFC 9700 §4.14.2: reuse of a rotated refresh token revokes the whole family.
        if queries::revoke_sessions(
            &mut tx,
            tenant,
            Sessions::One(session),
            "refresh token reused",
            now,
        )
        .await?
            > 0
        {
            let event = Event::new(tenant, "auth.refresh_token_reused", Outcome::Denied)
                .by(Some(user), "unknown holder")
                .on("session", session);
            audit::record(&mut tx, event, &origin, now).await?;
        }
        tx.commit().await?;
        return Ok(unauthorized_clearing_cookie());
    }
    if found.revoked_at.is_some() || found.expires_at <= now || found.user_status != "active" {
        return Ok(unauthorized_clearing_cookie());
    }
    let next = tokens::new_secret()?;
    queries::insert_refresh_token(&mut tx, tenant, session, &tokens::secret_digest(&next), now)
        .await?;
    queries::touch_session(
        &mut tx,
        session,
        now,
        now + Duration::days(i64::from(state.config.session_ttl_days)),
    )
    .await?;
    let user_row = tenancy::get_user(&mut tx, tenant, user)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    tx.commit().await?;
    let who_is_signed_in = match params.include {
        Some(RefreshInclude::Me) => {
            let who = super::principal::load(&state, tenant, user, session, now).await?;
            Some(me_of(&state, &who).await?)
        }
        None => None,
    };
    token_response(
        &state,
        user_row.try_into()?,
        session,
        &next,
        who_is_signed_in,
    )
}

/// Sign out: ends the session of the refresh cookie (or of the bearer token) and clears the
/// cookie. Always answers 204.
#[utoipa::path(
    tag = "auth",
    params(("portico_refresh" = Option<String>, Cookie, description = "The refresh token set at sign-in.")),
    responses(
        (status = 204, description = "Signed out; the cookie is cleared."),
    ),
    security((), ("bearer" = []))
)]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    origin: Origin,
    principal: Option<Principal>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let from_cookie = match req.cookie(REFRESH_COOKIE) {
        Some(c) => queries::find_refresh_token(&mut tx, &tokens::secret_digest(c.value()))
            .await?
            .map(|t| {
                (
                    TenantId(t.tenant_id),
                    UserId(t.user_id),
                    SessionId(t.session_id),
                )
            }),
        None => None,
    };
    let target = from_cookie.or(principal
        .as_ref()
        .map(|p| (p.tenant_id, p.user_id, p.session_id)));
    if let Some((tenant, user, session)) = target
        && queries::revoke_sessions(&mut tx, tenant, Sessions::One(session), "signed out", now)
            .await?
            > 0
    {
        let event = Event::new(tenant, "auth.logout", Outcome::Success)
            .by(Some(user), user.to_string())
            .on("session", session);
        audit::record(&mut tx, event, &origin, now).await?;
    }
    tx.commit().await?;
    Ok(HttpResponse::NoContent().cookie(cleared_cookie()).finish())
}

/// Who is signed in: the user, their tenant, and their staff role or their organisations
/// with the scopes they hold in each.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, description = "The signed-in principal.", body = Me),
    ),
)]
#[get("/me")]
pub async fn me(state: web::Data<AppState>, who: Principal) -> ApiResult<web::Json<Me>> {
    Ok(web::Json(me_of(&state, &who).await?))
}

/// What `GET /me` answers for `who`.
async fn me_of(state: &AppState, who: &Principal) -> ApiResult<Me> {
    let mut conn = state.db.conn().await?;
    let tenant = tenancy::get_tenant(&mut conn, who.tenant_id)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    let user = tenancy::get_user(&mut conn, who.tenant_id, who.user_id)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    let (staff_role, assigned_organizations, memberships) = match &who.access {
        Access::Staff { role, assigned } => {
            let assigned = match assigned {
                Some(_) => Some(
                    tenancy::assignments_of(&mut conn, who.tenant_id, who.user_id)
                        .await?
                        .into_iter()
                        .map(|a| OrganizationRef {
                            id: OrganizationId(a.organization_id),
                            name: a.organization_name,
                        })
                        .collect(),
                ),
                None => None,
            };
            (Some(*role), assigned, Vec::new())
        }
        Access::Customer { .. } => {
            let memberships = tenancy::memberships_of(&mut conn, who.tenant_id, who.user_id)
                .await?
                .into_iter()
                .map(|m| {
                    Ok(Membership {
                        scopes: tenancy::scopes_from_column(&m.scopes)?,
                        organization: OrganizationRef {
                            id: OrganizationId(m.organization_id),
                            name: m.organization_name,
                        },
                    })
                })
                .collect::<ApiResult<_>>()?;
            (None, None, memberships)
        }
    };
    let view_as = match who.viewer {
        Some(viewer) => Some(super::view_as::describe(&mut conn, who, viewer).await?),
        None => None,
    };
    Ok(Me {
        user: user.try_into()?,
        tenant: tenant.into(),
        staff_role,
        assigned_organizations,
        memberships,
        view_as,
    })
}

/// The public keys that verify Portico's access tokens (JWKS, RFC 7517).
#[utoipa::path(
    tag = "auth",
    responses((status = 200, description = "The current and recently retired Ed25519 keys.", body = JwkSet))
)]
#[get("/.well-known/jwks.json")]
pub async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((
            actix_web::http::header::CACHE_CONTROL,
            "public, max-age=300",
        ))
        .json(state.keys.jwks(state.clock.now()))
}

/// The signed-in user's open sessions — each browser or device signed in — most recently
/// used first (at most 100).
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, description = "The open sessions.", body = Vec<SessionInfo>),
    ),
)]
#[get("/me/sessions")]
pub async fn list_my_sessions(
    state: web::Data<AppState>,
    who: Principal,
) -> ApiResult<web::Json<Vec<SessionInfo>>> {
    let mut conn = state.db.conn().await?;
    let rows =
        queries::open_sessions_of(&mut conn, who.tenant_id, who.user_id, state.clock.now()).await?;
    Ok(web::Json(
        rows.into_iter()
            .map(|r| SessionInfo {
                id: SessionId(r.id),
                created_at: r.created_at,
                last_used_at: r.last_used_at,
                expires_at: r.expires_at,
                ip: r.ip,
                user_agent: r.user_agent,
                current: r.id == who.session_id.0,
            })
            .collect(),
    ))
}

/// End one of the signed-in user's sessions (a lost phone, say): its tokens stop working at
/// once. Ending the current session signs out here too.
#[utoipa::path(
    tag = "auth",
    params(("session_id" = SessionId, Path, description = "The session's id.")),
    responses(
        (status = 204, description = "The session has ended."),
        (status = 404, description = "No such open session of this user.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[delete("/me/sessions/{session_id}")]
pub async fn end_my_session(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    path: web::Path<SessionId>,
) -> ApiResult<HttpResponse> {
    let session = path.into_inner();
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let which = Sessions::OneOf(who.user_id, session);
    let ended =
        queries::revoke_sessions(&mut tx, who.tenant_id, which, "ended by the user", now).await?;
    if ended == 0 {
        return Err(ApiError::NotFound);
    }
    let event = Event::new(who.tenant_id, "auth.session_ended", Outcome::Success)
        .by(Some(who.user_id), &who.email)
        .on("session", session);
    audit::record(&mut tx, event, &origin, now).await?;
    tx.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Change the signed-in user's password. The current password is required; every other
/// session ends, this one stays signed in. Wrong current passwords count toward the account's
/// sign-in throttle.
#[utoipa::path(
    tag = "auth",
    request_body = ChangePassword,
    responses(
        (status = 204, description = "Changed; other sessions have ended."),
        (status = 422, description = "The current password is wrong (`current_password`) or the new one is refused (`new_password`).", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many wrong passwords for this account.", body = Problem, content_type = "application/problem+json",
         headers(("Retry-After" = u64, description = "Seconds to wait."))),
    ),
)]
#[post("/me/password")]
pub async fn change_my_password(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    JsonObject(body): JsonObject<ChangePassword>,
) -> ApiResult<HttpResponse> {
    let current = Password::new(body.current_password);
    verify_own_password(&state, &who, &origin, current, "current_password").await?;
    super::accounts::change_own_password(
        state.ctx(),
        &state.passwords,
        &who,
        &origin,
        Password::new(body.new_password),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Checks the signed-in user's password again before a sensitive change. Wrong passwords
/// count toward the account's sign-in throttle and are audited; the error names `field`.
pub(crate) async fn verify_own_password(
    state: &AppState,
    who: &Principal,
    origin: &Origin,
    password: Password,
    field: &str,
) -> ApiResult<()> {
    let now = state.clock.now();
    let window = Duration::seconds(state.config.login_failure_window as i64);
    let mut conn = state.db.conn().await?;
    let throttled = queries::throttle_of(&mut conn, who.tenant_id, &who.email).await?;
    if let Some(t) = &throttled
        && let Throttle::Locked { retry_after } = throttle(
            t.failures.into(),
            t.window_started_at,
            now,
            state.config.login_failure_limit,
            window,
        )
    {
        return Err(ApiError::TooManyRequests { retry_after });
    }
    let user = tenancy::get_user(&mut conn, who.tenant_id, who.user_id)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    drop(conn);
    let verdict = state.passwords.verify(password, user.password_hash).await?;
    if verdict == Verdict::Wrong {
        let new_window =
            throttled.is_some_and(|t| window_expired(t.window_started_at, now, window));
        let mut tx = state.db.begin().await?;
        queries::count_failure(&mut tx, who.tenant_id, &who.email, now, new_window).await?;
        let event = Event::new(who.tenant_id, "auth.password_check", Outcome::Failure)
            .by(Some(who.user_id), &who.email)
            .on("user", who.user_id)
            .details(json!({ "reason": "wrong_current_password" }));
        audit::record(&mut tx, event, origin, now).await?;
        tx.commit().await?;
        return Err(ApiError::invalid(
            field,
            "this is not your current password",
        ));
    }
    Ok(())
}
