//! `/staff/organizations/:id`: one organisation — its details, requests, custom fields,
//! assigned staff and team.

use crate::components::form::TextField;
use crate::pages::requests::OrganizationProgressCard;
use crate::pages::team::TeamMembers;
use crate::remote::{ActionError, Failed, Loaded, act, load};
use crate::session::{client, use_session};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use portico_shared::organizations::{Organization, OrganizationStatus, UpdateOrganization};
use portico_shared::people::PeopleFilter;
use portico_shared::tenancy::UserKind;
use portico_shared::{OrganizationId, UserId};
use std::collections::BTreeMap;

#[component]
pub fn OrganizationPage() -> impl IntoView {
    let params = use_params_map();
    let org = load(move || {
        let id = params.with(|p| p.get("id").and_then(|id| id.parse::<OrganizationId>().ok()));
        async move {
            let id = id.ok_or_else(|| Failed::new("We could not find that."))?;
            Ok(client().get_organization(id).await?)
        }
    });
    view! {
        <p><A href="/staff">"← All organisations"</A></p>
        <Loaded data=org loading="Loading the organisation…" let:o>
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
            <OrganizationProgressCard org=o.id/>
            <CustomFields org=o.clone()/>
            <AssignedStaff org=o.id/>
            <TeamMembers org=o.id/>
        </Loaded>
    }
}

/// The staff assigned to an organisation; admins and owners assign and unassign. Staff with
/// assignments see only the organisations they are assigned to.
#[component]
fn AssignedStaff(org: OrganizationId) -> impl IntoView {
    let session = use_session();
    let can_manage = move || session.is_staff_admin();
    let assigned = load(move || async move { Ok(client().list_assigned_staff(org).await?.items) });
    let staff = load(|| async {
        let filter = PeopleFilter {
            kind: Some(UserKind::Staff),
            ..Default::default()
        };
        Ok(client().list_people(&filter, Some(100), None).await?.items)
    });
    let chosen = RwSignal::new(String::new());
    let change = act(move |(user, assign): (UserId, bool)| async move {
        client().set_staff_assignment(org, user, assign).await?;
        assigned.refetch();
        Ok(())
    });
    view! {
        <section class="card" aria-labelledby="assigned-title">
            <h2 id="assigned-title">"Assigned staff"</h2>
            <p class="muted">"Staff assigned to organisations see only those. Nobody assigned: every staff member serves it."</p>
            <ActionError action=change/>
            <Loaded data=assigned loading="Loading…" let:list>
                {if list.is_empty() {
                    view! { <p class="empty">"Nobody is assigned."</p> }.into_any()
                } else {
                    view! {
                        <ul class="session-list">
                            {list.into_iter().map(|u| {
                                let id = u.id;
                                let label = format!("Unassign {}", u.name);
                                view! {
                                    <li>
                                        <span><strong>{u.name.clone()}</strong><span class="muted">{format!(" · {}", u.email)}</span></span>
                                        <Show when=can_manage>
                                            <button type="button" class="button secondary small" aria-label=label.clone()
                                                on:click=move |_| { change.dispatch((id, false)); }>"Unassign"</button>
                                        </Show>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </Loaded>
            <Show when=can_manage>
                <form class="toolbar" on:submit=move |ev: SubmitEvent| {
                    ev.prevent_default();
                    if let Ok(user) = chosen.get_untracked().parse::<UserId>() {
                        change.dispatch((user, true));
                    }
                }>
                    <div class="field">
                        <label for="assign-staff">"Staff member"</label>
                        <select id="assign-staff" on:change=move |ev| chosen.set(event_target_value(&ev))>
                            <option value="">"Choose…"</option>
                            {move || staff.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|u| view! {
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
fn CustomFields(org: Organization) -> impl IntoView {
    let session = use_session();
    let can_manage = move || session.is_staff_admin();
    let id = org.id;
    let fields = RwSignal::new(org.custom_fields);
    let label = RwSignal::new(String::new());
    let value = RwSignal::new(String::new());
    let save = act(
        move |changes: BTreeMap<String, Option<String>>| async move {
            let body = UpdateOrganization {
                custom_fields: Some(changes),
                ..Default::default()
            };
            let saved = client().update_organization(id, &body).await?;
            label.set(String::new());
            value.set(String::new());
            fields.set(saved.custom_fields);
            Ok(())
        },
    );
    view! {
        <section class="card" aria-labelledby="fields-title">
            <h2 id="fields-title">"Custom fields"</h2>
            <ActionError action=save/>
            {move || if fields.with(BTreeMap::is_empty) {
                view! { <p class="empty">"No custom fields yet."</p> }.into_any()
            } else {
                view! {
                    <dl class="details">
                        {fields.get().into_iter().map(|(k, v)| {
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
                                                move |_| { save.dispatch([(key.clone(), None)].into()); }
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
                    save.dispatch([(label.get_untracked(), Some(value.get_untracked()))].into());
                }>
                    <TextField id="field-label" label="Field" placeholder="Account tier" value=label/>
                    <TextField id="field-value" label="Value" class="grow" placeholder="Gold" value=value/>
                    <button type="submit" class="button secondary">"Save field"</button>
                </form>
            </Show>
        </section>
    }
}
