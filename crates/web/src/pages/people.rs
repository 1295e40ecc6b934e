//! `/staff/people`: everyone with access to the portal — staff and customer contacts — with
//! search and filters; admins and owners invite people, resend invitations, change staff
//! roles, and disable or enable accounts.

use crate::components::form::{ErrorMessage, TextField, chosen_file, read_file};
use crate::components::shell::{Loading, role_label};
use crate::pages::team::{ScopePicker, status_label};
use crate::problems;
use crate::session::{Session, client, use_session};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use portico_shared::client::ClientError;
use portico_shared::organizations::Organization;
use portico_shared::people::{ImportReport, InvitePerson, MembershipGrant, PeopleFilter, Person};
use portico_shared::tenancy::{OrganizationAccess, Scope, StaffRole, User, UserKind, UserStatus};

/// The list, its filter and what the last action said.
#[derive(Clone, Copy)]
struct People {
    items: RwSignal<Option<Vec<User>>>,
    cursor: RwSignal<Option<String>>,
    filter: RwSignal<PeopleFilter>,
    error: RwSignal<Option<String>>,
    notice: RwSignal<Option<String>>,
    session: Session,
}

impl People {
    fn load(self, after: Option<String>) {
        let filter = self.filter.get_untracked();
        spawn_local(async move {
            match client()
                .list_people(&filter, Some(50), after.as_deref())
                .await
            {
                Ok(page) => {
                    if after.is_none() {
                        self.items.set(Some(page.items));
                    } else {
                        self.items
                            .update(|i| i.get_or_insert_with(Vec::new).extend(page.items));
                    }
                    self.cursor.set(page.next_cursor);
                }
                Err(e) => self.failed(&e),
            }
        });
    }

    fn failed(self, e: &ClientError) {
        self.session.check(e);
        self.notice.set(None);
        self.error.set(Some(problems::message(e)));
    }

    /// After a change: say what happened and show the person as they are now.
    fn changed(self, result: Result<Person, ClientError>, message: impl Fn(&User) -> String) {
        match result {
            Ok(person) => {
                self.error.set(None);
                self.notice.set(Some(message(&person.user)));
                self.items.update(|items| {
                    if let Some(slot) = items
                        .as_mut()
                        .and_then(|i| i.iter_mut().find(|u| u.id == person.user.id))
                    {
                        *slot = person.user;
                    }
                });
            }
            Err(e) => self.failed(&e),
        }
    }
}

