//! Requests in the portal. `/requests`: for a contact, what is asked of them (with due dates
//! and progress); for staff, the review queue and every request. `/requests/:id`: one request —
//! a contact fulfils each item in one step (drop the files, approve, sign, answer), staff
//! accept items or ask for changes. `/staff/organizations/:id/requests/new`: the request
//! builder. `/staff/templates`: templates, sent to many organisations at once.

mod list;
mod new;
mod request;
mod templates;

pub use list::RequestsPage;
pub use new::NewRequestPage;
pub use request::RequestPage;
pub use templates::TemplatesPage;

use crate::dates::calendar_date;
use crate::session::client;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use portico_shared::OrganizationId;
use portico_shared::requests::{
    ItemKind, ItemStatus, OrganizationProgress, RequestStatus, RequestSummary,
};

pub(crate) fn status_label(status: RequestStatus) -> &'static str {
    match status {
        RequestStatus::Open => "Open",
        RequestStatus::Submitted => "Submitted",
        RequestStatus::ChangesRequested => "Changes requested",
        RequestStatus::Completed => "Completed",
        RequestStatus::Cancelled => "Cancelled",
    }
}

pub(crate) fn item_status_label(status: ItemStatus) -> &'static str {
    match status {
        ItemStatus::Pending => "To do",
        ItemStatus::Submitted => "Sent",
        ItemStatus::Accepted => "Accepted",
        ItemStatus::ChangesRequested => "Changes requested",
    }
}

pub(crate) fn kind_label(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Upload => "Upload a document",
        ItemKind::Approve => "Approve a document",
        ItemKind::Sign => "Sign a document",
        ItemKind::Question => "Answer questions",
    }
}

/// One request in a list: title, organisation, due date, status and progress.
#[component]
pub fn RequestCard(request: RequestSummary) -> impl IntoView {
    let due = request.due_on.map(calendar_date);
    let progress = format!(
        "{} of {} done",
        request.progress.done, request.progress.total
    );
    view! {
        <li class="request-card">
            <A href=format!("/requests/{}", request.id)>{request.title.clone()}</A>
            <span class="muted">{request.organization_name.clone()}</span>
            <span class=format!("status status-{}", request.status.as_str())>{status_label(request.status)}</span>
            {due.map(|d| view! { <span>"Due " {d}</span> })}
            {request.overdue.then(|| view! { <span class="badge overdue">"Overdue"</span> })}
            <span class="muted">{progress}</span>
        </li>
    }
}

/// An organisation's requests at a glance: open, overdue and completed requests, items done
/// of all ("3 of 5 done"), and the requests themselves.
///
/// Part of every contact's first load, so it asks with plain futures: a `LocalResource` would
/// bring Leptos' async machinery (~5 KiB brotli) into the first load.
#[component]
pub fn OrganizationProgressCard(org: OrganizationId) -> impl IntoView {
    let progress = RwSignal::new(None::<OrganizationProgress>);
    let requests = RwSignal::new(None::<Vec<RequestSummary>>);
    spawn_local(async move {
        if let Ok(p) = client().organization_progress(org).await {
            progress.set(Some(p));
        }
    });
    spawn_local(async move {
        if let Ok(page) = client().organization_request_summaries(org, None).await {
            requests.set(Some(page.items));
        }
    });
    move || {
        progress.get().filter(|p| p.items.total > 0).map(|p| {
            let summary = format!(
                "{} open request(s), {} overdue, {} completed",
                p.open_requests, p.overdue_requests, p.completed_requests
            );
            view! {
                <section class="card" aria-labelledby="progress-title">
                    <h2 id="progress-title">"Requests"</h2>
                    <p data-testid="organization-progress">
                        <strong>{format!("{} of {} done", p.items.done, p.items.total)}</strong>
                        {format!(" · {summary}")}
                    </p>
                    <progress max=p.items.total value=p.items.done aria-label="Items done"></progress>
                    {move || match requests.get() {
                        Some(list) if !list.is_empty() => view! {
                            <ul class="request-list">
                                {list.into_iter().map(|r| view! { <RequestCard request=r/> }).collect_view()}
                            </ul>
                        }.into_any(),
                        _ => view! { <p><A href="/requests">"See the requests"</A></p> }.into_any(),
                    }}
                </section>
            }
        })
    }
}
