//! View as customer: a staff member opens a read-only session as a chosen contact, to see the
//! portal exactly as they do. The session has no refresh token and ends after
//! [`VIEW_AS_MINUTES`] at the latest; every write made with it is refused (the Principal
//! extractor allows only reads and [`END_PATH`]). Its start and its end — by the viewer, or by
//! the time limit, through a job due at the expiry — are audited.

use crate::audit::{self, Event, Origin, Outcome};
use crate::auth::Principal;
use crate::auth::queries::{self, Sessions, revoke_sessions};
use crate::db::AsExec;
use crate::error::{ApiError, ApiResult};
use crate::jobs::{self, NewJob};
use crate::on_db;
use crate::state::AppState;
use crate::tenancy::service as tenancy;
use actix_web::{HttpResponse, post, web};
use chrono::{DateTime, Duration, Utc};
use portico_shared::tenancy::{User, ViewAs, ViewAsStarted};
use portico_shared::{Problem, SessionId, TenantId, UserId};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// How long a view-as session lasts at most.
pub const VIEW_AS_MINUTES: i64 = 15;
/// The one write a view-as session may make: ending itself.
pub const END_PATH: &str = "/api/v1/auth/view-as/end";
/// The job that ends a view-as session at its time limit.
pub const EXPIRE_JOB: &str = "auth.view_as_expire";

#[derive(Debug, Serialize, Deserialize)]
struct Expire {
    session: SessionId,
    user: UserId,
    viewer: UserId,
}

/// Who is looking through `who`'s eyes, for `GET /me`.
pub async fn describe(c: &mut impl AsExec, who: &Principal, viewer: UserId) -> ApiResult<ViewAs> {
    let name = tenancy::get_user(c, who.tenant_id(), viewer)
        .await?
        .map(|u| u.name)
        .unwrap_or_else(|| "Staff".into());
    let (expires_at,): (DateTime<Utc>,) = on_db!(c, e => sqlx::query_as(
        "SELECT expires_at FROM sessions WHERE tenant_id = $1 AND id = $2")
        .bind(who.tenant_id().0).bind(who.session_id.0).fetch_one(e).await)?;
    Ok(ViewAs {
        viewer_name: name,
        expires_at,
    })
}

/// See the portal as a customer contact: a read-only session for at most 15 minutes. Staff
/// who can see the contact only; the start is audited.
#[utoipa::path(
    tag = "people",
    params(("user_id" = UserId, Path, description = "The contact's id.")),
    responses(
        (status = 201, description = "The read-only session's token.", body = ViewAsStarted),
        (status = 403, description = "Not staff, or already viewing as someone.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such person for this caller.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not an active customer contact.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/users/{user_id}/view-as")]
pub async fn start_view_as(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    path: web::Path<UserId>,
) -> ApiResult<HttpResponse> {
    let target = path.into_inner();
    let mut conn = state.db.conn().await?;
    let person = tenancy::get_visible_person(
        &mut conn,
        who.tenant_id(),
        who.organization_visibility(),
        target,
    )
    .await?
    .ok_or(ApiError::NotFound)?;
    drop(conn);
    who.require_staff()?;
    if person.kind != "customer" || person.status != "active" {
        return Err(ApiError::invalid(
            "user_id",
            "only an active customer contact can be viewed as",
        ));
    }
    let now = state.clock.now();
    let expires_at = now + Duration::minutes(VIEW_AS_MINUTES);
    let session = SessionId::new();
    let mut tx = state.db.begin().await?;
    queries::insert_session(
        &mut tx,
        &queries::NewSession {
            id: session,
            tenant: who.tenant_id(),
            user: target,
            now,
            expires_at,
            ip: origin.ip.as_deref(),
            user_agent: origin.user_agent.as_deref(),
            viewer: Some(who.user_id),
        },
    )
    .await?;
    let payload = serde_json::to_value(Expire {
        session,
        user: target,
        viewer: who.user_id,
    })
    .expect("serialises");
    let mut job = NewJob::new(EXPIRE_JOB, payload, now);
    job.tenant = Some(who.tenant_id());
    job.run_at = expires_at;
    jobs::enqueue(&mut tx, job, now).await?;
    let event = Event::new(who.tenant_id(), "auth.view_as_started", Outcome::Success)
        .by(Some(who.user_id), &who.email)
        .on("user", target)
        .details(json!({ "session_id": session, "expires_at": expires_at }));
    audit::record(&mut tx, event, &origin, now).await?;
    tx.commit().await?;
    let ttl = (expires_at - now).num_seconds().max(1) as u64;
    let access_token = state.keys.sign_access(
        who.tenant_id().0,
        target.0,
        session.0,
        now,
        ttl.min(state.config.access_token_ttl),
    )?;
    Ok(HttpResponse::Created()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(ViewAsStarted {
            access_token,
            expires_at,
            user: User::try_from(person)?,
        }))
}

/// End the view-as session this token belongs to. The one write a view-as session may make.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 204, description = "Ended."),
        (status = 403, description = "Not a view-as session.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/auth/view-as/end")]
pub async fn end_view_as(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
) -> ApiResult<HttpResponse> {
    let viewer = who.viewer.ok_or(ApiError::Forbidden)?;
    end(
        &state,
        who.tenant_id(),
        who.session_id,
        who.user_id,
        viewer,
        "ended by the viewer",
        &origin,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Ends a view-as session (if still open) and audits it.
async fn end(
    state: &AppState,
    tenant: TenantId,
    session: SessionId,
    user: UserId,
    viewer: UserId,
    reason: &str,
    origin: &Origin,
) -> ApiResult<()> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let ended = revoke_sessions(&mut tx, tenant, Sessions::One(session), reason, now).await?;
    if ended > 0 {
        let label = tenancy::get_user(&mut tx, tenant, viewer)
            .await?
            .map(|u| u.email)
            .unwrap_or_else(|| "staff".into());
        let event = Event::new(tenant, "auth.view_as_ended", Outcome::Success)
            .by(Some(viewer), &label)
            .on("user", user)
            .details(json!({ "session_id": session, "reason": reason }));
        audit::record(&mut tx, event, origin, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The job handler that ends a view-as session at its time limit (nothing if it has ended).
pub fn expire_handler(state: web::Data<AppState>) -> jobs::Handler {
    std::sync::Arc::new(move |job: jobs::Job| {
        let state = state.clone();
        Box::pin(async move {
            let tenant = job.tenant.ok_or("a view-as expiry without a tenant")?;
            let expire: Expire = serde_json::from_value(job.payload)
                .map_err(|e| format!("not a view-as expiry: {e}"))?;
            end(
                &state,
                tenant,
                expire.session,
                expire.user,
                expire.viewer,
                "time limit",
                &Origin::default(),
            )
            .await
            .map_err(|e| e.to_string())
        })
    })
}
