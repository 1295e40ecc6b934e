//! Hand-off sign-in: a host application (the tenant's own web app) signs its user straight
//! into the portal. The tenant's owner issues a hand-off secret; the host application signs a
//! short-lived JWT (HS256) with it, naming the person and their organisation; the browser
//! opens `GET /api/v1/auth/handoff?token=…`, which verifies the token, links or creates the
//! contact, starts a portal session and redirects into the portal.
//!
//! The token's claims: `iss` (the tenant's slug), `aud` (`portico-handoff`), `iat` and `exp`
//! (at most 60 seconds apart), `jti` (unique: each token works once), `email`, optionally
//! `name`, `organization` (the organisation's external reference or its Portico id) and
//! `scopes` (for a new membership; default documents, messages and tickets).

use crate::audit::{self, Event, Origin, Outcome};
use crate::auth::Principal;
use crate::auth::handlers::{begin_session, check_ip_limit, refresh_cookie};
use crate::db::enums::Stored;
use crate::db::{AsExec, is_unique_violation};
use crate::error::{ApiError, ApiResult};
use crate::events;
use crate::on_db;
use crate::secrets::DataKey;
use crate::state::AppState;
use crate::tenancy::service::{self as tenancy, UserRow};
use crate::tokens;
use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use portico_shared::auth::HandoffSecret;
use portico_shared::events::EventData;
use portico_shared::tenancy::{Scope, StaffRole, UserStatus};
use portico_shared::{OrganizationId, Problem, TenantId, UserId};
use serde::Deserialize;
use serde_json::json;
use utoipa::IntoParams;

/// The audience every hand-off token names.
pub const AUDIENCE: &str = "portico-handoff";
/// The longest a hand-off token may live.
pub const MAX_LIFETIME_SECONDS: i64 = 60;
const LEEWAY_SECONDS: i64 = 5;

#[derive(Debug, Deserialize)]
struct Issuer {
    iss: String,
}

#[derive(Debug, Deserialize)]
struct Claims {
    iss: String,
    aud: String,
    iat: i64,
    exp: i64,
    jti: String,
    email: String,
    #[serde(default)]
    name: Option<String>,
    organization: String,
    #[serde(default)]
    scopes: Option<Vec<Scope>>,
}

/// Checks a token's signature (with the tenant's secret) and its claims at `now`.
fn verify(token: &str, slug: &str, secret: &str, now: DateTime<Utc>) -> Result<Claims, String> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let claims = jsonwebtoken::decode::<Claims>(
        token,
        &DecodingKey::from_secret(secret.as_bytes()),
        &validation,
    )
    .map_err(|e| format!("signature or format: {e}"))?
    .claims;
    let now = now.timestamp();
    if claims.iss != slug || claims.aud != AUDIENCE {
        return Err("wrong issuer or audience".into());
    }
    if now > claims.exp + LEEWAY_SECONDS {
        return Err("expired".into());
    }
    if claims.iat > now + LEEWAY_SECONDS {
        return Err("issued in the future".into());
    }
    if claims.exp - claims.iat > MAX_LIFETIME_SECONDS || claims.exp < claims.iat {
        return Err(format!("lives longer than {MAX_LIFETIME_SECONDS} seconds"));
    }
    if claims.jti.is_empty() || claims.jti.len() > 200 {
        return Err("no usable jti".into());
    }
    Ok(claims)
}

/// The tenant's hand-off secret, opened with the data key.
async fn secret_of(
    c: &mut impl AsExec,
    key: &DataKey,
    tenant: TenantId,
) -> ApiResult<Option<String>> {
    let Some(stored) = stored_secret(c, tenant).await? else {
        return Ok(None);
    };
    Ok(Some(key.open(&context(tenant), &stored)?))
}

async fn stored_secret(c: &mut impl AsExec, tenant: TenantId) -> sqlx::Result<Option<String>> {
    let row: Option<(Option<String>,)> = on_db!(c, e => sqlx::query_as(
        "SELECT handoff_secret FROM tenants WHERE id = $1")
        .bind(tenant.0).fetch_optional(e).await)?;
    Ok(row.and_then(|(s,)| s))
}

