//! Organisation teams. `/team` is for a contact with the `admin` scope in the organisation
//! they are looking at; the staff console's organisation page shows the same [`TeamMembers`].
//! Admins invite colleagues with scopes, change scopes, resend invitations and remove people;
//! nobody changes their own access here.

use crate::components::form::{TextField, confirmed};
use crate::remote::{ActionError, ActionSaid, Failed, Loaded, act, load};
use crate::session::{client, use_session};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use portico_shared::people::{InviteMember, Member};
use portico_shared::tenancy::{Scope, UserStatus};
use portico_shared::{OrganizationId, UserId};

pub fn scope_label(scope: Scope) -> &'static str {
    match scope {
        Scope::Billing => "Billing",
        Scope::Documents => "Documents",
        Scope::Tickets => "Support tickets",
        Scope::Messages => "Messages",
        Scope::Sign => "Approvals and signatures",
        Scope::Admin => "Team admin",
    }
}

pub fn status_label(status: UserStatus) -> &'static str {
    match status {
        UserStatus::Invited => "Invited",
        UserStatus::Active => "Active",
        UserStatus::Disabled => "Disabled",
    }
}

pub fn scopes_text(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|s| scope_label(*s))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Checkboxes for the scopes, bound to `value`.
#[component]
pub fn ScopePicker(
    #[prop(into)] id: String,
    legend: &'static str,
    value: RwSignal<Vec<Scope>>,
) -> impl IntoView {
    view! {
        <fieldset class="scope-picker">
            <legend>{legend}</legend>
            {Scope::ALL.into_iter().map(|scope| {
                let box_id = format!("{id}-{}", scope.as_str());
                let label_for = box_id.clone();
                view! {
                    <label for=label_for class="check">
                        <input type="checkbox" id=box_id
                            prop:checked=move || value.with(|v| v.contains(&scope))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                value.update(|v| {
                                    v.retain(|s| *s != scope);
                                    if on {
                                        v.push(scope);
                                        v.sort();
                                    }
                                });
                            }/>
                        {scope_label(scope)}
                    </label>
                }
            }).collect_view()}
        </fieldset>
    }
}

/// What an admin changes about the team; each says what happened when it worked.
#[derive(Clone)]
enum Change {
    Invite(InviteMember),
    Scopes(UserId, Vec<Scope>),
    Remove(UserId, String),
    Resend(UserId),
}

type ChangeTeam = Action<Change, Result<String, Failed>>;

/// Every member, in name order (all pages of the list).
async fn all_members(org: OrganizationId) -> Result<Vec<Member>, Failed> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = client()
            .list_members(org, Some(100), cursor.as_deref())
            .await?;
        all.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    all.sort_by_key(|a| a.user.name.to_lowercase());
    Ok(all)
}

