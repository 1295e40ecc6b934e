//! Organisation teams. `/team` is for a contact with the `admin` scope in the organisation
//! they are looking at; the staff console's organisation page shows the same [`TeamMembers`].
//! Admins invite colleagues with scopes, change scopes, resend invitations and remove people;
//! nobody changes their own access here.

use crate::components::form::{ErrorMessage, TextField};
use crate::components::shell::Loading;
use crate::problems;
use crate::session::{Session, client, use_session};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
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

/// The team with its state and the calls that change it.
#[derive(Clone, Copy)]
struct Team {
    org: OrganizationId,
    members: RwSignal<Option<Vec<Member>>>,
    error: RwSignal<Option<String>>,
    notice: RwSignal<Option<String>>,
    session: Session,
}

impl Team {
    fn load(self) {
        spawn_local(async move {
            let mut all = Vec::new();
            let mut cursor: Option<String> = None;
            loop {
                match client()
                    .list_members(self.org, Some(100), cursor.as_deref())
                    .await
                {
                    Ok(page) => {
                        all.extend(page.items);
                        match page.next_cursor {
                            Some(next) => cursor = Some(next),
                            None => break,
                        }
                    }
                    Err(e) => {
                        self.failed(&e);
                        return;
                    }
                }
            }
            all.sort_by_key(|a| a.user.name.to_lowercase());
            self.members.set(Some(all));
        });
    }

    fn failed(self, e: &portico_shared::client::ClientError) {
        self.session.check(e);
        self.notice.set(None);
        self.error.set(Some(problems::message(e)));
    }

    fn done(self, message: String) {
        self.error.set(None);
        self.notice.set(Some(message));
        self.load();
    }
}

#[component]
pub fn TeamMembers(org: OrganizationId) -> impl IntoView {
    let session = use_session();
    let team = Team {
        org,
        members: RwSignal::new(None),
        error: RwSignal::new(None),
        notice: RwSignal::new(None),
        session,
    };
    team.load();
    let me = move || session.me.get().map(|m| m.user.id);
    view! {
        <InviteForm team=team/>
        <section class="card" aria-labelledby="team-title">
            <h2 id="team-title">"Team"</h2>
            <ErrorMessage message=team.error/>
            <Show when=move || team.notice.get().is_some()>
                <p class="notice" role="status">{move || team.notice.get().unwrap_or_default()}</p>
            </Show>
            {move || match team.members.get() {
                None => view! { <Loading label="Loading the team…"/> }.into_any(),
                Some(list) if list.is_empty() => view! { <p class="empty">"Nobody is in this team yet."</p> }.into_any(),
                Some(list) => view! {
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
                                    view! { <MemberRow member=m team=team is_me=is_me/> }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn InviteForm(team: Team) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let scopes = RwSignal::new(vec![Scope::Documents]);
    let pending = RwSignal::new(false);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let body = InviteMember {
            email: email.get_untracked(),
            name: name.get_untracked(),
            scopes: scopes.get_untracked(),
        };
        pending.set(true);
        spawn_local(async move {
            match client().invite_member(team.org, &body).await {
                Ok(member) => {
                    let message = match member.user.status {
                        UserStatus::Invited => format!("Invitation sent to {}.", member.user.email),
                        _ => format!("{} now has access.", member.user.name),
                    };
                    email.set(String::new());
                    name.set(String::new());
                    team.done(message);
                }
                Err(e) => team.failed(&e),
            }
            pending.set(false);
        });
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
                <button type="submit" class="button primary" disabled=move || pending.get()>"Send invitation"</button>
            </form>
        </section>
    }
}

#[component]
fn MemberRow(member: Member, team: Team, is_me: bool) -> impl IntoView {
    let user = member.user.clone();
    let id: UserId = user.id;
    let editing = RwSignal::new(false);
    let scopes = RwSignal::new(member.scopes.clone());
    let current = scopes_text(&member.scopes);
    let invited = user.status == UserStatus::Invited;
    let name = user.name.clone();
    let save = move |_| {
        let chosen = scopes.get_untracked();
        spawn_local(async move {
            match client().change_member_scopes(team.org, id, chosen).await {
                Ok(m) => team.done(format!("{}'s access is changed.", m.user.name)),
                Err(e) => team.failed(&e),
            }
        });
    };
    let remove = {
        let name = name.clone();
        move |_| {
            let sure = web_sys::window()
                .and_then(|w| {
                    w.confirm_with_message(&format!(
                        "Remove {name} from the team? They lose access at once."
                    ))
                    .ok()
                })
                .unwrap_or(false);
            if !sure {
                return;
            }
            let name = name.clone();
            spawn_local(async move {
                match client().remove_member(team.org, id).await {
                    Ok(()) => team.done(format!("{name} is removed from the team.")),
                    Err(e) => team.failed(&e),
                }
            });
        }
    };
    let resend = move |_| {
        spawn_local(async move {
            match client().resend_invitation(id).await {
                Ok(()) => team.done("A new invitation is on its way.".into()),
                Err(e) => team.failed(&e),
            }
        });
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
                <Show when=move || editing.get() fallback={
                    let current = current.clone();
                    move || current.clone()
                }>
                    <ScopePicker id=format!("scopes-{id}") legend="Access" value=scopes/>
                </Show>
            </td>
            <td class="actions">
                <Show when=move || !is_me>
                    <Show when=move || editing.get() fallback=move || view! {
                        <button type="button" class="button secondary small"
                            on:click=move |_| editing.set(true)>"Change access"</button>
                    }>
                        <button type="button" class="button primary small" on:click=save>"Save"</button>
                        <button type="button" class="button secondary small" on:click=move |_| editing.set(false)>"Cancel"</button>
                    </Show>
                    {invited.then(|| view! {
                        <button type="button" class="button secondary small" on:click=resend>"Resend invitation"</button>
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
