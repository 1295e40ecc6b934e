//! `/requests`: for a contact, what waits for them, then every request; for staff, the review
//! queue, then every request.

use super::RequestCard;
use crate::remote::{Failed, Loaded, load};
use crate::session::{client, use_session};
use leptos::prelude::*;
use leptos_router::components::A;
use portico_shared::requests::{RequestFilter, RequestStatus, RequestSummary};

async fn summaries(status: Option<RequestStatus>) -> Result<Vec<RequestSummary>, Failed> {
    let filter = RequestFilter {
        status,
        ..Default::default()
    };
    Ok(client().request_summaries(&filter, None).await?.items)
}

#[component]
pub fn RequestsPage() -> impl IntoView {
    let session = use_session();
    let is_staff = Memo::new(move |_| session.me.get().is_some_and(|m| m.staff_role.is_some()));
    // Contacts: what waits for them (open, or sent back for changes); staff: the review queue.
    let waiting = load(move || {
        let staff = is_staff.get();
        async move {
            if staff {
                return summaries(Some(RequestStatus::Submitted)).await;
            }
            let mut open = summaries(Some(RequestStatus::Open)).await?;
            open.extend(summaries(Some(RequestStatus::ChangesRequested)).await?);
            Ok(open)
        }
    });
    let all = load(|| summaries(None));
    let list = move |data: LocalResource<Result<Vec<RequestSummary>, Failed>>,
                     empty: &'static str| {
        view! {
            <Loaded data loading="Loading requests…" let:items>
                {if items.is_empty() {
                    view! { <p class="empty">{empty}</p> }.into_any()
                } else {
                    view! {
                        <ul class="request-list">
                            {items.into_iter().map(|r| view! { <RequestCard request=r/> }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </Loaded>
        }
    };
    view! {
        <h1>{move || if is_staff.get() { "Requests" } else { "What is asked of you" }}</h1>
        <Show when=move || is_staff.get()>
            <p><A href="/staff/templates" attr:class="button secondary">"Templates"</A></p>
        </Show>
        <section class="card" aria-labelledby="waiting-title">
            <h2 id="waiting-title">{move || if is_staff.get() { "Waiting for your review" } else { "Waiting for you" }}</h2>
            {list(waiting, "Nothing is waiting. Well done.")}
        </section>
        <section class="card" aria-labelledby="all-title">
            <h2 id="all-title">"All requests"</h2>
            {list(all, "No requests yet.")}
        </section>
    }
}
