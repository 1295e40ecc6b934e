//! `/staff`: the staff console — the customer organisations this staff member serves, with
//! search, a status filter, and (for admins and owners) creating, archiving and restoring.

use crate::components::form::{ErrorMessage, TextField};
use crate::components::shell::Loading;
use crate::pages::team::TeamMembers;
use crate::problems;
use crate::session::{Session, client, use_session};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use portico_shared::client::ClientError;
use portico_shared::organizations::{
    CreateOrganization, Organization, OrganizationFilter, OrganizationStatus, UpdateOrganization,
};
use portico_shared::people::PeopleFilter;
use portico_shared::tenancy::{User, UserKind};
use portico_shared::{OrganizationId, UserId};

#[derive(Debug, Clone, PartialEq)]
enum LoadState {
    Loading,
    Done,
    Failed(String),
}

/// The list with its filter and paging.
#[derive(Clone, Copy)]
struct Organizations {
    items: RwSignal<Vec<Organization>>,
    cursor: RwSignal<Option<String>>,
    state: RwSignal<LoadState>,
    filter: RwSignal<OrganizationFilter>,
    session: Session,
}

impl Organizations {
    fn new(session: Session) -> Self {
        Organizations {
            session,
            items: RwSignal::new(Vec::new()),
            cursor: RwSignal::new(None),
            state: RwSignal::new(LoadState::Loading),
            filter: RwSignal::new(OrganizationFilter::default()),
        }
    }

    /// Loads the page after `after`, or the first page again (replacing the list).
    fn load(self, after: Option<String>) {
        let session = self.session;
        let filter = self.filter.get_untracked();
        self.state.set(LoadState::Loading);
        spawn_local(async move {
            let page = client()
                .search_organizations(&filter, Some(50), after.as_deref())
                .await;
            match page {
                Ok(page) => {
                    if after.is_none() {
                        self.items.set(page.items);
                    } else {
                        self.items.update(|o| o.extend(page.items));
                    }
                    self.cursor.set(page.next_cursor);
                    self.state.set(LoadState::Done);
                }
                Err(e) => {
                    session.check(&e);
                    self.state.set(LoadState::Failed(problems::message(&e)));
                }
            }
        });
    }

    fn replace(self, org: Organization) {
        self.items.update(|items| {
            if let Some(slot) = items.iter_mut().find(|o| o.id == org.id) {
                *slot = org;
            }
        });
    }
}

#[component]
pub fn StaffConsole() -> impl IntoView {
    let session = use_session();
    let role = move || session.me.get().and_then(|m| m.staff_role);
    let list = Organizations::new(session);
    list.load(None);

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
            <Show when=move || session.is_staff_admin()>
                <NewOrganization list=list/>
            </Show>
            <section class="card" aria-labelledby="orgs-title">
                <h2 id="orgs-title">"Customer organisations"</h2>
                <SearchForm list=list/>
                <Show when=move || list.state.get() == LoadState::Done && list.items.with(Vec::is_empty)>
                    <p class="empty">"No organisations match."</p>
                </Show>
                <Show when=move || !list.items.with(Vec::is_empty)>
                    <OrganizationTable list=list can_manage=Signal::derive(move || session.is_staff_admin())/>
                </Show>
                {move || match list.state.get() {
                    LoadState::Loading => view! { <Loading label="Loading organisations…"/> }.into_any(),
                    LoadState::Failed(message) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                    LoadState::Done => ().into_any(),
                }}
                <Show when=move || list.cursor.get().is_some() && list.state.get() == LoadState::Done>
                    <button type="button" class="button secondary" on:click=move |_| list.load(list.cursor.get_untracked())>
                        "Show more"
                    </button>
                </Show>
            </section>
        </Show>
    }
}

