//! Authentication: passwords, tokens, sessions, throttling, and the [`Principal`] every
//! handler starts from.

pub mod handlers;
pub mod limiter;
pub mod passwords;
pub mod principal;
pub mod queries;
pub mod rules;
pub mod sessions;
pub mod tokens;

pub use principal::{Access, OrgVisibility, Principal};

/// Registers the sign-in endpoints under `/api/v1`.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::login)
        .service(handlers::refresh)
        .service(handlers::logout)
        .service(handlers::me)
        .service(handlers::list_my_sessions)
        .service(handlers::end_my_session)
        .service(handlers::change_my_password);
}
