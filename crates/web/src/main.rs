//! Portico's single-page app: client-side rendered Leptos, talking to the API through the one
//! typed client in `portico-shared`.

mod branding;
mod components;
mod dates;
mod lazy;
mod pages;
mod problems;
mod remote;
mod session;

use components::shell::{Protected, Shell};
use lazy::{lazy, lazy_page};
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use portico_shared::tenancy::Branding;
use session::Session;

/// The tenant the visitor means, and its branding once loaded.
#[derive(Clone, Copy)]
pub struct Tenant {
    pub slug: RwSignal<Option<String>>,
    pub branding: RwSignal<Option<Branding>>,
    /// Whether the branding lookup has answered (so the page knows whether to ask for the
    /// tenant rather than flash a field it may not need).
    pub resolved: RwSignal<bool>,
}

// Every page but sign-in, the landing page and "not found" loads when first visited; pages
// named by the same chunk share one download.
lazy_page!(profile, profile_page, pages::profile::Profile);
lazy_page!(staff, staff_console, pages::staff::StaffConsole);
lazy_page!(staff, organization_page, pages::staff::OrganizationPage);
lazy_page!(people, people_page, pages::people::PeoplePage);
lazy_page!(settings, settings_page, pages::settings::SettingsPage);
lazy_page!(documents, documents_page, pages::documents::DocumentsPage);
lazy_page!(requests, requests_page, pages::requests::RequestsPage);
lazy_page!(requests, request_page, pages::requests::RequestPage);
lazy_page!(
    request_builder,
    new_request_page,
    pages::requests::NewRequestPage
);
lazy_page!(
    request_builder,
    templates_page,
    pages::requests::TemplatesPage
);
lazy_page!(team, team_page, pages::team::TeamPage);
lazy_page!(links, forgot_password, pages::links::ForgotPassword);
lazy_page!(links, reset_password, pages::links::ResetPassword);
lazy_page!(links, magic_link, pages::links::MagicLink);
lazy_page!(links, accept_invitation, pages::links::AcceptInvitation);
lazy_page!(links, confirm_email, pages::links::ConfirmEmail);
lazy_page!(links, join_organization, pages::links::JoinOrganization);

#[component]
fn App() -> impl IntoView {
    let session = Session::new();
    provide_context(session);
    let tenant = Tenant {
        slug: RwSignal::new(branding::tenant_hint()),
        branding: RwSignal::new(None),
        resolved: RwSignal::new(false),
    };
    provide_context(tenant);
    branding::load(tenant);
    // Once signed in, the session's tenant is the one to show — and `Me` carries its branding,
    // so nothing more is fetched for it.
    Effect::new(move |_| {
        if let Some(me) = session.me.get() {
            let known = me.tenant.branding;
            branding::remember(&known.slug);
            if tenant.slug.get_untracked().as_deref() != Some(known.slug.as_str()) {
                branding::adopt(tenant, known);
            }
        }
    });
    session.resume();

    view! {
        <Router>
            <Routes fallback=|| view! { <Shell><pages::not_found::NotFound/></Shell> }>
                <Route path=path!("/sign-in") view=pages::sign_in::SignIn/>
                <Route path=path!("/forgot-password") view=|| lazy(forgot_password)/>
                <Route path=path!("/reset-password") view=|| lazy(reset_password)/>
                <Route path=path!("/magic-link") view=|| lazy(magic_link)/>
                <Route path=path!("/invitation") view=|| lazy(accept_invitation)/>
                <Route path=path!("/confirm-email") view=|| lazy(confirm_email)/>
                <Route path=path!("/join") view=|| lazy(join_organization)/>
                <Route path=path!("/") view=|| view! {
                    <Protected><Shell><pages::dashboard::Dashboard/></Shell></Protected>
                }/>
                <Route path=path!("/profile") view=|| view! {
                    <Protected><Shell>{lazy(profile_page)}</Shell></Protected>
                }/>
                <Route path=path!("/staff") view=|| view! {
                    <Protected><Shell>{lazy(staff_console)}</Shell></Protected>
                }/>
                <Route path=path!("/staff/organizations/:id") view=|| view! {
                    <Protected><Shell>{lazy(organization_page)}</Shell></Protected>
                }/>
                <Route path=path!("/staff/people") view=|| view! {
                    <Protected><Shell>{lazy(people_page)}</Shell></Protected>
                }/>
                <Route path=path!("/staff/settings") view=|| view! {
                    <Protected><Shell>{lazy(settings_page)}</Shell></Protected>
                }/>
                <Route path=path!("/documents") view=|| view! {
                    <Protected><Shell>{lazy(documents_page)}</Shell></Protected>
                }/>
                <Route path=path!("/requests") view=|| view! {
                    <Protected><Shell>{lazy(requests_page)}</Shell></Protected>
                }/>
                <Route path=path!("/requests/:id") view=|| view! {
                    <Protected><Shell>{lazy(request_page)}</Shell></Protected>
                }/>
                <Route path=path!("/staff/organizations/:id/requests/new") view=|| view! {
                    <Protected><Shell>{lazy(new_request_page)}</Shell></Protected>
                }/>
                <Route path=path!("/staff/templates") view=|| view! {
                    <Protected><Shell>{lazy(templates_page)}</Shell></Protected>
                }/>
                <Route path=path!("/team") view=|| view! {
                    <Protected><Shell>{lazy(team_page)}</Shell></Protected>
                }/>
            </Routes>
        </Router>
    }
}

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}
