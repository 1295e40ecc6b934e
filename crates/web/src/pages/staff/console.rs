//! `/staff`: the staff console — the customer organisations this staff member serves, with
//! search, a status filter, and (for admins and owners) creating, archiving and restoring.

use crate::components::form::{TextField, given};
use crate::remote::{ActionError, Paged, Pages, act, pages};
use crate::session::{client, use_session};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use portico_shared::organizations::{
    CreateOrganization, Organization, OrganizationFilter, OrganizationStatus, UpdateOrganization,
};

#[component]
pub fn StaffConsole() -> impl IntoView {
    let session = use_session();
    let role = move || session.me.get().and_then(|m| m.staff_role);
    let filter = RwSignal::new(OrganizationFilter::default());
    let list = pages(move |after| {
        let filter = filter.get();
        async move {
            client()
                .search_organizations(&filter, Some(50), after.as_deref())
                .await
        }
    });
    let can_manage = Signal::derive(move || session.is_staff_admin());
    view! {
        <Show
            when=move || role().is_some()
            fallback=|| view! {
                <section class="empty-state">
                    <h1>"Staff only"</h1>
                    <p>"The staff console is for the portal's team."</p>
                </section>
            }
        >
            <h1>"Organisations"</h1>
            <Show when=move || can_manage.get()>
                <NewOrganization list/>
            </Show>
            <section class="card" aria-labelledby="orgs-title">
                <h2 id="orgs-title">"Customer organisations"</h2>
                <SearchForm filter/>
                <Paged pages=list loading="Loading organisations…" empty="No organisations match." let:orgs>
                    <OrganizationTable orgs can_manage/>
                </Paged>
            </section>
        </Show>
    }
}

#[component]
fn SearchForm(filter: RwSignal<OrganizationFilter>) -> impl IntoView {
    let words = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    let apply = move || {
        let q = words.get_untracked();
        filter.set(OrganizationFilter {
            q: given(q),
            status: match status.get_untracked().as_str() {
                "active" => Some(OrganizationStatus::Active),
                "archived" => Some(OrganizationStatus::Archived),
                _ => None,
            },
        });
    };
    view! {
        <form class="toolbar" role="search" on:submit=move |ev: SubmitEvent| { ev.prevent_default(); apply(); }>
            <TextField id="org-search" label="Search organisations" kind="search"
                placeholder="Name or reference" class="grow" value=words/>
            <div class="field">
                <label for="org-status">"Status"</label>
                <select id="org-status" on:change=move |ev| { status.set(event_target_value(&ev)); apply(); }>
                    <option value="">"All"</option>
                    <option value="active">"Active"</option>
                    <option value="archived">"Archived"</option>
                </select>
            </div>
            <button type="submit" class="button secondary">"Search"</button>
        </form>
    }
}

/// What an admin changes about one organisation; each answers with it as it now is.
#[derive(Clone)]
enum Change {
    Edit(UpdateOrganization),
    Archive,
    Restore,
}

#[component]
fn OrganizationTable(orgs: Signal<Vec<Organization>>, can_manage: Signal<bool>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Reference"</th>
                        <th scope="col">"Status"</th>
                        <Show when=move || can_manage.get()><th scope="col"><span class="visually-hidden">"Actions"</span></th></Show>
                    </tr>
                </thead>
                <tbody>
                    <For each=move || orgs.get() key=|o| o.id let:org>
                        <OrganizationRow org can_manage/>
                    </For>
                </tbody>
            </table>
        </div>
    }
}