/// What a tenant's sealed hand-off secret is bound to.
fn context(tenant: TenantId) -> String {
    format!("handoff:{tenant}")
}

/// Whether the tenant has a hand-off secret.
pub async fn enabled(c: &mut impl AsExec, tenant: TenantId) -> sqlx::Result<bool> {
    Ok(stored_secret(c, tenant).await?.is_some())
}

/// Stores a tenant's hand-off secret sealed with the data key (or removes it).
async fn set_secret(
    c: &mut impl AsExec,
    key: &DataKey,
    tenant: TenantId,
    secret: Option<&str>,
) -> ApiResult<()> {
    let sealed = secret.map(|s| key.seal(&context(tenant), s)).transpose()?;
    on_db!(c, e => sqlx::query("UPDATE tenants SET handoff_secret = $2 WHERE id = $1")
        .bind(tenant.0).bind(&sealed).execute(e).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Seals hand-off secrets stored in clear by earlier versions (once, at start-up).
pub async fn seal_stored_secrets(db: &crate::db::Db, key: &DataKey) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    let rows: Vec<(uuid::Uuid, String)> = on_db!(&mut tx, e => sqlx::query_as(
        "SELECT id, handoff_secret FROM tenants WHERE handoff_secret IS NOT NULL")
        .fetch_all(e).await)?;
    for (id, stored) in rows {
        if !DataKey::is_sealed(&stored) {
            let sealed = key.seal(&context(TenantId(id)), &stored)?;
            on_db!(&mut tx, e => sqlx::query("UPDATE tenants SET handoff_secret = $2 WHERE id = $1")
                .bind(id).bind(&sealed).execute(e).await.map(|r| r.rows_affected()))?;
        }
    }
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct HandoffQuery {
    /// The signed hand-off token (a JWT, HS256).
    pub token: String,
    /// Where in the portal to land, a path such as `/documents`. Default: the dashboard.
    pub next: Option<String>,
}

/// Where to land: a path on this site only (no open redirect), else 422 — checked before
/// anything else is done.
fn landing(next: Option<&str>) -> ApiResult<String> {
    match next {
        None => Ok("/".into()),
        Some(n) => portico_shared::auth::local_path(n)
            .map(str::to_string)
            .ok_or_else(|| ApiError::invalid("next", "a path on this portal, such as /documents")),
    }
}

/// Sign in from a host application with a hand-off token (see the README for a worked
/// example). The token is verified with the tenant's hand-off secret, must live at most 60
/// seconds and works once. The contact is linked by email, or created, and made a member of
/// the named organisation if they are not. Answers with a redirect into the portal and the
/// refresh cookie; the portal picks the session up from there.
#[utoipa::path(
    tag = "auth",
    params(HandoffQuery),
    responses(
        (status = 303, description = "Signed in; redirects into the portal.",
         headers(
            ("Location" = String, description = "The portal page to open."),
            ("Set-Cookie" = String, description = "The refresh token."))),
        (status = 401, description = "The token is invalid, expired, used, or the tenant has no hand-off secret.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The email belongs to staff, who sign in with a password.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The token names an unknown organisation or a bad email, or `next` is not a path on this portal.", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address.", body = Problem, content_type = "application/problem+json",
         headers(("Retry-After" = u64, description = "Seconds to wait."))),
    )
)]
#[get("/auth/handoff")]
pub async fn handoff(
    state: web::Data<AppState>,
    origin: Origin,
    web::Query(query): web::Query<HandoffQuery>,
) -> ApiResult<HttpResponse> {
    check_ip_limit(&state, &origin)?;
    let next = landing(query.next.as_deref())?;
    let now = state.clock.now();
    let refused = |why: String| {
        tracing::info!(reason = %why, "hand-off token refused");
        ApiError::Unauthorized
    };
    let issuer: Issuer = jsonwebtoken::dangerous::insecure_decode_claims(&query.token)
        .map_err(|e| refused(format!("unreadable: {e}")))?;
    let mut tx = state.db.begin().await?;
    let tenant = tenancy::find_tenant_by_slug(&mut tx, &issuer.iss)
        .await?
        .ok_or_else(|| refused("unknown tenant".into()))?;
    let tenant_id = TenantId(tenant.id);
    let secret = secret_of(&mut tx, &state.data_key, tenant_id)
        .await?
        .ok_or_else(|| refused("hand-off is not enabled".into()))?;
    let claims = verify(&query.token, &tenant.slug, &secret, now).map_err(refused)?;

    let used = on_db!(&mut tx, e => sqlx::query(
        "INSERT INTO handoff_uses (tenant_id, jti, expires_at) VALUES ($1, $2, $3)")
        .bind(tenant.id).bind(&claims.jti)
        .bind(DateTime::<Utc>::from_timestamp(claims.exp, 0).unwrap_or(now))
        .execute(e).await.map(|r| r.rows_affected()));
    match used {
        Err(e) if is_unique_violation(&e) => return Err(refused("used before".into())),
        other => other?,
    };
    on_db!(&mut tx, e => sqlx::query("DELETE FROM handoff_uses WHERE tenant_id = $1 AND expires_at < $2")
        .bind(tenant.id).bind(now - chrono::Duration::minutes(5))
        .execute(e).await.map(|r| r.rows_affected()))?;

    let email =
        tenancy::normalize_email(&claims.email).map_err(|m| ApiError::invalid("email", m))?;
    let organization =
        match tenancy::find_organization_by_external_ref(&mut tx, tenant_id, &claims.organization)
            .await?
        {
            Some(org) => org,
            None => match claims.organization.parse::<OrganizationId>() {
                Ok(id) => tenancy::get_organization(&mut tx, tenant_id, id).await?,
                Err(_) => None,
            }
            .ok_or_else(|| ApiError::invalid("organization", "no such organisation"))?,
        };
    let org_id = OrganizationId(organization.id);
    let actor = format!("handoff:{}", tenant.slug);
    let user = match tenancy::find_user_by_email(&mut tx, tenant_id, &email).await? {
        Some(u) if u.kind == "staff" => {
            return Err(ApiError::Conflict(
                "Staff sign in with their password, not by hand-off.".into(),
            ));
        }
        Some(u) if u.status == "disabled" => return Err(refused("disabled account".into())),
        Some(u) => u,
        None => {
            let name = claims
                .name
                .as_deref()
                .and_then(|n| tenancy::parse_name(n).ok())
                .unwrap_or_else(|| email.split('@').next().unwrap_or("Contact").to_string());
            let row = UserRow {
                id: UserId::new().0,
                tenant_id: tenant.id,
                kind: "customer".into(),
                email: email.clone(),
                name,
                password_hash: None,
                status: (UserStatus::Active).stored().into(),
                staff_role: None,
                phone: None,
                locale: None,
                time_zone: None,
                organization_access: "all".into(),
                created_at: now,
            };
            tenancy::insert_user(&mut tx, &row).await?;
            let event = Event::new(tenant_id, "user.created", Outcome::Success)
                .by(None, &actor)
                .on("user", row.id)
                .details(json!({ "email": row.email, "kind": "customer", "via": "handoff" }));
            audit::record(&mut tx, event, &origin, now).await?;
            let joined = EventData::PersonJoined(row.person_event(Vec::new())?);
            events::emit(&mut tx, tenant_id, joined, now).await?;
            row
        }
    };
    let user_id = UserId(user.id);
    if !tenancy::is_member(&mut tx, tenant_id, org_id, user_id).await? {
        let scopes = claims
            .scopes
            .clone()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| vec![Scope::Documents, Scope::Messages, Scope::Tickets]);
        let column = tenancy::scopes_to_column(&scopes);
        tenancy::upsert_membership(&mut tx, tenant_id, user_id, org_id, &column, now).await?;
        let event = Event::new(tenant_id, "membership.added", Outcome::Success)
            .by(None, &actor)
            .on("user", user_id)
            .details(json!({ "organization_id": org_id, "scopes": column, "via": "handoff" }));
        audit::record(&mut tx, event, &origin, now).await?;
        let added = tenancy::membership_event(user_id, org_id, &column)?;
        events::emit(&mut tx, tenant_id, EventData::MembershipAdded(added), now).await?;
    }
    // A person invited earlier and handed off now has proved their address through the host.
    let user = if user.status == "invited" {
        tenancy::set_status(&mut tx, tenant_id, user_id, "active", now).await?;
        UserRow {
            status: "active".into(),
            ..user
        }
    } else {
        user
    };
    let details = json!({ "method": "handoff", "jti": claims.jti, "organization_id": org_id });
    let (_, started) = begin_session(&state, tx, user, &origin, details).await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, next))
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .cookie(refresh_cookie(
            &started.refresh_token,
            state.config.session_ttl_days,
        ))
        .finish())
}

