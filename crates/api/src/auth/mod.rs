//! Authentication: passwords, tokens, sessions, throttling, and the [`Principal`] every
//! handler starts from.

mod accounts;
mod devices;
mod handlers;
mod handoff;
mod links;
mod principal;
mod queries;
mod rules;
mod self_service;
pub mod service;
mod sessions;
mod view_as;

pub use principal::{Access, OrgVisibility, Principal};

/// Registers the sign-in endpoints under `/api/v1`.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::login)
        .service(handlers::refresh)
        .service(handlers::logout)
        .service(handlers::me)
        .service(handlers::list_my_sessions)
        .service(handlers::end_my_session)
        .service(handlers::change_my_password)
        .service(self_service::request_magic_link)
        .service(self_service::redeem_magic_link)
        .service(self_service::request_password_reset)
        .service(self_service::complete_password_reset)
        .service(self_service::lookup_invitation)
        .service(self_service::accept_invitation)
        .service(self_service::confirm_email_change)
        .service(handoff::handoff)
        .service(handoff::issue_secret)
        .service(handoff::delete_secret)
        .service(view_as::start_view_as)
        .service(view_as::end_view_as);
}

/// The routes outside `/api/v1`: the public keys that verify access tokens.
pub fn well_known(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::jwks);
}

/// The sign-in jobs: magic links asked for, view-as sessions ending.
pub fn jobs(state: &actix_web::web::Data<crate::state::AppState>) -> crate::jobs::Registry {
    crate::jobs::Registry::default()
        .on(
            self_service::LINK_REQUESTED_JOB,
            self_service::link_requested_handler(state.clone()),
        )
        .on(view_as::EXPIRE_JOB, view_as::expire_handler(state.clone()))
}
