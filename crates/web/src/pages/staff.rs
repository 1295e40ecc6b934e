//! `/staff`: the staff console. For now, the customer organisations this staff member serves;
//! managing them comes with the organisations-and-people work.

use crate::components::shell::Loading;
use crate::problems;
use crate::session::{client, use_session};
use leptos::prelude::*;
use portico_shared::organizations::Organization;

#[component]
pub fn StaffConsole() -> impl IntoView {
    let session = use_session();
    let is_staff = move || session.me.get().is_some_and(|m| m.staff_role.is_some());
    let organizations = RwSignal::new(Vec::<Organization>::new());
    let cursor = RwSignal::new(None::<String>);
    let state = RwSignal::new(LoadState::Loading);

    let load_more = move |after: Option<String>| {
        state.set(LoadState::Loading);
        leptos::task::spawn_local(async move {
            match client()
                .list_organizations(Some(50), after.as_deref())
                .await
            {
                Ok(page) => {
                    organizations.update(|o| o.extend(page.items));
                    cursor.set(page.next_cursor);
                    state.set(LoadState::Done);
                }
                Err(e) => {
                    session.check(&e);
                    state.set(LoadState::Failed(problems::message(&e)));
                }
            }
        });
    };
    load_more(None);

    view! {
        <Show
            when=is_staff
            fallback=|| view! {
                <section class="empty-state">
                    <h1>"Staff only"</h1>
                    <p>"The staff console is for the portal's team."</p>
                </section>
            }
        >
            <h1>"Staff console"</h1>
            <section class="card" aria-labelledby="orgs-title">
                <h2 id="orgs-title">"Customer organisations"</h2>
                <Show when=move || state.get() == LoadState::Done && organizations.with(Vec::is_empty)>
                    <p class="empty">"No customer organisations yet."</p>
                </Show>
                <Show when=move || !organizations.with(Vec::is_empty)>
                    <table>
                        <thead><tr><th scope="col">"Name"</th><th scope="col">"Reference"</th><th scope="col">"Status"</th></tr></thead>
                        <tbody>
                            <For each=move || organizations.get() key=|o| o.id let:org>
                                <tr>
                                    <td>{org.name.clone()}</td>
                                    <td>{org.external_ref.clone().unwrap_or_else(|| "—".into())}</td>
                                    <td>{format!("{:?}", org.status)}</td>
                                </tr>
                            </For>
                        </tbody>
                    </table>
                </Show>
                {move || match state.get() {
                    LoadState::Loading => view! { <Loading label="Loading organisations…"/> }.into_any(),
                    LoadState::Failed(message) => view! {
                        <p class="error" role="alert">{message}</p>
                    }.into_any(),
                    LoadState::Done => ().into_any(),
                }}
                <Show when=move || cursor.get().is_some() && state.get() == LoadState::Done>
                    <button type="button" class="button secondary" on:click=move |_| load_more(cursor.get_untracked())>
                        "Show more"
                    </button>
                </Show>
            </section>
        </Show>
    }
}

#[derive(Debug, Clone, PartialEq)]
enum LoadState {
    Loading,
    Done,
    Failed(String),
}
