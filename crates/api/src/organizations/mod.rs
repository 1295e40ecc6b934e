//! Customer organisations: read as the caller may see them; created, edited, archived and
//! restored by staff admins and owners. The model is `tenancy`; its audited changes are `service` here.

mod handlers;
mod queries;
pub mod service;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::list_organizations)
        .service(handlers::create_organization)
        .service(handlers::get_organization)
        .service(handlers::update_organization)
        .service(handlers::archive_organization)
        .service(handlers::restore_organization)
        .service(handlers::list_assigned_staff)
        .service(handlers::assign_staff)
        .service(handlers::unassign_staff);
}

/// Every list and search of organisations, with representative arguments (the plan test).
pub fn lists(backend: crate::db::Backend) -> Vec<crate::db::ListPlan> {
    queries::lists(backend)
}

/// Organisations have no jobs of their own.
pub fn jobs(_: &actix_web::web::Data<crate::state::AppState>) -> crate::jobs::Registry {
    crate::jobs::Registry::default()
}

/// Organisations subscribe to no events.
pub fn events(_: &actix_web::web::Data<crate::state::AppState>) -> crate::events::Subscribers {
    crate::events::Subscribers::default()
}
