//! Request templates ("Tax season checklist"): kept by the tenant's staff, sent to many
//! organisations at once — each gets its own request, assigned to its active contacts.

use super::handlers::{NewRequest, assignees_for, check_request, create, visible};
use super::queries::{self, TemplateRow};
use crate::audit::{self, Event, Origin, Outcome};
use crate::auth::Principal;
use crate::body::JsonObject;
use crate::error::{ApiError, ApiResult};
use crate::pagination::{PageParams, page};
use crate::state::AppState;
use actix_web::{HttpResponse, delete, get, post, web};
use chrono::Duration;
use portico_shared::requests::{CreateTemplate, Request, RequestTemplate, SendTemplate};
use portico_shared::tenancy::StaffRole;
use portico_shared::{OrganizationId, Page, Problem, TemplateId};
use serde_json::json;

/// At most this many organisations in one sending.
const MAX_SEND: usize = 500;

impl From<TemplateRow> for RequestTemplate {
    fn from(r: TemplateRow) -> Self {
        RequestTemplate {
            id: TemplateId(r.id),
            name: r.name,
            title: r.title,
            instructions: r.instructions,
            due_in_days: r.due_in_days.and_then(|d| u32::try_from(d).ok()),
            items: serde_json::from_str(&r.items).unwrap_or_default(),
            created_at: r.created_at,
        }
    }
}

/// The template `id` of the caller's tenant (404 otherwise, for everyone), for staff (403).
async fn template(state: &AppState, who: &Principal, id: TemplateId) -> ApiResult<RequestTemplate> {
    let mut conn = state.db.conn().await?;
    let row = queries::get_template(&mut conn, who.tenant_id(), id)
        .await?
        .ok_or(ApiError::NotFound)?;
    who.require_staff()?;
    Ok(row.into())
}

/// The tenant's request templates. Staff only.
#[utoipa::path(
    tag = "requests",
    params(PageParams),
    responses(
        (status = 200, description = "One page of templates.", body = Page<RequestTemplate>),
        (status = 403, description = "Not staff.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/request-templates")]
pub async fn list_templates(
    state: web::Data<AppState>,
    who: Principal,
    web::Query(params): web::Query<PageParams>,
) -> ApiResult<web::Json<Page<RequestTemplate>>> {
    who.require_staff()?;
    let (limit, after) = (params.limit(), params.after()?);
    let mut conn = state.db.conn().await?;
    let rows: Vec<queries::TemplateRow> =
        queries::templates_query(conn.backend(), who.tenant_id(), after, limit)
            .fetch_all(&mut conn)
            .await?;
    Ok(web::Json(page(
        rows,
        limit,
        |r| r.id,
        |r| ApiResult::Ok(RequestTemplate::from(r)),
    )?))
}

/// Save a request template: upload and question items (approve and sign items name one
/// organisation's document, so they go in requests only). Staff admins and owners.
#[utoipa::path(
    tag = "requests",
    request_body = CreateTemplate,
    responses(
        (status = 201, description = "Saved.", body = RequestTemplate),
        (status = 403, description = "Not a staff admin or owner.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A missing or invalid field or item.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/request-templates")]
pub async fn create_template(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    JsonObject(body): JsonObject<CreateTemplate>,
) -> ApiResult<HttpResponse> {
    who.require_role(StaffRole::Admin)?;
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(ApiError::invalid("name", "1 to 120 characters"));
    }
    if body.due_in_days.is_some_and(|d| d == 0 || d > 365) {
        return Err(ApiError::invalid("due_in_days", "1 to 365 days"));
    }
    // The organisation is not used for template items (they name no document).
    check_request(
        &state,
        who.tenant_id(),
        OrganizationId::new(),
        &body.title,
        body.instructions.as_deref(),
        &body.items,
        true,
    )
    .await?;
    let now = state.clock.now();
    let row = TemplateRow {
        id: TemplateId::new().0,
        name: name.to_string(),
        title: body.title.trim().to_string(),
        instructions: body.instructions.clone(),
        due_in_days: body.due_in_days.map(|d| d as i32),
        items: serde_json::to_string(&body.items).map_err(|e| ApiError::Internal(e.into()))?,
        created_at: now,
    };
    let mut tx = state.db.begin().await?;
    queries::insert_template(&mut tx, who.tenant_id(), &row, who.user_id).await?;
    let event = Event::new(
        who.tenant_id(),
        "request_template.created",
        Outcome::Success,
    )
    .by(Some(who.user_id), &who.email)
    .on("request_template", row.id)
    .details(json!({ "name": row.name }));
    audit::record(&mut tx, event, &origin, now).await?;
    tx.commit().await?;
    Ok(HttpResponse::Created().json(RequestTemplate::from(row)))
}

