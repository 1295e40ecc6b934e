//! `/`: the dashboard. Contacts see who they are, their organisations and what they may do in
//! each; staff see their tenant and role. Later capabilities add their cards here.

use crate::components::shell::role_label;
use crate::session::use_session;
use leptos::prelude::*;
use leptos_router::components::A;
use portico_shared::tenancy::{Me, Scope};

fn scope_label(scope: Scope) -> &'static str {
    match scope {
        Scope::Billing => "Invoices and payments",
        Scope::Documents => "Documents",
        Scope::Tickets => "Support tickets",
        Scope::Messages => "Messages",
        Scope::Sign => "Approvals and signatures",
        Scope::Admin => "Manage colleagues",
    }
}

#[component]
pub fn Dashboard() -> impl IntoView {
    let session = use_session();
    move || {
        session.me.get().map(|me| {
            let first_name = me
                .user
                .name
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string();
            let body = if me.staff_role.is_some() {
                staff_view(me).into_any()
            } else {
                customer_view(me).into_any()
            };
            view! {
                <h1>{format!("Welcome, {first_name}")}</h1>
                {body}
            }
        })
    }
}

fn staff_view(me: Me) -> impl IntoView {
    let role = me.staff_role.map(role_label).unwrap_or_default();
    let scope = match &me.assigned_organizations {
        Some(orgs) => format!("You work with {} assigned organisation(s).", orgs.len()),
        None => "You work with every customer organisation.".to_string(),
    };
    view! {
        <section class="card" aria-labelledby="tenant-title">
            <h2 id="tenant-title">{me.tenant.branding.name}</h2>
            <p>"Your role: " <strong>{role}</strong></p>
            <p>{scope}</p>
            <A href="/staff" attr:class="button primary">"Open the staff console"</A>
        </section>
    }
}

fn customer_view(me: Me) -> impl IntoView {
    let session = use_session();
    let memberships = me.memberships.clone();
    let current = move || {
        let selected = session.organization.get();
        memberships
            .iter()
            .find(|m| Some(m.organization.id) == selected)
            .or(memberships.first())
            .cloned()
    };
    let all = me.memberships.clone();
    view! {
        {move || match current() {
            Some(m) => view! {
                <crate::pages::requests::OrganizationProgressCard org=m.organization.id/>
                <section class="card" aria-labelledby="org-title">
                    <h2 id="org-title">{m.organization.name.clone()}</h2>
                    <p>"Here you can:"</p>
                    <ul class="scopes">
                        {m.scopes.iter().map(|s| view! { <li>{scope_label(*s)}</li> }).collect_view()}
                    </ul>
                </section>
            }.into_any(),
            None => view! {
                <section class="empty-state">
                    <h2>"No organisation yet"</h2>
                    <p>"You are not part of any organisation in this portal. Ask your contact to add you."</p>
                </section>
            }.into_any(),
        }}
        <Show when={let n = all.len(); move || n > 1}>
            <section class="card" aria-labelledby="orgs-title">
                <h2 id="orgs-title">"Your organisations"</h2>
                <ul class="org-list">
                    {all.iter().map(|m| view! {
                        <li>
                            <strong>{m.organization.name.clone()}</strong>
                            <span class="muted">{m.scopes.iter().map(|s| scope_label(*s)).collect::<Vec<_>>().join(" · ")}</span>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        </Show>
    }
}