#[component]
pub fn TeamMembers(org: OrganizationId) -> impl IntoView {
    let session = use_session();
    let members = load(move || all_members(org));
    let (email, name) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let change: ChangeTeam = act(move |change: Change| async move {
        let client = client();
        let said = match change {
            Change::Invite(body) => {
                let member = client.invite_member(org, &body).await?;
                email.set(String::new());
                name.set(String::new());
                match member.user.status {
                    UserStatus::Invited => format!("Invitation sent to {}.", member.user.email),
                    _ => format!("{} now has access.", member.user.name),
                }
            }
            Change::Scopes(id, scopes) => {
                let member = client.change_member_scopes(org, id, scopes).await?;
                format!("{}'s access is changed.", member.user.name)
            }
            Change::Remove(id, name) => {
                client.remove_member(org, id).await?;
                format!("{name} is removed from the team.")
            }
            Change::Resend(id) => {
                client.resend_invitation(id).await?;
                "A new invitation is on its way.".to_string()
            }
        };
        members.refetch();
        Ok(said)
    });
    let me = move || session.me.get().map(|m| m.user.id);
    view! {
        <InviteForm change email name/>
        <section class="card" aria-labelledby="team-title">
            <h2 id="team-title">"Team"</h2>
            <ActionError action=change/>
            <ActionSaid action=change/>
            <Loaded data=members loading="Loading the team…" let:list>
                {if list.is_empty() {
                    view! { <p class="empty">"Nobody is in this team yet."</p> }.into_any()
                } else {
                    view! {
                        <div class="table-wrap">
                            <table>
                                <thead><tr>
                                    <th scope="col">"Person"</th>
                                    <th scope="col">"Status"</th>
                                    <th scope="col">"Access"</th>
                                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|m| {
                                        let is_me = me() == Some(m.user.id);
                                        view! { <MemberRow member=m change is_me/> }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any()
                }}
            </Loaded>
        </section>
    }
}

#[component]
fn InviteForm(
    change: ChangeTeam,
    email: RwSignal<String>,
    name: RwSignal<String>,
) -> impl IntoView {
    let scopes = RwSignal::new(vec![Scope::Documents]);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        change.dispatch(Change::Invite(InviteMember {
            email: email.get_untracked(),
            name: name.get_untracked(),
            scopes: scopes.get_untracked(),
        }));
    };
    view! {
        <section class="card" aria-labelledby="invite-title">
            <h2 id="invite-title">"Invite a colleague"</h2>
            <form class="stack" on:submit=on_submit>
                <div class="toolbar">
                    <TextField id="invite-name" label="Name" required=true class="grow" value=name/>
                    <TextField id="invite-email" label="Email" kind="email" required=true class="grow" value=email/>
                </div>
                <ScopePicker id="invite-scopes" legend="What they may do" value=scopes/>
                <button type="submit" class="button primary" disabled=change.pending()>"Send invitation"</button>
            </form>
        </section>
    }
}

#[component]
fn MemberRow(member: Member, change: ChangeTeam, is_me: bool) -> impl IntoView {
    let user = member.user;
    let id: UserId = user.id;
    let editing = RwSignal::new(false);
    let scopes = RwSignal::new(member.scopes.clone());
    let current = scopes_text(&member.scopes);
    let invited = user.status == UserStatus::Invited;
    let name = user.name.clone();
    let remove = {
        let name = name.clone();
        move |_| {
            if confirmed(&format!(
                "Remove {name} from the team? They lose access at once."
            )) {
                change.dispatch(Change::Remove(id, name.clone()));
            }
        }
    };
    view! {
        <tr>
            <td>
                <strong>{user.name.clone()}</strong>
                {is_me.then(|| view! { <span class="badge">"You"</span> })}
                <div class="muted">{user.email.clone()}</div>
            </td>
            <td><span class=format!("status status-{}", status_label(user.status).to_lowercase())>{status_label(user.status)}</span></td>
            <td>
                <Show when=move || editing.get() fallback=move || current.clone()>
                    <ScopePicker id=format!("scopes-{id}") legend="Access" value=scopes/>
                </Show>
            </td>
            <td class="actions">
                <Show when=move || !is_me>
                    <Show when=move || editing.get() fallback=move || view! {
                        <button type="button" class="button secondary small"
                            on:click=move |_| editing.set(true)>"Change access"</button>
                    }>
                        <button type="button" class="button primary small"
                            on:click=move |_| { change.dispatch(Change::Scopes(id, scopes.get_untracked())); }>"Save"</button>
                        <button type="button" class="button secondary small" on:click=move |_| editing.set(false)>"Cancel"</button>
                    </Show>
                    {invited.then(|| view! {
                        <button type="button" class="button secondary small"
                            on:click=move |_| { change.dispatch(Change::Resend(id)); }>"Resend invitation"</button>
                    })}
                    <button type="button" class="button danger small" on:click=remove.clone()
                        aria-label=format!("Remove {}", name.clone())>"Remove"</button>
                </Show>
            </td>
        </tr>
    }
}

/// `/team`: the team of the organisation the contact is looking at, for its admins.
#[component]
pub fn TeamPage() -> impl IntoView {
    let session = use_session();
    let current = move || {
        let me = session.me.get()?;
        let org = session.organization.get()?;
        me.memberships
            .into_iter()
            .find(|m| m.organization.id == org)
    };
    view! {
        {move || match current() {
            Some(m) if m.scopes.contains(&Scope::Admin) => view! {
                <h1>{format!("{} team", m.organization.name)}</h1>
                <TeamMembers org=m.organization.id/>
            }.into_any(),
            _ => view! {
                <section class="empty-state">
                    <h1>"Team"</h1>
                    <p>"Only your organisation's team admins manage its team. Ask one of them to invite colleagues."</p>
                </section>
            }.into_any(),
        }}
    }
}
