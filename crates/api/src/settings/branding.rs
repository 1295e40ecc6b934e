//! Public tenant endpoints: what a sign-in page may know before anyone signs in.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::tenancy::service as tenancy;
use actix_web::{HttpRequest, HttpResponse, get, web};
use portico_shared::tenancy::{Branding, Tenant};
use portico_shared::{Problem, TenantId};
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
    )
)]
#[get("/branding")]
pub async fn get_branding(
    state: web::Data<AppState>,
    req: HttpRequest,
    web::Query(query): web::Query<BrandingQuery>,
) -> ApiResult<HttpResponse> {
    let tenant = resolve(&state, &req, query.tenant).await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "public, max-age=60"))
        .json(Tenant::from(tenant).branding))
}

/// A tenant's uploaded logo (PNG, JPEG or WebP). Public: needs no token.
#[utoipa::path(
    tag = "tenants",
    params(LogoQuery),
    responses(
        (status = 200, description = "The logo.", content((crate::body::FileBytes = "image/png"), (crate::body::FileBytes = "image/jpeg"), (crate::body::FileBytes = "image/webp"))),
        (status = 404, description = "No such tenant, or it has no uploaded logo.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/branding/logo")]
pub async fn get_logo(
    state: web::Data<AppState>,
    req: HttpRequest,
    web::Query(query): web::Query<LogoQuery>,
) -> ApiResult<HttpResponse> {
    let tenant = resolve(&state, &req, query.tenant).await?;
    super::handlers::logo_response(&state, TenantId(tenant.id)).await
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct LogoQuery {
    /// The tenant's slug; as for the branding.
    pub tenant: Option<String>,
    /// Changes with every upload, so caches fetch a new logo. Ignored by the server.
    #[allow(dead_code)]
    pub v: Option<String>,
}

/// The tenant a public request means: the slug it names, else the one whose custom domain is
/// the host, else the one the host names as `<slug>.<base domain>`, else the server's default.
async fn resolve(
    state: &AppState,
    req: &HttpRequest,
    slug: Option<String>,
) -> ApiResult<tenancy::TenantRow> {
    let host = req.connection_info().host().to_string();
    let mut conn = state.db.conn().await?;
    if let Some(slug) = slug {
        return tenancy::find_tenant_by_slug(&mut conn, slug.trim())
            .await?
            .ok_or(ApiError::NotFound);
    }
    if let Some(tenant) =
        tenancy::find_tenant_by_domain(&mut conn, &tenancy::host_name(&host)).await?
    {
        return Ok(tenant);
    }
    let candidates = tenancy::slug_in_host(&host, state.config.base_domain.as_deref())
        .into_iter()
        .chain(state.config.default_tenant.clone());
    for slug in candidates {
        if let Some(tenant) = tenancy::find_tenant_by_slug(&mut conn, slug.trim()).await? {
            return Ok(tenant);
        }
    }
    Err(ApiError::NotFound)
}
