//! People: the staff console's list of people, invitations, roles and disabling; the teams of
//! customer organisations, which staff admins and the organisations' own admins run; and the
//! signed-in user's profile and email address.

mod handlers;
mod import;
mod invitations;
mod queries;
pub mod service;

/// Registers the people endpoints under `/api/v1`.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::list_people)
        .service(import::import_people)
        .service(handlers::invite_person)
        .service(handlers::get_person)
        .service(handlers::resend_invitation)
        .service(handlers::disable_person)
        .service(handlers::enable_person)
        .service(handlers::change_role)
        .service(handlers::change_organization_access)
        .service(handlers::list_members)
        .service(handlers::invite_member)
        .service(invitations::accept_membership_offer)
        .service(handlers::change_member_scopes)
        .service(handlers::remove_member)
        .service(handlers::update_my_profile)
        .service(handlers::change_my_email);
}

/// Every list and search of people and teams, with representative arguments (the plan test).
pub fn lists(backend: crate::db::Backend) -> Vec<crate::db::ListPlan> {
    queries::lists(backend)
}

/// People have no jobs of their own.
pub fn jobs(_: &actix_web::web::Data<crate::state::AppState>) -> crate::jobs::Registry {
    crate::jobs::Registry::default()
}

/// People subscribe to no events.
pub fn events(_: &actix_web::web::Data<crate::state::AppState>) -> crate::events::Subscribers {
    crate::events::Subscribers::default()
}