#[component]
pub fn PeoplePage() -> impl IntoView {
    let session = use_session();
    let role = move || session.me.get().and_then(|m| m.staff_role);
    let people = People {
        items: RwSignal::new(None),
        cursor: RwSignal::new(None),
        filter: RwSignal::new(PeopleFilter::default()),
        error: RwSignal::new(None),
        notice: RwSignal::new(None),
        session,
    };
    people.load(None);
    let can_manage = Signal::derive(move || session.is_staff_admin());
    view! {
        <Show
            when=move || role().is_some()
            fallback=|| view! { <section class="empty-state"><h1>"Staff only"</h1></section> }
        >
            <h1>"People"</h1>
            <Show when=move || can_manage.get()>
                <InvitePersonForm people=people/>
                <ImportForm people=people/>
            </Show>
            <section class="card" aria-labelledby="people-title">
                <h2 id="people-title">"Everyone with access"</h2>
                <PeopleSearch people=people/>
                <ErrorMessage message=people.error/>
                <Show when=move || people.notice.get().is_some()>
                    <p class="notice" role="status">{move || people.notice.get().unwrap_or_default()}</p>
                </Show>
                {move || match people.items.get() {
                    None => view! { <Loading label="Loading people…"/> }.into_any(),
                    Some(list) if list.is_empty() => view! { <p class="empty">"Nobody matches."</p> }.into_any(),
                    Some(list) => view! {
                        <div class="table-wrap">
                            <table>
                                <thead><tr>
                                    <th scope="col">"Person"</th>
                                    <th scope="col">"Kind"</th>
                                    <th scope="col">"Status"</th>
                                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|user| view! {
                                        <PersonRow user=user people=people can_manage=can_manage/>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                }}
                <Show when=move || people.cursor.get().is_some()>
                    <button type="button" class="button secondary"
                        on:click=move |_| people.load(people.cursor.get_untracked())>"Show more"</button>
                </Show>
            </section>
        </Show>
    }
}

#[component]
fn PeopleSearch(people: People) -> impl IntoView {
    let words = RwSignal::new(String::new());
    let kind = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    let apply = move || {
        let q = words.get_untracked();
        people.filter.set(PeopleFilter {
            q: (!q.trim().is_empty()).then_some(q),
            kind: match kind.get_untracked().as_str() {
                "staff" => Some(UserKind::Staff),
                "customer" => Some(UserKind::Customer),
                _ => None,
            },
            status: match status.get_untracked().as_str() {
                "invited" => Some(UserStatus::Invited),
                "active" => Some(UserStatus::Active),
                "disabled" => Some(UserStatus::Disabled),
                _ => None,
            },
        });
        people.load(None);
    };
    view! {
        <form class="toolbar" role="search" on:submit=move |ev: SubmitEvent| { ev.prevent_default(); apply(); }>
            <TextField id="people-search" label="Search people" kind="search"
                placeholder="Name or email" class="grow" value=words/>
            <div class="field">
                <label for="people-kind">"Kind"</label>
                <select id="people-kind" on:change=move |ev| { kind.set(event_target_value(&ev)); apply(); }>
                    <option value="">"All"</option>
                    <option value="customer">"Customer contacts"</option>
                    <option value="staff">"Staff"</option>
                </select>
            </div>
            <div class="field">
                <label for="people-status">"Status"</label>
                <select id="people-status" on:change=move |ev| { status.set(event_target_value(&ev)); apply(); }>
                    <option value="">"All"</option>
                    <option value="invited">"Invited"</option>
                    <option value="active">"Active"</option>
                    <option value="disabled">"Disabled"</option>
                </select>
            </div>
            <button type="submit" class="button secondary">"Search"</button>
        </form>
    }
}

fn kind_label(user: &User) -> String {
    match (user.kind, user.staff_role) {
        (UserKind::Staff, Some(role)) => format!("Staff · {}", role_label(role)),
        (UserKind::Staff, None) => "Staff".into(),
        (UserKind::Customer, _) => "Customer contact".into(),
    }
}

#[component]
fn PersonRow(user: User, people: People, can_manage: Signal<bool>) -> impl IntoView {
    let session = people.session;
    let id = user.id;
    let is_me = session.me.get_untracked().is_some_and(|m| m.user.id == id);
    let my_role = session.me.get_untracked().and_then(|m| m.staff_role);
    let status = user.status;
    let staff_role = user.staff_role;
    let disable = move |_| {
        spawn_local(async move {
            let result = client().disable_person(id).await;
            people.changed(result, |u| {
                format!("{} is disabled and signed out everywhere.", u.name)
            });
        });
    };
    let enable = move |_| {
        spawn_local(async move {
            let result = client().enable_person(id).await;
            people.changed(result, |u| format!("{} can sign in again.", u.name));
        });
    };
    let resend = move |_| {
        spawn_local(async move {
            match client().resend_invitation(id).await {
                Ok(()) => {
                    people.error.set(None);
                    people
                        .notice
                        .set(Some("A new invitation is on its way.".into()));
                }
                Err(e) => people.failed(&e),
            }
        });
    };
    let navigate = leptos_router::hooks::use_navigate();
    let view_as = move |_| {
        let navigate = navigate.clone();
        spawn_local(async move {
            match client().view_as(id).await {
                Ok(started) => {
                    session.view_as(started).await;
                    navigate("/", Default::default());
                }
                Err(e) => people.failed(&e),
            }
        });
    };
    let change_role = move |ev: leptos::ev::Event| {
        let role = match event_target_value(&ev).as_str() {
            "owner" => StaffRole::Owner,
            "admin" => StaffRole::Admin,
            _ => StaffRole::Agent,
        };
        spawn_local(async move {
            let result = client().change_role(id, role).await;
            people.changed(result, |u| {
                format!("{} has a new role; they sign in again to use it.", u.name)
            });
        });
    };
    let change_reach = move |ev: leptos::ev::Event| {
        let reach = match event_target_value(&ev).as_str() {
            "all" => OrganizationAccess::All,
            _ => OrganizationAccess::Assigned,
        };
        spawn_local(async move {
            let result = client().set_organization_access(id, reach).await;
            people.changed(result, |u| match reach {
                OrganizationAccess::All => format!("{} serves every organisation.", u.name),
                OrganizationAccess::Assigned => {
                    format!("{} serves only the organisations assigned to them.", u.name)
                }
            });
        });
    };
    let reach = user.organization_access;
    // Whose reach this user may change: staff of a lower role than their own.
    let below_me = !is_me
        && staff_role
            .zip(my_role)
            .is_some_and(|(theirs, mine)| theirs > mine);
    // Roles this user may hand out: their own and below.
    let grantable: Vec<StaffRole> = [StaffRole::Owner, StaffRole::Admin, StaffRole::Agent]
        .into_iter()
        .filter(|r| my_role.is_some_and(|mine| *r >= mine))
        .collect();
    let outranks_me = staff_role
        .zip(my_role)
        .is_some_and(|(theirs, mine)| theirs < mine);
    let manageable = !is_me && !outranks_me;
    view! {
        <tr>
            <td>
                <strong>{user.name.clone()}</strong>
                {is_me.then(|| view! { <span class="badge">"You"</span> })}
                <div class="muted">{user.email.clone()}</div>
            </td>
            <td>{kind_label(&user)}</td>
            <td><span class=format!("status status-{}", status_label(status).to_lowercase())>{status_label(status)}</span></td>
            <td class="actions">
                {(user.kind == UserKind::Customer && status == UserStatus::Active).then(|| view! {
                    <button type="button" class="button secondary small" on:click=view_as.clone()
                        aria-label=format!("View the portal as {}", user.name)>"View as"</button>
                })}
                <Show when=move || can_manage.get()>
                    {(manageable && status == UserStatus::Invited).then(|| view! {
                        <button type="button" class="button secondary small" on:click=resend>"Resend invitation"</button>
                    })}
                    {(manageable && staff_role.is_some()).then(|| {
                        let grantable = grantable.clone();
                        view! {
                            <label class="inline">
                                <span class="visually-hidden">{format!("Role of {}", user.name)}</span>
                                <select on:change=change_role>
                                    {grantable.into_iter().map(|r| view! {
                                        <option value=format!("{r:?}").to_lowercase() selected=staff_role == Some(r)>{role_label(r)}</option>
                                    }).collect_view()}
                                </select>
                            </label>
                        }
                    })}
                    {below_me.then(|| view! {
                        <label class="inline">
                            <span class="visually-hidden">{format!("What {} serves", user.name)}</span>
                            <select on:change=change_reach>
                                <option value="all" selected=reach == Some(OrganizationAccess::All)>"Every organisation"</option>
                                <option value="assigned" selected=reach == Some(OrganizationAccess::Assigned)>"Assigned only"</option>
                            </select>
                        </label>
                    })}
                    {manageable.then(|| match status {
                        UserStatus::Disabled => view! {
                            <button type="button" class="button secondary small" on:click=enable>"Enable"</button>
                        }.into_any(),
                        _ => view! {
                            <button type="button" class="button danger small" on:click=disable>"Disable"</button>
                        }.into_any(),
                    })}
                </Show>
            </td>
        </tr>
    }
}

/// Invite a contact to an organisation with scopes, or a staff member with a role.
#[component]
fn InvitePersonForm(people: People) -> impl IntoView {
    let session = people.session;
    let my_role = move || session.me.get().and_then(|m| m.staff_role);
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let invite_as = RwSignal::new("customer".to_string());
    let organization = RwSignal::new(String::new());
    let scopes = RwSignal::new(vec![Scope::Documents]);
    let organizations = RwSignal::new(Vec::<Organization>::new());
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    spawn_local(async move {
        if let Ok(page) = client().list_organizations(Some(100), None).await {
            if let Some(first) = page.items.first() {
                organization.set(first.id.to_string());
            }
            organizations.set(page.items);
        }
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let staff_role = match invite_as.get_untracked().as_str() {
            "owner" => Some(StaffRole::Owner),
            "admin" => Some(StaffRole::Admin),
            "agent" => Some(StaffRole::Agent),
            _ => None,
        };
        let memberships = match (staff_role, organization.get_untracked().parse()) {
            (None, Ok(organization_id)) => vec![MembershipGrant {
                organization_id,
                scopes: scopes.get_untracked(),
            }],
            _ => vec![],
        };
        let body = InvitePerson {
            email: email.get_untracked(),
            name: name.get_untracked(),
            staff_role,
            memberships,
        };
        pending.set(true);
        spawn_local(async move {
            match client().invite_person(&body).await {
                Ok(person) => {
                    error.set(None);
                    let message = match person.user.status {
                        UserStatus::Invited => format!("Invitation sent to {}.", person.user.email),
                        _ => format!("{} now has access to more organisations.", person.user.name),
                    };
                    people.notice.set(Some(message));
                    name.set(String::new());
                    email.set(String::new());
                    people.load(None);
                }
                Err(e) => {
                    session.check(&e);
                    error.set(Some(problems::message(&e)));
                }
            }
            pending.set(false);
        });
    };
    let as_contact = move || invite_as.get() == "customer";
    view! {
        <section class="card" aria-labelledby="invite-person-title">
            <h2 id="invite-person-title">"Invite someone"</h2>
            <form class="stack" on:submit=on_submit>
                <div class="toolbar">
                    <TextField id="person-name" label="Name" required=true class="grow" value=name/>
                    <TextField id="person-email" label="Email" kind="email" required=true class="grow" value=email/>
                    <div class="field">
                        <label for="person-as">"Invite as"</label>
                        <select id="person-as" on:change=move |ev| invite_as.set(event_target_value(&ev))>
                            <option value="customer">"Customer contact"</option>
                            {move || [StaffRole::Agent, StaffRole::Admin, StaffRole::Owner]
                                .into_iter()
                                .filter(|r| my_role().is_some_and(|mine| *r >= mine))
                                .map(|r| view! {
                                    <option value=format!("{r:?}").to_lowercase()>{format!("Staff · {}", role_label(r))}</option>
                                })
                                .collect_view()}
                        </select>
                    </div>
                </div>
                <Show when=as_contact>
                    <div class="field">
                        <label for="person-org">"Organisation"</label>
                        <select id="person-org" on:change=move |ev| organization.set(event_target_value(&ev))>
                            {move || organizations.get().into_iter().map(|o| {
                                let id = o.id.to_string();
                                view! { <option value=id.clone() selected=move || organization.get() == id>{o.name}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                    <ScopePicker id="person-scopes" legend="What they may do there" value=scopes/>
                </Show>
                <ErrorMessage message=error/>
                <button type="submit" class="button primary" disabled=move || pending.get()>"Send invitation"</button>
            </form>
        </section>
    }
}

fn report_text(r: &ImportReport) -> String {
    let verb = if r.dry_run { "would" } else { "did" };
    format!(
        "{} rows: {verb} create {} organisations, invite {} people and give {} existing contacts \
         access; {} already had it.",
        r.rows, r.organizations_created, r.people_invited, r.memberships_added, r.unchanged
    )
}

/// Import organisations and contacts from a CSV file: checked first (a dry run shows what
/// would happen, or every bad line), then imported in one go.
#[component]
fn ImportForm(people: People) -> impl IntoView {
    let session = people.session;
    let file = RwSignal::new(None::<Vec<u8>>);
    let report = RwSignal::new(None::<ImportReport>);
    let problems = RwSignal::new(Vec::<String>::new());
    let pending = RwSignal::new(false);
    let run = move |dry_run: bool| {
        let Some(bytes) = file.get_untracked() else {
            return;
        };
        pending.set(true);
        spawn_local(async move {
            match client().import_people(bytes, dry_run).await {
                Ok(r) => {
                    problems.set(Vec::new());
                    if !r.dry_run {
                        file.set(None);
                        people
                            .notice
                            .set(Some(format!("Imported. {}", report_text(&r))));
                        people.load(None);
                    }
                    report.set(Some(r));
                }
                Err(e) => {
                    session.check(&e);
                    report.set(None);
                    let listed: Vec<String> = e
                        .problem()
                        .map(|p| {
                            p.errors
                                .iter()
                                .map(|f| {
                                    format!("{}: {}", f.field.replace("rows.", "line "), f.message)
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    problems.set(if listed.is_empty() {
                        vec![problems::message(&e)]
                    } else {
                        listed
                    });
                }
            }
            pending.set(false);
        });
    };
    let on_file = move |ev: leptos::ev::Event| {
        let Some(chosen) = chosen_file(&ev) else {
            return;
        };
        spawn_local(async move {
            match read_file(&chosen).await {
                Ok(bytes) => {
                    file.set(Some(bytes));
                    run(true);
                }
                Err(message) => problems.set(vec![message]),
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="import-title">
            <h2 id="import-title">"Import from CSV"</h2>
            <p class="muted">"Columns: organization, external_ref (optional), name, email, scopes (optional, e.g. \"billing;tickets\"). The file is checked first; nothing is imported unless every line is right."</p>
            <div class="field">
                <label for="import-file">"CSV file"</label>
                <input id="import-file" type="file" accept=".csv,text/csv" on:change=on_file/>
            </div>
            <Show when=move || !problems.with(Vec::is_empty)>
                <div class="error" role="alert">
                    <p>"Nothing was imported. Fix these lines and choose the file again:"</p>
                    <ul>{move || problems.get().into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}</ul>
                </div>
            </Show>
            <Show when=move || report.get().is_some_and(|r| r.dry_run) && file.with(Option::is_some)>
                <p class="notice" role="status">{move || report.get().map(|r| report_text(&r)).unwrap_or_default()}</p>
                <button type="button" class="button primary" disabled=move || pending.get() on:click=move |_| run(false)>
                    "Import"
                </button>
            </Show>
        </section>
    }
}
