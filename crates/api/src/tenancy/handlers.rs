//! Public tenant endpoints: what a sign-in page may know before anyone signs in.

use super::{queries, rules};
use crate::error::{ApiError, ApiResult};
use crate::startup::AppState;
use actix_web::{HttpRequest, HttpResponse, get, web};
use portico_shared::Problem;
use portico_shared::tenancy::{Branding, Tenant};
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
pub struct BrandingQuery {
    /// The tenant's slug, e.g. `acme`. Without it: the tenant the host name names
    /// (`acme.portal.example`), else the server's default tenant.
    pub tenant: Option<String>,
}

/// A tenant's name, logo and colours, for its sign-in page. Public: needs no token.
#[utoipa::path(
    tag = "tenants",
    params(BrandingQuery),
    responses(
        (status = 200, description = "The tenant's branding.", body = Branding),
        (status = 404, description = "No tenant has this slug.", body = Problem, content_type = "application/problem+json"),
        (status = "4XX", description = "Any other client error.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/branding")]
pub async fn get_branding(
    state: web::Data<AppState>,
    req: HttpRequest,
    web::Query(query): web::Query<BrandingQuery>,
) -> ApiResult<HttpResponse> {
    let host = req.connection_info().host().to_string();
    let candidates = match query.tenant {
        Some(slug) => vec![slug],
        None => rules::slug_in_host(&host)
            .into_iter()
            .chain(state.config.default_tenant.clone())
            .collect(),
    };
    let mut conn = state.db.conn().await?;
    let mut found = None;
    for slug in candidates {
        found = queries::find_tenant_by_slug(&mut conn, slug.trim()).await?;
        if found.is_some() {
            break;
        }
    }
    let tenant = found.ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "public, max-age=60"))
        .json(Tenant::from(tenant).branding))
}
