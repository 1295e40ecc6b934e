//! Liveness and readiness for load balancers and orchestrators.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use actix_web::{get, web};
use portico_shared::Problem;
use portico_shared::system::Health;

/// Alive: the process answers HTTP.
#[utoipa::path(tag = "system", responses((status = 200, description = "The process is alive.", body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> web::Json<Health> {
    web::Json(Health {
        status: "ok".into(),
    })
}

/// Ready: the database answers. Load balancers should send traffic only while this is 200.
#[utoipa::path(
    tag = "system",
    responses(
        (status = 200, description = "Ready to serve.", body = Health),
        (status = 503, description = "The database does not answer.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> ApiResult<web::Json<Health>> {
    if state.db.ping().await {
        Ok(web::Json(Health {
            status: "ok".into(),
        }))
    } else {
        Err(ApiError::Unavailable)
    }
}
