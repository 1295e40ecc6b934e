//! Settings: the tenant's name, colours, logo, support contacts, custom domain (with its DNS
//! proof) and handoff secret, changed by owners and admins; and the public branding a sign-in
//! page shows before anyone signs in.

mod branding;
mod dns;
mod handlers;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(branding::get_branding)
        .service(branding::get_logo)
        .service(handlers::get_settings)
        .service(handlers::update_settings)
        .service(handlers::verify_custom_domain)
        .service(handlers::upload_logo)
        .service(handlers::delete_logo);
}

/// The settings jobs: checking a custom domain's DNS proof.
pub fn jobs(state: &actix_web::web::Data<crate::state::AppState>) -> crate::jobs::Registry {
    crate::jobs::Registry::default().on(
        handlers::VERIFY_DOMAIN_JOB,
        handlers::verify_domain_handler(state.clone()),
    )
}

/// Settings list nothing.
pub fn lists(backend: crate::db::Backend) -> Vec<crate::db::ListPlan> {
    let _ = backend;
    Vec::new()
}

/// Settings subscribe to no events.
pub fn events(_: &actix_web::web::Data<crate::state::AppState>) -> crate::events::Subscribers {
    crate::events::Subscribers::default()
}