/// One request template. Staff only.
#[utoipa::path(
    tag = "requests",
    params(("template_id" = TemplateId, Path, description = "The template's id.")),
    responses(
        (status = 200, description = "The template.", body = RequestTemplate),
        (status = 403, description = "Not staff.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such template.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/request-templates/{template_id}")]
pub async fn get_template(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<TemplateId>,
) -> ApiResult<web::Json<RequestTemplate>> {
    Ok(web::Json(template(&state, &who, path.into_inner()).await?))
}

/// Delete a request template (requests sent from it stay). Staff admins and owners.
#[utoipa::path(
    tag = "requests",
    params(("template_id" = TemplateId, Path, description = "The template's id.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 403, description = "Not a staff admin or owner.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such template.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[delete("/request-templates/{template_id}")]
pub async fn delete_template(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    path: web::Path<TemplateId>,
) -> ApiResult<HttpResponse> {
    let found = template(&state, &who, path.into_inner()).await?;
    who.require_role(StaffRole::Admin)?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    queries::delete_template(&mut tx, who.tenant_id(), found.id).await?;
    let event = Event::new(
        who.tenant_id(),
        "request_template.deleted",
        Outcome::Success,
    )
    .by(Some(who.user_id), &who.email)
    .on("request_template", found.id)
    .details(json!({ "name": found.name }));
    audit::record(&mut tx, event, &origin, now).await?;
    tx.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Send a template to organisations: each gets its own request, assigned to its active
/// contacts who hold the scopes its items need (who are emailed), due `due_on` or the template's `due_in_days` from today. Every
/// organisation must be one the caller can see and have an active contact, or nothing is
/// sent. Staff only.
#[utoipa::path(
    tag = "requests",
    params(("template_id" = TemplateId, Path, description = "The template's id.")),
    request_body = SendTemplate,
    responses(
        (status = 201, description = "The requests, one per organisation.", body = Vec<Request>),
        (status = 403, description = "Not staff.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such template, or one of the organisations, for this caller.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No organisations or too many, a past due date, or an organisation without an active contact.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/request-templates/{template_id}/send")]
pub async fn send_template(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    path: web::Path<TemplateId>,
    JsonObject(body): JsonObject<SendTemplate>,
) -> ApiResult<HttpResponse> {
    let found = template(&state, &who, path.into_inner()).await?;
    let mut targets = body.organization_ids;
    targets.sort();
    targets.dedup();
    if targets.is_empty() || targets.len() > MAX_SEND {
        return Err(ApiError::invalid(
            "organization_ids",
            format!("name 1 to {MAX_SEND} organisations"),
        ));
    }
    let now = state.clock.now();
    let due_on = body.due_on.or_else(|| {
        found
            .due_in_days
            .map(|d| now.date_naive() + Duration::days(i64::from(d)))
    });
    if let Some(due) = due_on {
        super::rules::check_due(due, now.date_naive())
            .map_err(|m| ApiError::invalid("due_on", m))?;
    }
    let mut plans = Vec::with_capacity(targets.len());
    for org in &targets {
        who.visible_organization(&state.db, *org).await?;
        plans.push((
            *org,
            assignees_for(&state, who.tenant_id(), *org, &[], &found.items).await?,
        ));
    }
    let mut tx = state.db.begin().await?;
    let mut sent = Vec::with_capacity(plans.len());
    for (org, assignees) in plans {
        let new = NewRequest {
            organization: org,
            title: &found.title,
            instructions: found.instructions.as_deref(),
            due_on,
            assignees,
            items: &found.items,
        };
        sent.push(create(&mut tx, &who, &origin, &new, now).await?);
    }
    let event = Event::new(who.tenant_id(), "request_template.sent", Outcome::Success)
        .by(Some(who.user_id), &who.email)
        .on("request_template", found.id)
        .details(json!({ "organization_ids": targets, "requests": sent }));
    audit::record(&mut tx, event, &origin, now).await?;
    tx.commit().await?;
    let mut requests: Vec<Request> = Vec::with_capacity(sent.len());
    for id in sent {
        requests.push(visible(&state, &who, id).await?);
    }
    Ok(HttpResponse::Created().json(requests))
}
