//! Customer organisations, as the caller can see them. Creating and managing them comes with
//! the organisations-and-people work; the model lives in `tenancy`.

pub mod handlers;
pub mod queries;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::list_organizations)
        .service(handlers::get_organization);
}
