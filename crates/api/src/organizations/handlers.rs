//! HTTP handlers for reading organisations.

use super::queries;
use super::service;
use crate::audit::Actor;
use crate::audit::Origin;
use crate::auth::Principal;
use crate::body::JsonObject;
use crate::error::{ApiError, ApiResult};
use crate::pagination::{PageParams, page};
use crate::state::AppState;
use crate::tenancy::service as tenancy;
use actix_web::{HttpResponse, delete, patch, post, put};
use actix_web::{get, web};
use portico_shared::organizations::{
    CreateOrganization, Organization, OrganizationFilter, UpdateOrganization,
};
use portico_shared::tenancy::{StaffRole, User};
use portico_shared::{OrganizationId, Page, Problem, UserId};

/// List the organisations the caller can see: every organisation of the tenant for staff
/// (or those they are assigned to), the caller's own for customer contacts. Ordered by
/// creation; `q` searches names and external references, `status` filters.
#[utoipa::path(
    tag = "organizations",
    params(PageParams, OrganizationFilter),
    responses(
        (status = 200, description = "One page of organisations.", body = Page<Organization>),
        (status = 422, description = "A bad `limit` or `cursor`.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/organizations")]
pub async fn list_organizations(
    state: web::Data<AppState>,
    who: Principal,
    web::Query(params): web::Query<PageParams>,
    web::Query(filter): web::Query<OrganizationFilter>,
) -> ApiResult<web::Json<Page<Organization>>> {
    let limit = params.limit();
    let after = params.after()?;
    let mut conn = state.db.conn().await?;
    let rows: Vec<tenancy::OrganizationRow> = queries::list_query(
        conn.backend(),
        who.tenant_id(),
        who.organization_visibility(),
        &filter,
        after,
        limit,
    )
    .fetch_all(&mut conn)
    .await?;
    Ok(web::Json(page(
        rows,
        limit,
        |r| r.id,
        Organization::try_from,
    )?))
}

/// Get one organisation. Organisations of other tenants, and ones the caller does not
/// belong to or is not assigned to, do not exist for the caller (404).
#[utoipa::path(
    tag = "organizations",
    params(("organization_id" = OrganizationId, Path, description = "The organisation's id.")),
    responses(
        (status = 200, description = "The organisation.", body = Organization),
        (status = 404, description = "No such organisation for this caller.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/organizations/{organization_id}")]
pub async fn get_organization(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<OrganizationId>,
) -> ApiResult<web::Json<Organization>> {
    let row = who
        .visible_organization(&state.db, path.into_inner())
        .await?;
    Ok(web::Json(row.try_into()?))
}

/// The organisation `id` as `who` may manage it: 404 when they cannot see it (another tenant's,
/// say), 403 when they can but are not a staff admin or owner.
async fn manageable(state: &AppState, who: &Principal, id: OrganizationId) -> ApiResult<()> {
    who.visible_organization(&state.db, id).await?;
    who.require_role(StaffRole::Admin)?;
    Ok(())
}

/// Create a customer organisation. Staff admins and owners only; an admin limited to assigned
/// organisations is assigned to the new one.
#[utoipa::path(
    tag = "organizations",
    request_body = CreateOrganization,
    responses(
        (status = 201, description = "Created.", body = Organization),
        (status = 403, description = "Not a staff admin or owner.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A missing or invalid field, or an unknown one.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/organizations")]
pub async fn create_organization(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    JsonObject(body): JsonObject<CreateOrganization>,
) -> ApiResult<HttpResponse> {
    who.require_role(StaffRole::Admin)?;
    let row = service::create_organization(
        state.ctx(),
        &Actor::from(&who),
        &origin,
        who.tenant_id(),
        body,
        // Staff limited to assigned organisations serve what they create.
        who.is_restricted_staff().then_some(who.user_id),
    )
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/organizations/{}", row.id),
        ))
        .json(Organization::try_from(row)?))
}

