//! Any path the app does not know.

use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <section class="empty-state">
            <h1>"Page not found"</h1>
            <p>"This page does not exist, or it moved."</p>
            <A href="/" attr:class="button primary">"Go to your dashboard"</A>
        </section>
    }
}
