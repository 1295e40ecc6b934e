//! Requests: one model for everything a firm asks of a client — upload a document, approve or
//! sign one, answer questions — with assignees, a due date and reminders, staff review, a
//! signature certificate, progress per request and per organisation, and templates sent to
//! many organisations. The state machine lives in `rules`.

mod certificate;
mod fulfil;
mod handlers;
mod queries;
mod rules;
mod templates;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::create_request)
        .service(handlers::organization_requests)
        .service(handlers::organization_progress)
        .service(handlers::list_requests)
        .service(handlers::get_request)
        .service(handlers::cancel_request)
        .service(handlers::review_item)
        .service(handlers::signature_certificate)
        .service(fulfil::upload_item)
        .service(fulfil::approve_item)
        .service(fulfil::sign_item)
        .service(fulfil::answer_item)
        .service(templates::list_templates)
        .service(templates::create_template)
        .service(templates::get_template)
        .service(templates::delete_template)
        .service(templates::send_template);
}

/// Every list of requests and templates, with representative arguments (the plan test).
pub fn lists(backend: crate::db::Backend) -> Vec<crate::db::ListPlan> {
    queries::lists(backend)
}

/// The requests jobs: reminders before and after the due date.
pub fn jobs(state: &actix_web::web::Data<crate::state::AppState>) -> crate::jobs::Registry {
    crate::jobs::Registry::default().on(
        handlers::REMIND_JOB,
        handlers::remind_handler(state.clone()),
    )
}

/// The requests' event subscribers: the mail that follows a request's changes.
pub fn events(state: &actix_web::web::Data<crate::state::AppState>) -> crate::events::Subscribers {
    crate::events::Subscribers::default().on(
        "requests.mail",
        &["request.created", "request.item_reviewed"],
        handlers::mail_subscriber(state.clone()),
    )
}