/// Rename an organisation or change its external reference (an empty one clears it). Staff
/// admins and owners only.
#[utoipa::path(
    tag = "organizations",
    params(("organization_id" = OrganizationId, Path, description = "The organisation's id.")),
    request_body = UpdateOrganization,
    responses(
        (status = 200, description = "The organisation as it is now.", body = Organization),
        (status = 403, description = "Not a staff admin or owner.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation for this caller.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An invalid or unknown field.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[patch("/organizations/{organization_id}")]
pub async fn update_organization(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    path: web::Path<OrganizationId>,
    JsonObject(body): JsonObject<UpdateOrganization>,
) -> ApiResult<web::Json<Organization>> {
    let id = path.into_inner();
    manageable(&state, &who, id).await?;
    let row = service::update_organization(
        state.ctx(),
        &Actor::from(&who),
        &origin,
        who.tenant_id(),
        id,
        body,
    )
    .await?;
    Ok(web::Json(row.try_into()?))
}

/// Archive an organisation: it stays readable but leaves the active lists. Staff admins and
/// owners only. Archiving an archived organisation changes nothing.
#[utoipa::path(
    tag = "organizations",
    params(("organization_id" = OrganizationId, Path, description = "The organisation's id.")),
    responses(
        (status = 200, description = "The organisation, archived.", body = Organization),
        (status = 403, description = "Not a staff admin or owner.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation for this caller.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/organizations/{organization_id}/archive")]
pub async fn archive_organization(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    path: web::Path<OrganizationId>,
) -> ApiResult<web::Json<Organization>> {
    set_status(&state, &who, &origin, path.into_inner(), "archived").await
}

/// Restore an archived organisation. Staff admins and owners only.
#[utoipa::path(
    tag = "organizations",
    params(("organization_id" = OrganizationId, Path, description = "The organisation's id.")),
    responses(
        (status = 200, description = "The organisation, active again.", body = Organization),
        (status = 403, description = "Not a staff admin or owner.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation for this caller.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/organizations/{organization_id}/restore")]
pub async fn restore_organization(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    path: web::Path<OrganizationId>,
) -> ApiResult<web::Json<Organization>> {
    set_status(&state, &who, &origin, path.into_inner(), "active").await
}

async fn set_status(
    state: &AppState,
    who: &Principal,
    origin: &Origin,
    id: OrganizationId,
    status: &'static str,
) -> ApiResult<web::Json<Organization>> {
    manageable(state, who, id).await?;
    let row = service::set_organization_status(
        state.ctx(),
        &Actor::from(who),
        origin,
        who.tenant_id(),
        id,
        status,
    )
    .await?;
    Ok(web::Json(row.try_into()?))
}

/// The staff assigned to an organisation (staff limited to some organisations see only
/// those). Staff only.
#[utoipa::path(
    tag = "organizations",
    params(("organization_id" = OrganizationId, Path, description = "The organisation's id."), PageParams),
    responses(
        (status = 200, description = "One page of assigned staff.", body = Page<User>),
        (status = 403, description = "Not staff.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation for this caller.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/organizations/{organization_id}/staff")]
pub async fn list_assigned_staff(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<OrganizationId>,
    web::Query(params): web::Query<PageParams>,
) -> ApiResult<web::Json<Page<User>>> {
    let org = path.into_inner();
    who.visible_organization(&state.db, org).await?;
    who.require_staff()?;
    let (limit, after) = (params.limit(), params.after()?);
    let mut conn = state.db.conn().await?;
    let rows: Vec<tenancy::UserRow> =
        tenancy::assigned_staff_query(conn.backend(), who.tenant_id(), org, after, limit)
            .fetch_all(&mut conn)
            .await?;
    Ok(web::Json(page(rows, limit, |r| r.id, User::try_from)?))
}

/// Assign a staff member to an organisation: from then on they serve only the organisations
/// they are assigned to (`organization_access` becomes `assigned`). Staff admins and owners,
/// for staff of a lower role than their own (never themselves); idempotent.
#[utoipa::path(
    tag = "organizations",
    params(
        ("organization_id" = OrganizationId, Path, description = "The organisation's id."),
        ("user_id" = UserId, Path, description = "The staff member's id."),
    ),
    responses(
        (status = 204, description = "Assigned."),
        (status = 403, description = "Not a staff admin or owner, or the staff member's role is not below the caller's.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "One's own assignment.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation or person for this caller.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a staff member.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[put("/organizations/{organization_id}/staff/{user_id}")]
pub async fn assign_staff(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    path: web::Path<(OrganizationId, UserId)>,
) -> ApiResult<HttpResponse> {
    set_assignment(&state, &who, &origin, path.into_inner(), true).await
}

/// End a staff member's assignment to an organisation. They keep serving only the
/// organisations still assigned to them (none, if this was the last). Staff admins and
/// owners, for staff of a lower role than their own (never themselves).
#[utoipa::path(
    tag = "organizations",
    params(
        ("organization_id" = OrganizationId, Path, description = "The organisation's id."),
        ("user_id" = UserId, Path, description = "The staff member's id."),
    ),
    responses(
        (status = 204, description = "No longer assigned."),
        (status = 403, description = "Not a staff admin or owner, or the staff member's role is not below the caller's.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation or person for this caller.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "One's own assignment.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a staff member.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[delete("/organizations/{organization_id}/staff/{user_id}")]
pub async fn unassign_staff(
    state: web::Data<AppState>,
    who: Principal,
    origin: Origin,
    path: web::Path<(OrganizationId, UserId)>,
) -> ApiResult<HttpResponse> {
    set_assignment(&state, &who, &origin, path.into_inner(), false).await
}

async fn set_assignment(
    state: &AppState,
    who: &Principal,
    origin: &Origin,
    (org, user): (OrganizationId, UserId),
    assigned: bool,
) -> ApiResult<HttpResponse> {
    manageable(state, who, org).await?;
    let mut conn = state.db.conn().await?;
    let target = tenancy::get_user(&mut conn, who.tenant_id(), user)
        .await?
        .ok_or(ApiError::NotFound)?;
    drop(conn);
    let Some(role) = target.role()? else {
        return Err(ApiError::invalid(
            "user_id",
            "only staff are assigned; contacts are members",
        ));
    };
    who.require_above(user, role)?;
    service::set_assignment(
        state.ctx(),
        &Actor::from(who),
        origin,
        who.tenant_id(),
        user,
        org,
        assigned,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
