//! SQL for reading organisations within what a principal may see.

use crate::auth::OrgVisibility;
use crate::db::{Backend, ListPlan, Query, both_pages};
use crate::tenancy::service::{assigned_staff_query, visible_organizations};
use portico_shared::organizations::{OrganizationFilter, OrganizationStatus};
use portico_shared::{OrganizationId, TenantId, UserId};
use uuid::Uuid;

/// One page (plus one row, to tell whether there is another) of visible organisations that
/// match `filter`, by id: a search by name, reference or custom field goes through the
/// organisations' trigram index.
pub fn list_query(
    backend: Backend,
    tenant: TenantId,
    who: OrgVisibility,
    filter: &OrganizationFilter,
    after: Option<Uuid>,
    limit: u32,
) -> Query {
    let words = filter.q.as_deref().filter(|q| !q.trim().is_empty());
    let (mut q, key) = visible_organizations(backend, tenant, who, words);
    if let Some(status) = filter.status {
        q.sql(" AND o.status = ").arg(match status {
            OrganizationStatus::Active => "active",
            OrganizationStatus::Archived => "archived",
        });
    }
    q.page_after(key, after, limit);
    q
}

/// The organisation lists with representative arguments (see `db::ListPlan`).
pub fn lists(backend: Backend) -> Vec<ListPlan> {
    let tenant = TenantId(Uuid::now_v7());
    let user = UserId(Uuid::now_v7());
    let search = |q: &str| OrganizationFilter {
        q: Some(q.into()),
        status: None,
    };
    let filters = [
        ("", OrganizationFilter::default(), None),
        (
            " archived",
            OrganizationFilter {
                q: None,
                status: Some(OrganizationStatus::Archived),
            },
            None,
        ),
        (
            " searched",
            search("northwind"),
            Some("the search's matches"),
        ),
        // Too short for a trigram: SQLite tests the rows it walks in id order.
        (
            " searched short",
            search("no"),
            Some("the search's matches"),
        ),
    ];
    let mut plans = Vec::new();
    for (seen, who) in [
        ("all", OrgVisibility::All),
        ("member", OrgVisibility::MemberOf(user)),
        ("assigned", OrgVisibility::AssignedTo(user)),
    ] {
        for (what, filter, sorts) in &filters {
            for plan in both_pages(&format!("organizations{what}, {seen}"), |after| {
                list_query(backend, tenant, who, filter, after, 25)
            }) {
                let plan = match sorts {
                    Some(why) => plan.sorting(why),
                    None => plan,
                };
                plans.push(match *what {
                    " searched" => plan.searching(),
                    _ => plan,
                });
            }
        }
    }
    let organization = OrganizationId(Uuid::now_v7());
    plans.extend(both_pages("an organisation's assigned staff", |after| {
        assigned_staff_query(backend, tenant, organization, after, 25)
    }));
    plans
}
