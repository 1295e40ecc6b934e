//! Tenants, users, customer organisations, memberships and staff assignments: the identity
//! model every capability checks against. Staff and customer administration endpoints come
//! with the organisations-and-people work; here are the model, its operations and the public
//! branding a sign-in page shows.

pub mod dns;
pub mod handlers;
pub mod operations;
pub mod queries;
pub mod rules;
pub mod settings;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::get_branding)
        .service(handlers::get_logo)
        .service(settings::get_settings)
        .service(settings::update_settings)
        .service(settings::verify_custom_domain)
        .service(settings::upload_logo)
        .service(settings::delete_logo);
}

/// The tenancy jobs: checking a custom domain's DNS proof.
pub fn jobs(state: &actix_web::web::Data<crate::state::AppState>) -> crate::jobs::Registry {
    crate::jobs::Registry::default().on(
        settings::VERIFY_DOMAIN_JOB,
        settings::verify_domain_handler(state.clone()),
    )
}
