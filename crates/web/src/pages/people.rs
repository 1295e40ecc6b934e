//! `/staff/people`: everyone with access to the portal — staff and customer contacts — with
//! search and filters; admins and owners invite people, resend invitations, change staff
//! roles, and disable or enable accounts.

use crate::components::form::{TextField, chosen_file, given, organization_choices, read_file};
use crate::components::shell::role_label;
use crate::pages::team::{ScopePicker, status_label};
use crate::remote::{ActionError, Failed, Paged, Pages, act, pages};
use crate::session::{client, use_session};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use portico_shared::UserId;
use portico_shared::people::{ImportReport, InvitePerson, MembershipGrant, PeopleFilter};
use portico_shared::tenancy::{OrganizationAccess, Scope, StaffRole, User, UserKind, UserStatus};
use send_wrapper::SendWrapper;

/// What staff change about a person; each says what happened when it worked.
#[derive(Clone)]
enum Change {
    Invite(InvitePerson),
    Resend(UserId),
    Disable(UserId),
    Enable(UserId),
    Role(UserId, StaffRole),
    Reach(UserId, OrganizationAccess),
    ViewAs(UserId),
}

type ChangePeople = Action<Change, Result<String, Failed>>;

#[component]
pub fn PeoplePage() -> impl IntoView {
    let session = use_session();
    let role = move || session.me.get().and_then(|m| m.staff_role);
    let filter = RwSignal::new(PeopleFilter::default());
    let people = pages(move |after| {
        let filter = filter.get();
        async move {
            client()
                .list_people(&filter, Some(50), after.as_deref())
                .await
        }
    });
    let navigate = use_navigate();
    // The invitation form's fields, cleared once an invitation is sent.
    let (name, email) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let change: ChangePeople = act(move |change: Change| {
        let navigate = navigate.clone();
        async move {
            let client = client();
            let said = match change {
                Change::Invite(body) => {
                    let person = client.invite_person(&body).await?;
                    name.set(String::new());
                    email.set(String::new());
                    match person.user.status {
                        UserStatus::Invited => format!("Invitation sent to {}.", person.user.email),
                        _ => format!("{} now has access to more organisations.", person.user.name),
                    }
                }
                Change::Resend(id) => {
                    client.resend_invitation(id).await?;
                    "A new invitation is on its way.".into()
                }
                Change::Disable(id) => {
                    let name = client.disable_person(id).await?.user.name;
                    format!("{name} is disabled and signed out everywhere.")
                }
                Change::Enable(id) => {
                    let name = client.enable_person(id).await?.user.name;
                    format!("{name} can sign in again.")
                }
                Change::Role(id, role) => {
                    let name = client.change_role(id, role).await?.user.name;
                    format!("{name} has a new role; they sign in again to use it.")
                }
                Change::Reach(id, reach) => {
                    let name = client.set_organization_access(id, reach).await?.user.name;
                    match reach {
                        OrganizationAccess::All => format!("{name} serves every organisation."),
                        OrganizationAccess::Assigned => {
                            format!("{name} serves only the organisations assigned to them.")
                        }
                    }
                }
                Change::ViewAs(id) => {
                    let started = client.view_as(id).await?;
                    session.view_as(started).await;
                    navigate("/", Default::default());
                    return Ok(String::new());
                }
            };
            people.reload();
            Ok(said)
        }
    });
    let can_manage = Signal::derive(move || session.is_staff_admin());
    let said = RwSignal::new(None::<String>);
    Effect::new(move || match change.value().get() {
        Some(Ok(text)) => said.set(Some(text)),
        Some(Err(_)) => said.set(None),
        None => {}
    });
    view! {
        <Show
            when=move || role().is_some()
            fallback=|| view! { <section class="empty-state"><h1>"Staff only"</h1></section> }
        >
            <h1>"People"</h1>
            <Show when=move || can_manage.get()>
                <InvitePersonForm change name email/>
                <ImportForm people said/>
            </Show>
            <section class="card" aria-labelledby="people-title">
                <h2 id="people-title">"Everyone with access"</h2>
                <PeopleSearch filter/>
                <ActionError action=change/>
                {move || said.get().filter(|s| !s.is_empty()).map(|text| view! { <p class="notice" role="status">{text}</p> })}
                <Paged pages=people loading="Loading people…" empty="Nobody matches." let:list>
                    <div class="table-wrap">
                        <table>
                            <thead><tr>
                                <th scope="col">"Person"</th>
                                <th scope="col">"Kind"</th>
                                <th scope="col">"Status"</th>
                                <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                            </tr></thead>
                            <tbody>
                                <For each=move || list.get() key=|u| (u.id, u.status, u.staff_role, u.organization_access) let:user>
                                    <PersonRow user change can_manage/>
                                </For>
                            </tbody>
                        </table>
                    </div>
                </Paged>
            </section>
        </Show>
    }
}