/// One organisation; for admins and owners, with Edit (name, reference) and Archive/Restore.
#[component]
fn OrganizationRow(org: Organization, can_manage: Signal<bool>) -> impl IntoView {
    let id = org.id;
    let editing = RwSignal::new(false);
    let name = RwSignal::new(org.name.clone());
    let reference = RwSignal::new(org.external_ref.clone().unwrap_or_default());
    let org = RwSignal::new(org);
    let change = act(move |change: Change| async move {
        let client = client();
        let updated = match change {
            Change::Edit(body) => client.update_organization(id, &body).await?,
            Change::Archive => client.archive_organization(id).await?,
            Change::Restore => client.restore_organization(id).await?,
        };
        editing.set(false);
        org.set(updated);
        Ok(())
    });
    let save = move |ev: SubmitEvent| {
        ev.prevent_default();
        change.dispatch(Change::Edit(UpdateOrganization {
            name: Some(name.get_untracked()),
            external_ref: Some(reference.get_untracked()),
            custom_fields: None,
        }));
    };
    let (name_id, reference_id) = (format!("name-{id}"), format!("reference-{id}"));
    let shown = move || {
        let org = org.get();
        let archived = org.status == OrganizationStatus::Archived;
        let (action, next) = if archived {
            ("Restore", Change::Restore)
        } else {
            ("Archive", Change::Archive)
        };
        let (status_label, edit_label) = (
            format!("{action} {}", org.name),
            format!("Edit {}", org.name),
        );
        view! {
            <tr class:archived=archived>
                <td><A href=format!("/staff/organizations/{}", org.id)>{org.name.clone()}</A></td>
                <td>{org.external_ref.clone().unwrap_or_else(|| "—".into())}</td>
                <td><span class="badge">{if archived { "Archived" } else { "Active" }}</span></td>
                <Show when=move || can_manage.get()>
                    <td class="actions">
                        <button type="button" class="button secondary small"
                            aria-label=edit_label.clone() on:click=move |_| editing.set(true)>
                            "Edit"
                        </button>
                        <button type="button" class="button secondary small"
                            aria-label=status_label.clone() on:click={
                                let next = next.clone();
                                move |_| { change.dispatch(next.clone()); }
                            }>
                            {action}
                        </button>
                    </td>
                </Show>
            </tr>
        }
    };
    view! {
        <Show when=move || editing.get() fallback=shown>
            <tr>
                <td colspan="4">
                    <form class="toolbar" on:submit=save>
                        <TextField id=name_id.clone() label="Rename to" required=true class="grow" value=name/>
                        <TextField id=reference_id.clone() label="Reference" value=reference/>
                        <button type="submit" class="button primary small">"Save"</button>
                        <button type="button" class="button secondary small" on:click=move |_| editing.set(false)>
                            "Cancel"
                        </button>
                    </form>
                </td>
            </tr>
        </Show>
        {move || change.value().get().and_then(Result::err).map(|failed| view! {
            <tr><td colspan="4"><p class="error" role="alert">{failed.to_string()}</p></td></tr>
        })}
    }
}

#[component]
fn NewOrganization(list: Pages<Organization>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let external_ref = RwSignal::new(String::new());
    let add = act(move |body: CreateOrganization| async move {
        let org = client().create_organization(&body).await?;
        name.set(String::new());
        external_ref.set(String::new());
        list.reload();
        Ok(format!("{} was added.", org.name))
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let r = external_ref.get_untracked();
        add.dispatch(CreateOrganization {
            name: name.get_untracked(),
            external_ref: given(r),
            custom_fields: Default::default(),
        });
    };
    view! {
        <section class="card" aria-labelledby="new-org-title">
            <h2 id="new-org-title">"New organisation"</h2>
            <form class="toolbar" on:submit=on_submit>
                <TextField id="new-org-name" label="Name" autocomplete="off" required=true
                    class="grow" value=name/>
                <TextField id="new-org-ref" label="Reference (optional)" autocomplete="off"
                    placeholder="CRM id" value=external_ref/>
                <button type="submit" class="button primary" disabled=add.pending()>"Add organisation"</button>
            </form>
            <ActionError action=add/>
            {move || add.value().get().and_then(Result::ok).map(|said| view! { <p class="notice" role="status">{said}</p> })}
        </section>
    }
}
