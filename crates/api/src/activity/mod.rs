//! Activity: what happened in the portal, read from the event outbox — the staff home's
//! "new uploads" and the list integrators poll (`GET /api/v1/events`). Staff only; staff
//! limited to assigned organisations read the events about those.

mod handlers;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::list_events);
}

/// The activity list, with representative arguments (the plan test): all events or those of
/// the assigned organisations, of some types or of one organisation.
pub fn lists(backend: crate::db::Backend) -> Vec<crate::db::ListPlan> {
    use crate::auth::OrgVisibility;
    use crate::db::both_pages;
    use crate::events::visible_page;
    use portico_shared::{OrganizationId, TenantId, UserId};
    use uuid::Uuid;
    let tenant = TenantId(Uuid::now_v7());
    let staff = UserId(Uuid::now_v7());
    let kinds = [
        "document.uploaded".to_string(),
        "request.submitted".to_string(),
    ];
    let organization = Some(OrganizationId(Uuid::now_v7()));
    let mut plans = Vec::new();
    for (seen, who) in [
        ("all", OrgVisibility::All),
        ("assigned", OrgVisibility::AssignedTo(staff)),
    ] {
        let reach = who.binds();
        for (what, kinds, organization) in [
            ("", &[][..], None),
            (" of two types", &kinds[..], None),
            (" of an organisation", &[][..], organization),
        ] {
            for plan in both_pages(&format!("events{what}, {seen}"), |before| {
                visible_page(backend, tenant, reach, kinds, organization, before, 25)
            }) {
                plans.push(match who {
                    OrgVisibility::All => plan,
                    _ => plan.sorting("the events of the organisations assigned to one person"),
                });
            }
        }
    }
    plans
}

/// Activity has no jobs of its own.
pub fn jobs(_: &actix_web::web::Data<crate::state::AppState>) -> crate::jobs::Registry {
    crate::jobs::Registry::default()
}

/// Activity subscribes to nothing: it reads the outbox itself.
pub fn events(_: &actix_web::web::Data<crate::state::AppState>) -> crate::events::Subscribers {
    crate::events::Subscribers::default()
}