/// Issue a new hand-off secret for the tenant (the old one stops working). The secret is
/// shown only in this answer: store it in the host application. Staff owners only.
#[utoipa::path(
    tag = "tenants",
    responses(
        (status = 201, description = "The new secret.", body = HandoffSecret),
        (status = 403, description = "Not a staff owner.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/tenant/handoff-secret")]
pub async fn issue_secret(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
) -> ApiResult<HttpResponse> {
    who.require_role(StaffRole::Owner)?;
    let secret = tokens::new_secret()?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    set_secret(&mut tx, &state.data_key, who.tenant_id(), Some(&secret)).await?;
    let event = Event::new(
        who.tenant_id(),
        "tenant.handoff_secret_issued",
        Outcome::Success,
    )
    .by(Some(who.user_id), &who.email)
    .on("tenant", who.tenant_id());
    audit::record(&mut tx, event, &origin, now).await?;
    tx.commit().await?;
    Ok(HttpResponse::Created()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(HandoffSecret {
            secret,
            audience: AUDIENCE.into(),
            max_lifetime_seconds: MAX_LIFETIME_SECONDS as u64,
        }))
}

/// Turn hand-off sign-in off: the secret is deleted. Staff owners only.
#[utoipa::path(
    tag = "tenants",
    responses(
        (status = 204, description = "Hand-off is off."),
        (status = 403, description = "Not a staff owner.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[delete("/tenant/handoff-secret")]
pub async fn delete_secret(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
) -> ApiResult<HttpResponse> {
    who.require_role(StaffRole::Owner)?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    set_secret(&mut tx, &state.data_key, who.tenant_id(), None).await?;
    let event = Event::new(
        who.tenant_id(),
        "tenant.handoff_secret_deleted",
        Outcome::Success,
    )
    .by(Some(who.user_id), &who.email)
    .on("tenant", who.tenant_id());
    audit::record(&mut tx, event, &origin, now).await?;
    tx.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{EncodingKey, Header, encode};

    fn token(secret: &str, claims: serde_json::Value) -> String {
        encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    }

    fn claims(now: i64, lifetime: i64) -> serde_json::Value {
        json!({ "iss": "acme", "aud": AUDIENCE, "iat": now, "exp": now + lifetime, "jti": "j1",
                "email": "pat@example.test", "organization": "CRM-1" })
    }

    #[test]
    fn a_token_verifies_only_with_the_secret_for_its_tenant_within_sixty_seconds() {
        let now = Utc::now();
        let t = now.timestamp();
        assert!(verify(&token("s3cret", claims(t, 30)), "acme", "s3cret", now).is_ok());
        assert!(verify(&token("other", claims(t, 30)), "acme", "s3cret", now).is_err());
        assert!(verify(&token("s3cret", claims(t, 30)), "globex", "s3cret", now).is_err());
        assert!(verify(&token("s3cret", claims(t, 3600)), "acme", "s3cret", now).is_err());
        assert!(verify(&token("s3cret", claims(t - 100, 30)), "acme", "s3cret", now).is_err());
        let mut wrong_aud = claims(t, 30);
        wrong_aud["aud"] = json!("someone-else");
        assert!(verify(&token("s3cret", wrong_aud), "acme", "s3cret", now).is_err());
        let none = format!(
            "{}.{}.",
            "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0",
            base64::Engine::encode(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                claims(t, 30).to_string()
            )
        );
        assert!(verify(&none, "acme", "s3cret", now).is_err(), "alg none");
    }

    #[test]
    fn only_paths_on_this_site_are_landed_on() {
        assert_eq!(landing(Some("/team")).unwrap(), "/team");
        assert_eq!(landing(None).unwrap(), "/");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/%09/evil.example",
        ] {
            assert!(landing(Some(bad)).is_err(), "{bad}");
        }
    }
}
