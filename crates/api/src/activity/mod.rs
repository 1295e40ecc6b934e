//! Activity: what happened in the portal, read from the event outbox — the staff home's
//! "new uploads" and the list integrators poll (`GET /api/v1/events`). Staff only; staff
//! limited to assigned organisations read the events about those.

mod handlers;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::list_events);
}

/// Activity has no jobs of its own.
pub fn jobs(_: &actix_web::web::Data<crate::state::AppState>) -> crate::jobs::Registry {
    crate::jobs::Registry::default()
}

/// Activity subscribes to nothing: it reads the outbox itself.
pub fn events(_: &actix_web::web::Data<crate::state::AppState>) -> crate::events::Subscribers {
    crate::events::Subscribers::default()
}
