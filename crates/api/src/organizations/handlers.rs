//! HTTP handlers for reading organisations.

use super::queries;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::pagination::{PageParams, page};
use crate::startup::AppState;
use actix_web::{get, web};
use portico_shared::organizations::Organization;
use portico_shared::{OrganizationId, Page, Problem};

/// List the organisations the caller can see: every organisation of the tenant for staff
/// (or those they are assigned to), the caller's own for customer contacts. Ordered by
/// creation.
#[utoipa::path(
    tag = "organizations",
    params(PageParams),
    responses(
        (status = 200, description = "One page of organisations.", body = Page<Organization>),
        (status = 401, description = "No valid access token.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad `limit` or `cursor`.", body = Problem, content_type = "application/problem+json"),
        (status = "4XX", description = "Any other client error.", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/organizations")]
pub async fn list_organizations(
    state: web::Data<AppState>,
    who: Principal,
    web::Query(params): web::Query<PageParams>,
) -> ApiResult<web::Json<Page<Organization>>> {
    let limit = params.limit();
    let after = params.after()?;
    let mut conn = state.db.conn().await?;
    let rows = queries::list_visible(
        &mut conn,
        who.tenant_id(),
        who.organization_visibility(),
        after,
        limit,
    )
    .await?;
    Ok(web::Json(page(rows, limit, |r| r.id, Organization::from)))
}

/// Get one organisation. Organisations of other tenants, and ones the caller does not
/// belong to or is not assigned to, do not exist for the caller (404).
#[utoipa::path(
    tag = "organizations",
    params(("organization_id" = OrganizationId, Path, description = "The organisation's id.")),
    responses(
        (status = 200, description = "The organisation.", body = Organization),
        (status = 401, description = "No valid access token.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation for this caller.", body = Problem, content_type = "application/problem+json"),
        (status = "4XX", description = "Any other client error.", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/organizations/{organization_id}")]
pub async fn get_organization(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<OrganizationId>,
) -> ApiResult<web::Json<Organization>> {
    let mut conn = state.db.conn().await?;
    let row = queries::get_visible(
        &mut conn,
        who.tenant_id(),
        who.organization_visibility(),
        path.into_inner(),
    )
    .await?
    .ok_or(ApiError::NotFound)?;
    Ok(web::Json(row.into()))
}
