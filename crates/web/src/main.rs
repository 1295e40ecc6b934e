//! Portico's single-page app: client-side rendered Leptos, talking to the API through the one
//! typed client in `portico-shared`.

mod branding;
mod components;
mod pages;
mod problems;
mod session;

use components::shell::{Protected, Shell};
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
    // Once signed in, the session's tenant is the one to show.
    Effect::new(move |_| {
        if let Some(me) = session.me.get() {
            branding::remember(&me.tenant.branding.slug);
            if tenant.slug.get_untracked().as_deref() != Some(me.tenant.branding.slug.as_str()) {
                tenant.slug.set(Some(me.tenant.branding.slug));
            }
        }
    });
    session.resume();

    view! {
        <Router>
            <Routes fallback=|| view! { <Shell><pages::not_found::NotFound/></Shell> }>
                <Route path=path!("/sign-in") view=pages::sign_in::SignIn/>
                <Route path=path!("/forgot-password") view=pages::links::ForgotPassword/>
                <Route path=path!("/reset-password") view=pages::links::ResetPassword/>
                <Route path=path!("/magic-link") view=pages::links::MagicLink/>
                <Route path=path!("/invitation") view=pages::links::AcceptInvitation/>
                <Route path=path!("/confirm-email") view=pages::links::ConfirmEmail/>
                <Route path=path!("/join") view=pages::links::JoinOrganization/>
                <Route path=path!("/") view=|| view! {
                    <Protected><Shell><pages::dashboard::Dashboard/></Shell></Protected>
                }/>
                <Route path=path!("/profile") view=|| view! {
                    <Protected><Shell><pages::profile::Profile/></Shell></Protected>
                }/>
                <Route path=path!("/staff") view=|| view! {
                    <Protected><Shell><pages::staff::StaffConsole/></Shell></Protected>
                }/>
                <Route path=path!("/staff/organizations/:id") view=|| view! {
                    <Protected><Shell><pages::staff::OrganizationPage/></Shell></Protected>
                }/>
                <Route path=path!("/staff/people") view=|| view! {
                    <Protected><Shell><pages::people::PeoplePage/></Shell></Protected>
                }/>
                <Route path=path!("/staff/settings") view=|| view! {
                    <Protected><Shell><pages::settings::SettingsPage/></Shell></Protected>
                }/>
                <Route path=path!("/documents") view=|| view! {
                    <Protected><Shell><pages::documents::DocumentsPage/></Shell></Protected>
                }/>
                <Route path=path!("/requests") view=|| view! {
                    <Protected><Shell><pages::requests::RequestsPage/></Shell></Protected>
                }/>
                <Route path=path!("/requests/:id") view=|| view! {
                    <Protected><Shell><pages::requests::RequestPage/></Shell></Protected>
                }/>
                <Route path=path!("/staff/organizations/:id/requests/new") view=|| view! {
                    <Protected><Shell><pages::requests::NewRequestPage/></Shell></Protected>
                }/>
                <Route path=path!("/staff/templates") view=|| view! {
                    <Protected><Shell><pages::requests::TemplatesPage/></Shell></Protected>
                }/>
                <Route path=path!("/team") view=|| view! {
                    <Protected><Shell><pages::team::TeamPage/></Shell></Protected>
                }/>
            </Routes>
        </Router>
    }
}

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}