#[component]
fn SearchForm(list: Organizations) -> impl IntoView {
    let words = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    let apply = move || {
        let q = words.get_untracked();
        list.filter.set(OrganizationFilter {
            q: (!q.trim().is_empty()).then_some(q),
            status: match status.get_untracked().as_str() {
                "active" => Some(OrganizationStatus::Active),
                "archived" => Some(OrganizationStatus::Archived),
                _ => None,
            },
        });
        list.load(None);
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

#[component]
fn OrganizationTable(list: Organizations, can_manage: Signal<bool>) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    view! {
        <ErrorMessage message=error/>
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
                    <For
                        each=move || list.items.get()
                        key=|o| (o.id, o.status, o.name.clone(), o.external_ref.clone())
                        let:org
                    >
                        <OrganizationRow org=org list=list can_manage=can_manage error=error/>
                    </For>
                </tbody>
            </table>
        </div>
    }
}

/// One organisation; for admins and owners, with Edit (name, reference) and Archive/Restore.
#[component]
fn OrganizationRow(
    org: Organization,
    list: Organizations,
    can_manage: Signal<bool>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let session = list.session;
    let editing = RwSignal::new(false);
    let name = RwSignal::new(org.name.clone());
    let reference = RwSignal::new(org.external_ref.clone().unwrap_or_default());
    let settle = move |result: Result<Organization, ClientError>| match result {
        Ok(updated) => {
            error.set(None);
            editing.set(false);
            list.replace(updated);
        }
        Err(e) => {
            session.check(&e);
            error.set(Some(problems::message(&e)));
        }
    };
    let (id, status) = (org.id, org.status);
    let change_status = move |_| {
        spawn_local(async move {
            settle(match status {
                OrganizationStatus::Active => client().archive_organization(id).await,
                OrganizationStatus::Archived => client().restore_organization(id).await,
            })
        })
    };
    let save = move |ev: SubmitEvent| {
        ev.prevent_default();
        let body = UpdateOrganization {
            name: Some(name.get_untracked()),
            external_ref: Some(reference.get_untracked()),
            custom_fields: None,
        };
        spawn_local(async move { settle(client().update_organization(id, &body).await) });
    };
    let archived = status == OrganizationStatus::Archived;
    let action = if archived { "Restore" } else { "Archive" };
    let (status_label, edit_label) = (
        format!("{action} {}", org.name),
        format!("Edit {}", org.name),
    );
    let (name_id, reference_id) = (format!("name-{id}"), format!("reference-{id}"));
    view! {
        <Show
            when=move || editing.get()
            fallback=move || {
                let org = org.clone();
                let (status_label, edit_label) = (status_label.clone(), edit_label.clone());
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
                                    aria-label=status_label.clone() on:click=change_status>
                                    {action}
                                </button>
                            </td>
                        </Show>
                    </tr>
                }
            }
        >
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
    }
}

