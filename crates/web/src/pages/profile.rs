//! `/profile`: who is signed in.

use crate::components::shell::role_label;
use crate::session::use_session;
use leptos::prelude::*;
use portico_shared::tenancy::UserKind;

#[component]
pub fn Profile() -> impl IntoView {
    let session = use_session();
    move || {
        session.me.get().map(|me| {
            let kind = match (me.user.kind, me.staff_role) {
                (UserKind::Staff, Some(role)) => format!("Staff · {}", role_label(role)),
                (UserKind::Staff, None) => "Staff".to_string(),
                (UserKind::Customer, _) => "Customer contact".to_string(),
            };
            view! {
                <h1>"Your profile"</h1>
                <dl class="details card">
                    <dt>"Name"</dt><dd>{me.user.name}</dd>
                    <dt>"Email"</dt><dd>{me.user.email}</dd>
                    <dt>"Portal"</dt><dd>{me.tenant.name}</dd>
                    <dt>"Account"</dt><dd>{kind}</dd>
                    <dt>"Member since"</dt><dd>{me.user.created_at.format("%e %B %Y").to_string()}</dd>
                </dl>
            }
        })
    }
}