#[component]
fn PeopleSearch(filter: RwSignal<PeopleFilter>) -> impl IntoView {
    let words = RwSignal::new(String::new());
    let kind = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    let apply = move || {
        let q = words.get_untracked();
        filter.set(PeopleFilter {
            q: given(q),
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
fn PersonRow(user: User, change: ChangePeople, can_manage: Signal<bool>) -> impl IntoView {
    let session = use_session();
    let id = user.id;
    let is_me = session.me.get_untracked().is_some_and(|m| m.user.id == id);
    let my_role = session.me.get_untracked().and_then(|m| m.staff_role);
    let status = user.status;
    let staff_role = user.staff_role;
    let ask = move |c: Change| {
        move |_| {
            change.dispatch(c.clone());
        }
    };
    let change_role = move |ev: leptos::ev::Event| {
        let role = match event_target_value(&ev).as_str() {
            "owner" => StaffRole::Owner,
            "admin" => StaffRole::Admin,
            _ => StaffRole::Agent,
        };
        change.dispatch(Change::Role(id, role));
    };
    let change_reach = move |ev: leptos::ev::Event| {
        let reach = match event_target_value(&ev).as_str() {
            "all" => OrganizationAccess::All,
            _ => OrganizationAccess::Assigned,
        };
        change.dispatch(Change::Reach(id, reach));
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
                    <button type="button" class="button secondary small" on:click=ask(Change::ViewAs(id))
                        aria-label=format!("View the portal as {}", user.name)>"View as"</button>
                })}
                <Show when=move || can_manage.get()>
                    {(manageable && status == UserStatus::Invited).then(|| view! {
                        <button type="button" class="button secondary small" on:click=ask(Change::Resend(id))>"Resend invitation"</button>
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
                            <button type="button" class="button secondary small" on:click=ask(Change::Enable(id))>"Enable"</button>
                        }.into_any(),
                        _ => view! {
                            <button type="button" class="button danger small" on:click=ask(Change::Disable(id))>"Disable"</button>
                        }.into_any(),
                    })}
                </Show>
            </td>
        </tr>
    }
}

/// Invite a contact to an organisation with scopes, or a staff member with a role.
#[component]
fn InvitePersonForm(
    change: ChangePeople,
    name: RwSignal<String>,
    email: RwSignal<String>,
) -> impl IntoView {
    let session = use_session();
    let my_role = move || session.me.get().and_then(|m| m.staff_role);
    let invite_as = RwSignal::new("customer".to_string());
    let organization = RwSignal::new(String::new());
    let scopes = RwSignal::new(vec![Scope::Documents]);
    let organizations = organization_choices();
    // Until someone picks one, the first organisation listed (the one the select shows).
    let organization_id = move || match organization.get_untracked().parse() {
        Ok(id) => Some(id),
        Err(_) => organizations.with_untracked(|all| all.first().map(|o| o.id)),
    };
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let staff_role = match invite_as.get_untracked().as_str() {
            "owner" => Some(StaffRole::Owner),
            "admin" => Some(StaffRole::Admin),
            "agent" => Some(StaffRole::Agent),
            _ => None,
        };
        let memberships = match (staff_role, organization_id()) {
            (None, Some(organization_id)) => vec![MembershipGrant {
                organization_id,
                scopes: scopes.get_untracked(),
            }],
            _ => vec![],
        };
        change.dispatch(Change::Invite(InvitePerson {
            email: email.get_untracked(),
            name: name.get_untracked(),
            staff_role,
            memberships,
        }));
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
                <button type="submit" class="button primary" disabled=change.pending()>"Send invitation"</button>
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
fn ImportForm(people: Pages<User>, said: RwSignal<Option<String>>) -> impl IntoView {
    let file = RwSignal::new(None::<SendWrapper<web_sys::File>>);
    // `true` checks the file (a dry run), `false` imports it.
    let run = act(move |dry_run: bool| async move {
        let chosen = file
            .get_untracked()
            .ok_or_else(|| Failed::new("Choose a CSV file."))?;
        let bytes = read_file(&chosen).await.map_err(Failed::new)?;
        let report = client().import_people(bytes, dry_run).await?;
        if !report.dry_run {
            file.set(None);
            said.set(Some(format!("Imported. {}", report_text(&report))));
            people.reload();
        }
        Ok(report)
    });
    let problems = move || match run.value().get() {
        Some(Err(failed)) if failed.fields().is_empty() => vec![failed.to_string()],
        Some(Err(failed)) => failed
            .fields()
            .iter()
            .map(|(field, message)| format!("{}: {message}", field.replace("rows.", "line ")))
            .collect(),
        _ => Vec::new(),
    };
    let checked = move || {
        run.value()
            .get()
            .and_then(Result::ok)
            .filter(|r| r.dry_run && file.with(Option::is_some))
    };
    let on_file = move |ev: leptos::ev::Event| {
        if let Some(chosen) = chosen_file(&ev) {
            file.set(Some(SendWrapper::new(chosen)));
            run.dispatch(true);
        }
    };
    view! {
        <section class="card" aria-labelledby="import-title">
            <h2 id="import-title">"Import from CSV"</h2>
            <p class="muted">"Columns: organization, external_ref (optional), name, email, scopes (optional, e.g. \"billing;tickets\"). The file is checked first; nothing is imported unless every line is right."</p>
            <div class="field">
                <label for="import-file">"CSV file"</label>
                <input id="import-file" type="file" accept=".csv,text/csv" on:change=on_file/>
            </div>
            <Show when=move || !problems().is_empty()>
                <div class="error" role="alert">
                    <p>"Nothing was imported. Fix these lines and choose the file again:"</p>
                    <ul>{move || problems().into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}</ul>
                </div>
            </Show>
            {move || checked().map(|report| view! {
                <p class="notice" role="status">{report_text(&report)}</p>
                <button type="button" class="button primary" disabled=run.pending()
                    on:click=move |_| { run.dispatch(false); }>"Import"</button>
            })}
        </section>
    }
}
