//! `/`: the home page. Staff land on what needs them — items waiting for review, overdue
//! requests, new uploads from clients. Contacts see their organisation's requests and the
//! parts of the portal open to them there (only capabilities that exist and that their
//! scopes allow). Later capabilities add their cards here.

use crate::components::shell::role_label;
use crate::dates::local_time;
use crate::lazy::{lazy, lazy_page};
use crate::pages::requests::{OrganizationProgressCard, RequestCard};
use crate::remote::{Failed, Loaded, load};
use crate::session::{client, use_session};
use leptos::prelude::*;
use leptos_router::components::A;
use portico_shared::events::{EventFilter, EventRecord};
use portico_shared::requests::{RequestFilter, RequestStatus};
use portico_shared::tenancy::{Me, Scope};

/// A part of the portal a contact may open, with the scopes that open it.
struct Capability {
    title: &'static str,
    blurb: &'static str,
    href: &'static str,
    scopes: &'static [Scope],
}

/// The capabilities that exist today. Invoices, tickets and messages join this list when
/// they are built; until then nobody is offered them.
const CAPABILITIES: &[Capability] = &[
    Capability {
        title: "Documents",
        blurb: "Files shared with you, and your uploads.",
        href: "/documents",
        scopes: &[Scope::Documents],
    },
    Capability {
        title: "Requests",
        blurb: "What is asked of you: uploads, approvals, signatures, questions.",
        href: "/requests",
        scopes: &[Scope::Documents, Scope::Sign],
    },
    Capability {
        title: "Team",
        blurb: "Your colleagues' access to the portal.",
        href: "/team",
        scopes: &[Scope::Admin],
    },
];

fn open_to(scopes: &[Scope]) -> impl Iterator<Item = &'static Capability> + '_ {
    CAPABILITIES
        .iter()
        .filter(|c| c.scopes.iter().any(|s| scopes.contains(s)))
}

#[component]
pub fn Dashboard() -> impl IntoView {
    let session = use_session();
    move || {
        session.me.get().map(|me| {
            let first_name = me
                .user
                .name
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string();
            // Staff fetch their home's code on the way in; customers never download it.
            let body = if me.staff_role.is_some() {
                lazy(staff_home).into_any()
            } else {
                customer_view(me).into_any()
            };
            view! {
                <h1>{format!("Welcome, {first_name}")}</h1>
                {body}
            }
        })
    }
}

/// A home card: a loading state, the error, an empty sentence, or the list.
fn home_list<T: Clone + Send + Sync + 'static, V: IntoView + 'static>(
    data: LocalResource<Result<Vec<T>, Failed>>,
    empty: &'static str,
    item: impl Fn(T) -> V + Send + Sync + Clone + 'static,
) -> impl IntoView {
    view! {
        <Loaded data loading="Loading…" let:list>
            {if list.is_empty() {
                view! { <p class="muted">{empty}</p> }.into_any()
            } else {
                view! { <ul class="request-list">{list.into_iter().map(item.clone()).collect_view()}</ul> }
                    .into_any()
            }}
        </Loaded>
    }
}

/// One upload by a client: what, by whom, when; opens the organisation's documents.
fn upload_entry(event: EventRecord) -> impl IntoView {
    let name = event.data["name"].as_str().unwrap_or_default().to_string();
    let by = event.data["by_name"]
        .as_str()
        .unwrap_or("A contact")
        .to_string();
    let version = event.data["version"].as_i64().unwrap_or(1);
    let what = if version > 1 {
        format!("version {version} by {by}")
    } else {
        format!("by {by}")
    };
    let href = event
        .organization_id
        .map(|org| format!("/documents?org={org}"))
        .unwrap_or_else(|| "/staff".into());
    view! {
        <li class="request-card">
            <A href=href>{name}</A>
            <span class="muted">{what}</span>
            <span class="muted">{local_time(event.occurred_at)}</span>
        </li>
    }
}

lazy_page!(staff_home, staff_home, StaffHome);

#[component]
fn StaffHome() -> impl IntoView {
    let Some(me) = use_session().me.get_untracked() else {
        return ().into_any();
    };
    let role = me.staff_role.map(role_label).unwrap_or_default();
    let reach = match &me.assigned_organizations {
        Some(orgs) => format!("{role} · {} assigned organisation(s)", orgs.len()),
        None => format!("{role} · every customer organisation"),
    };
    let requests = |filter: RequestFilter| {
        load(move || {
            let filter = filter.clone();
            async move { Ok(client().request_summaries(&filter, None).await?.items) }
        })
    };
    let review = requests(RequestFilter {
        status: Some(RequestStatus::Submitted),
        ..Default::default()
    });
    let overdue = requests(RequestFilter {
        overdue: Some(true),
        ..Default::default()
    });
    let uploads = load(|| async {
        let filed = EventFilter {
            types: Some("document.uploaded,document.version_added".into()),
            ..Default::default()
        };
        let page = client().list_events(&filed, Some(50), None).await?;
        Ok(page
            .items
            .into_iter()
            .filter(|e| e.data["by_staff"] != serde_json::Value::Bool(true))
            .take(10)
            .collect::<Vec<_>>())
    });
    view! {
        <p class="muted">{me.tenant.branding.name.clone()} " · " {reach}</p>
        <div class="home-grid">
            <section class="card" aria-labelledby="review-title">
                <h2 id="review-title">"Waiting for your review"</h2>
                {home_list(review, "Nothing waits for your review.", |r| view! { <RequestCard request=r/> })}
            </section>
            <section class="card" aria-labelledby="overdue-title">
                <h2 id="overdue-title">"Overdue requests"</h2>
                {home_list(overdue, "No request is overdue.", |r| view! { <RequestCard request=r/> })}
            </section>
            <section class="card" aria-labelledby="uploads-title">
                <h2 id="uploads-title">"New uploads from clients"</h2>
                {home_list(uploads, "No client has uploaded anything yet.", upload_entry)}
            </section>
        </div>
        <p><A href="/staff" attr:class="button">"Open the staff console"</A></p>
    }
    .into_any()
}

fn customer_view(me: Me) -> impl IntoView {
    let session = use_session();
    let memberships = me.memberships.clone();
    let current = move || {
        let selected = session.organization.get();
        memberships
            .iter()
            .find(|m| Some(m.organization.id) == selected)
            .or(memberships.first())
            .cloned()
    };
    let all = me.memberships.clone();
    view! {
        {move || match current() {
            Some(m) => view! {
                <OrganizationProgressCard org=m.organization.id/>
                <section class="card" aria-labelledby="org-title">
                    <h2 id="org-title">{m.organization.name.clone()}</h2>
                    <ul class="capabilities">
                        {open_to(&m.scopes).map(|c| view! {
                            <li>
                                <A href=c.href>{c.title}</A>
                                <span class="muted">{c.blurb}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                </section>
            }.into_any(),
            None => view! {
                <section class="empty-state">
                    <h2>"No organisation yet"</h2>
                    <p>"You are not part of any organisation in this portal. Ask your contact to add you."</p>
                </section>
            }.into_any(),
        }}
        <Show when={let n = all.len(); move || n > 1}>
            <section class="card" aria-labelledby="orgs-title">
                <h2 id="orgs-title">"Your organisations"</h2>
                <ul class="org-list">
                    {all.iter().map(|m| view! {
                        <li>
                            <strong>{m.organization.name.clone()}</strong>
                            <span class="muted">{open_to(&m.scopes).map(|c| c.title).collect::<Vec<_>>().join(" · ")}</span>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        </Show>
    }
}
