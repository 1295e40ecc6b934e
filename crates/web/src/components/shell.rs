//! The app shell: top bar with the tenant's brand, navigation, the organisation switcher and
//! the user menu; and `Protected`, which sends visitors without a session to sign in and back.

use crate::Tenant;
use crate::session::{Status, use_session};
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::components::A;
use leptos_router::hooks::{use_location, use_navigate};
use portico_shared::OrganizationId;
use portico_shared::tenancy::{Scope, StaffRole};

/// Percent-encodes a path for a query parameter.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Shows its children only with a session; otherwise goes to `/sign-in?next=<here>`.
#[component]
pub fn Protected(children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let location = use_location();
    Effect::new(move |_| {
        let status = session.status.get();
        if matches!(status, Status::SignedOut | Status::Expired) {
            // The router's `search` has no leading `?`.
            let search = location.search.get_untracked();
            let here = if search.is_empty() {
                location.pathname.get_untracked()
            } else {
                format!("{}?{search}", location.pathname.get_untracked())
            };
            let expired = if status == Status::Expired {
                "&expired=1"
            } else {
                ""
            };
            navigate(
                &format!("/sign-in?next={}{expired}", encode(&here)),
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        }
    });
    view! {
        <Show
            when=move || session.status.get() == Status::SignedIn
            fallback=|| view! { <Loading label="Opening your portal…"/> }
        >
            {children()}
        </Show>
    }
}

/// A designed loading state, announced to screen readers.
#[component]
pub fn Loading(#[prop(into)] label: String) -> impl IntoView {
    view! {
        <div class="loading" role="status" aria-live="polite">
            <span class="spinner" aria-hidden="true"></span>
            <span>{label}</span>
        </div>
    }
}

/// The tenant's logo, or a monogram of its name.
#[component]
pub fn BrandMark() -> impl IntoView {
    let tenant = expect_context::<Tenant>();
    move || {
        let branding = tenant.branding.get();
        let name = branding
            .as_ref()
            .map(|b| b.name.clone())
            .unwrap_or_else(|| "Portico".into());
        // Capitalised by the style sheet: Unicode's case tables stay out of the first load.
        let initial = name.chars().next().unwrap_or('P').to_string();
        let logo = branding.and_then(|b| b.logo_url);
        view! {
            <span class="brand-mark">
                {match logo {
                    Some(src) => view! { <img src=src alt="" class="logo"/> }.into_any(),
                    None => view! { <span class="monogram" aria-hidden="true">{initial}</span> }.into_any(),
                }}
                <span class="brand-name">{name}</span>
            </span>
        }
    }
}

/// The centred, branded card of the pages before sign-in (sign in, invitation, reset …).
#[component]
pub fn AuthCard(#[prop(into)] title: String, children: Children) -> impl IntoView {
    view! {
        <main id="main" class="auth-page">
            <section class="auth-card" aria-labelledby="auth-title">
                <div class="auth-brand"><BrandMark/></div>
                <h1 id="auth-title">{title}</h1>
                {children()}
            </section>
        </main>
    }
}

#[component]
pub fn Shell(children: Children) -> impl IntoView {
    let session = use_session();
    let is_staff = move || session.me.get().is_some_and(|m| m.staff_role.is_some());
    let signed_in = move || session.me.get().is_some();
    // Whether the contact holds `scope` in the organisation they are looking at.
    let holds = move |scope: Scope| {
        let (Some(me), Some(org)) = (session.me.get(), session.organization.get()) else {
            return false;
        };
        me.memberships
            .iter()
            .any(|m| m.organization.id == org && m.scopes.contains(&scope))
    };
    let runs_team = move || holds(Scope::Admin);
    let sees_documents = move || holds(Scope::Documents);
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="topbar">
            <A href="/" attr:class="brand">
                <BrandMark/>
            </A>
            <Show when=signed_in>
                <nav class="main-nav" aria-label="Main">
                    <A href="/" exact=true>"Dashboard"</A>
                    <A href="/requests">"Requests"</A>
                    <Show when=is_staff>
                        <A href="/staff" exact=true>"Organisations"</A>
                        <A href="/staff/people">"People"</A>
                        <A href="/staff/settings">"Settings"</A>
                    </Show>
                    <Show when=sees_documents>
                        <A href="/documents">"Documents"</A>
                    </Show>
                    <Show when=runs_team>
                        <A href="/team">"Team"</A>
                    </Show>
                </nav>
                <div class="topbar-end">
                    <OrganizationSwitcher/>
                    <UserMenu/>
                </div>
            </Show>
            <Show when=move || !signed_in() && session.status.get() != Status::Checking>
                <div class="topbar-end">
                    <A href="/sign-in" attr:class="button secondary">"Sign in"</A>
                </div>
            </Show>
        </header>
        <ViewAsBanner/>
        <main id="main" tabindex="-1" class="content">{children()}</main>
    }
}