#[component]
fn NewOrganization(list: Organizations) -> impl IntoView {
    let session = use_session();
    let name = RwSignal::new(String::new());
    let external_ref = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let done = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let r = external_ref.get_untracked();
        let body = CreateOrganization {
            name: name.get_untracked(),
            external_ref: (!r.trim().is_empty()).then_some(r),
            custom_fields: Default::default(),
        };
        pending.set(true);
        spawn_local(async move {
            match client().create_organization(&body).await {
                Ok(org) => {
                    error.set(None);
                    done.set(Some(format!("{} was added.", org.name)));
                    name.set(String::new());
                    external_ref.set(String::new());
                    list.load(None);
                }
                Err(e) => {
                    session.check(&e);
                    done.set(None);
                    error.set(Some(problems::message(&e)));
                }
            }
            pending.set(false);
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
                <button type="submit" class="button primary" disabled=move || pending.get()>"Add organisation"</button>
            </form>
            <ErrorMessage message=error/>
            <Show when=move || done.get().is_some()>
                <p class="notice" role="status">{move || done.get().unwrap_or_default()}</p>
            </Show>
        </section>
    }
}

/// `/staff/organizations/:id`: one organisation and its team.
#[component]
pub fn OrganizationPage() -> impl IntoView {
    let session = use_session();
    let params = use_params_map();
    let id = move || {
        params
            .get()
            .get("id")
            .and_then(|id| id.parse::<OrganizationId>().ok())
    };
    let org = RwSignal::new(None::<Result<Organization, String>>);
    Effect::new(move |_| {
        let Some(id) = id() else {
            org.set(Some(Err("We could not find that.".into())));
            return;
        };
        spawn_local(async move {
            let found = client().get_organization(id).await;
            if let Err(e) = &found {
                session.check(e);
            }
            org.set(Some(found.map_err(|e| problems::message(&e))));
        });
    });
    view! {
        <p><A href="/staff">"← All organisations"</A></p>
        {move || match org.get() {
            None => view! { <Loading label="Loading the organisation…"/> }.into_any(),
            Some(Err(message)) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
            Some(Ok(o)) => view! {
                <h1>{o.name.clone()}</h1>
                <p class="actions-row">
                    <A href=format!("/documents?org={}", o.id) attr:class="button primary">"Documents"</A>
                    <A href=format!("/staff/organizations/{}/requests/new", o.id) attr:class="button secondary">"New request"</A>
                </p>
                <dl class="details card">
                    <dt>"Reference"</dt><dd>{o.external_ref.clone().unwrap_or_else(|| "—".into())}</dd>
                    <dt>"Status"</dt><dd>{if o.status == OrganizationStatus::Archived { "Archived" } else { "Active" }}</dd>
                    <dt>"Customer since"</dt><dd>{crate::dates::local_day(o.created_at)}</dd>
                </dl>
                <crate::pages::requests::OrganizationProgressCard org=o.id/>
                <CustomFields org=o.clone() shown=org/>
                <AssignedStaff org=o.id/>
                <TeamMembers org=o.id/>
            }.into_any(),
        }}
    }
}

/// The staff assigned to an organisation; admins and owners assign and unassign. Staff with
/// assignments see only the organisations they are assigned to.
#[component]
fn AssignedStaff(org: OrganizationId) -> impl IntoView {
    let session = use_session();
    let can_manage = move || session.is_staff_admin();
    let assigned = RwSignal::new(None::<Vec<User>>);
    let staff = RwSignal::new(Vec::<User>::new());
    let chosen = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let load = move || {
        spawn_local(async move {
            match client().list_assigned_staff(org).await {
                Ok(page) => assigned.set(Some(page.items)),
                Err(e) => {
                    session.check(&e);
                    error.set(Some(problems::message(&e)));
                }
            }
        });
    };
    load();
    spawn_local(async move {
        let filter = PeopleFilter {
            kind: Some(UserKind::Staff),
            ..Default::default()
        };
        if let Ok(page) = client().list_people(&filter, Some(100), None).await {
            staff.set(page.items);
        }
    });
    let change = move |user: UserId, assign: bool| {
        spawn_local(async move {
            match client().set_staff_assignment(org, user, assign).await {
                Ok(()) => {
                    error.set(None);
                    load();
                }
                Err(e) => {
                    session.check(&e);
                    error.set(Some(problems::message(&e)));
                }
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="assigned-title">
            <h2 id="assigned-title">"Assigned staff"</h2>
            <p class="muted">"Staff assigned to organisations see only those. Nobody assigned: every staff member serves it."</p>
            <ErrorMessage message=error/>
            {move || match assigned.get() {
                None => view! { <Loading label="Loading…"/> }.into_any(),
                Some(list) if list.is_empty() => view! { <p class="empty">"Nobody is assigned."</p> }.into_any(),
                Some(list) => view! {
                    <ul class="session-list">
                        {list.into_iter().map(|u| {
                            let id = u.id;
                            let label = format!("Unassign {}", u.name);
                            view! {
                                <li>
                                    <span><strong>{u.name.clone()}</strong><span class="muted">{format!(" · {}", u.email)}</span></span>
                                    <Show when=can_manage>
                                        <button type="button" class="button secondary small" aria-label=label.clone()
                                            on:click=move |_| change(id, false)>"Unassign"</button>
                                    </Show>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
            <Show when=can_manage>
                <form class="toolbar" on:submit=move |ev: SubmitEvent| {
                    ev.prevent_default();
                    if let Ok(user) = chosen.get_untracked().parse::<UserId>() {
                        change(user, true);
                    }
                }>
                    <div class="field">
                        <label for="assign-staff">"Staff member"</label>
                        <select id="assign-staff" on:change=move |ev| chosen.set(event_target_value(&ev))>
                            <option value="">"Choose…"</option>
                            {move || staff.get().into_iter().map(|u| view! {
                                <option value=u.id.to_string()>{u.name}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <button type="submit" class="button secondary">"Assign"</button>
                </form>
            </Show>
        </section>
    }
}

/// The organisation's custom fields; admins and owners add, change and remove them.
#[component]
fn CustomFields(
    org: Organization,
    /// The page's organisation, replaced by the saved one.
    shown: RwSignal<Option<Result<Organization, String>>>,
) -> impl IntoView {
    let session = use_session();
    let can_manage = move || session.is_staff_admin();
    let id = org.id;
    let label = RwSignal::new(String::new());
    let value = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let save = move |changes: std::collections::BTreeMap<String, Option<String>>| {
        let body = UpdateOrganization {
            custom_fields: Some(changes),
            ..Default::default()
        };
        spawn_local(async move {
            match client().update_organization(id, &body).await {
                Ok(saved) => {
                    error.set(None);
                    label.set(String::new());
                    value.set(String::new());
                    shown.set(Some(Ok(saved)));
                }
                Err(e) => {
                    session.check(&e);
                    error.set(Some(problems::message(&e)));
                }
            }
        });
    };
    let fields: Vec<(String, String)> = org.custom_fields.clone().into_iter().collect();
    view! {
        <section class="card" aria-labelledby="fields-title">
            <h2 id="fields-title">"Custom fields"</h2>
            <ErrorMessage message=error/>
            {if fields.is_empty() {
                view! { <p class="empty">"No custom fields yet."</p> }.into_any()
            } else {
                view! {
                    <dl class="details">
                        {fields.into_iter().map(|(k, v)| {
                            let remove_label = format!("Remove {k}");
                            let key = k.clone();
                            view! {
                                <dt>{k}</dt>
                                <dd>
                                    {v}
                                    <Show when=can_manage>
                                        <button type="button" class="link remove-field" aria-label=remove_label.clone()
                                            on:click={
                                                let key = key.clone();
                                                move |_| save([(key.clone(), None)].into())
                                            }>"Remove"</button>
                                    </Show>
                                </dd>
                            }
                        }).collect_view()}
                    </dl>
                }.into_any()
            }}
            <Show when=can_manage>
                <form class="toolbar" on:submit=move |ev: SubmitEvent| {
                    ev.prevent_default();
                    save([(label.get_untracked(), Some(value.get_untracked()))].into());
                }>
                    <TextField id="field-label" label="Field" placeholder="Account tier" value=label/>
                    <TextField id="field-value" label="Value" class="grow" placeholder="Gold" value=value/>
                    <button type="submit" class="button secondary">"Save field"</button>
                </form>
            </Show>
        </section>
    }
}