/// While staff view the portal as a contact: whose view it is, that it is read-only, when it
/// ends, and the way back.
#[component]
fn ViewAsBanner() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let view_as = move || {
        session
            .me
            .get()
            .and_then(|m| m.view_as.map(|v| (m.user, v)))
    };
    move || {
        view_as().map(|(user, v)| {
            let navigate = navigate.clone();
            view! {
                <div class="view-as-banner" role="status">
                    <span>
                        <strong>{format!("Viewing as {} ({})", user.name, user.email)}</strong>
                        {format!(" · read-only · ends at {}", crate::dates::local_clock(v.expires_at))}
                    </span>
                    <button type="button" class="button secondary small" on:click=move |_| {
                        session.exit_view_as();
                        navigate("/staff/people", Default::default());
                    }>"Exit view"</button>
                </div>
            }
        })
    }
}

/// For a contact in several organisations: which one they are looking at.
#[component]
fn OrganizationSwitcher() -> impl IntoView {
    let session = use_session();
    let memberships = move || session.me.get().map(|m| m.memberships).unwrap_or_default();
    move || {
        let list = memberships();
        match list.len() {
            0 => ().into_any(),
            1 => view! {
                <span class="org-single" title="Your organisation">{list[0].organization.name.clone()}</span>
            }
            .into_any(),
            _ => view! {
                <label class="org-switcher">
                    <span class="visually-hidden">"Organisation"</span>
                    <select
                        aria-label="Organisation"
                        on:change=move |ev| {
                            let id = event_target_value(&ev);
                            session.organization.set(id.parse::<OrganizationId>().ok());
                        }
                    >
                        {list
                            .into_iter()
                            .map(|m| {
                                let id = m.organization.id;
                                view! {
                                    <option
                                        value=id.to_string()
                                        selected=move || session.organization.get() == Some(id)
                                    >
                                        {m.organization.name}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </label>
            }
            .into_any(),
        }
    }
}

pub fn role_label(role: StaffRole) -> &'static str {
    match role {
        StaffRole::Owner => "Owner",
        StaffRole::Admin => "Administrator",
        StaffRole::Agent => "Agent",
    }
}

#[component]
fn UserMenu() -> impl IntoView {
    let session = use_session();
    let name = move || session.me.get().map(|m| m.user.name).unwrap_or_default();
    view! {
        <details class="user-menu">
            <summary aria-label=move || format!("Account menu for {}", name())>
                <span class="avatar" aria-hidden="true">
                    {move || name().chars().next().unwrap_or('?').to_string()}
                </span>
                <span class="user-name">{name}</span>
            </summary>
            <div class="menu" role="menu">
                <A href="/profile" attr:role="menuitem">"Profile"</A>
                <button type="button" role="menuitem" on:click=move |_| session.sign_out()>
                    "Sign out"
                </button>
            </div>
        </details>
    }
}

#[cfg(test)]
mod tests {
    use super::encode;

    #[test]
    fn paths_are_encoded_for_the_next_parameter() {
        assert_eq!(encode("/profile?a=b&c"), "/profile%3Fa%3Db%26c");
    }
}
