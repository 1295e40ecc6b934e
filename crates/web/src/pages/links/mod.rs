//! The pages emailed links open, and the one that asks for a reset:
//! `/invitation` (accept and set a password), `/magic-link` (sign in), `/forgot-password`,
//! `/reset-password`, `/confirm-email` and `/join`. A link's secret travels in the URL's fragment
//! (`#token=…`), which browsers never send to a server; the page reads it once and removes it
//! from the address bar and history.

mod confirm_email;
mod forgot_password;
mod invitation;
mod join;
mod magic_link;
mod reset_password;

pub use confirm_email::ConfirmEmail;
pub use forgot_password::ForgotPassword;
pub use invitation::AcceptInvitation;
pub use join::JoinOrganization;
pub use magic_link::MagicLink;
pub use reset_password::ResetPassword;

use crate::Tenant;
use crate::remote::{Failed, act};
use crate::session::{Session, client, use_session};
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use portico_shared::auth::TokenResponse;
use portico_shared::people::{RequestLink, SetPasswordWithLink};

/// The secret in a fragment such as `#token=abc`.
fn token_in(fragment: &str) -> Option<String> {
    fragment
        .trim_start_matches('#')
        .split('&')
        .find_map(|kv| kv.strip_prefix("token="))
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

/// Takes the link's secret from the address bar, leaving the address without it.
fn take_link_token() -> Option<String> {
    let window = web_sys::window()?;
    let location = window.location();
    let token = token_in(&location.hash().ok()?);
    if token.is_some()
        && let (Ok(path), Ok(search), Ok(history)) =
            (location.pathname(), location.search(), window.history())
    {
        let _ = history.replace_state_with_url(
            &wasm_bindgen::JsValue::NULL,
            "",
            Some(&format!("{path}{search}")),
        );
    }
    token
}

/// After a link signed someone in: load the session, then go to the dashboard.
async fn signed_in_by_link(
    session: Session,
    token: TokenResponse,
    navigate: impl Fn(&str, NavigateOptions),
) {
    session.signed_in(token.expires_in).await;
    navigate(
        "/",
        NavigateOptions {
            replace: true,
            ..Default::default()
        },
    );
}

/// Which link sets a password.
#[derive(Clone, Copy)]
enum PasswordLink {
    Invitation,
    Reset,
}

/// Sends a new password with the link's secret; once it is taken, signs in and goes home.
fn set_password(link: PasswordLink) -> Action<SetPasswordWithLink, Result<(), Failed>> {
    let session = use_session();
    let navigate = use_navigate();
    act(move |body: SetPasswordWithLink| {
        let navigate = navigate.clone();
        async move {
            let tokens = match link {
                PasswordLink::Invitation => client().accept_invitation(&body).await?,
                PasswordLink::Reset => client().complete_password_reset(&body).await?,
            };
            signed_in_by_link(session, tokens, navigate).await;
            Ok(())
        }
    })
}

/// A link that could not be used, with a way on.
#[component]
fn DeadLink(
    message: String,
    #[prop(optional)] retry: Option<(&'static str, &'static str)>,
) -> impl IntoView {
    let (href, label) = retry.unwrap_or(("/sign-in", "Go to sign in"));
    view! {
        <p class="error" role="alert">{message}</p>
        <p><A href=href attr:class="button secondary">{label}</A></p>
    }
}

fn missing_link() -> String {
    "This page needs the link from your email. Open the email and use its link again.".into()
}

/// The tenant's slug as the sign-in page knows it.
fn current_tenant(tenant: Tenant) -> String {
    tenant
        .branding
        .get_untracked()
        .map(|b| b.slug)
        .or_else(|| tenant.slug.get_untracked())
        .unwrap_or_default()
}

/// Which emailed link a [`RequestLinkForm`] asks for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    PasswordReset,
    SignIn,
}

/// Asks for a reset or sign-in link for `email`; the answer never says whether the address
/// has an account.
pub async fn request_link(kind: LinkKind, tenant: Tenant, email: String) -> Result<String, Failed> {
    let body = RequestLink {
        tenant: current_tenant(tenant),
        email: email.trim().to_string(),
    };
    match kind {
        LinkKind::PasswordReset => client().request_password_reset(&body).await?,
        LinkKind::SignIn => client().request_magic_link(&body).await?,
    }
    let what = match kind {
        LinkKind::PasswordReset => "a link to choose a new password (valid for 30 minutes)",
        LinkKind::SignIn => "a sign-in link (valid for 15 minutes)",
    };
    Ok(format!(
        "If {} has an account here, we have sent it {what}. Check your inbox.",
        body.email
    ))
}

#[cfg(test)]
mod tests {
    use super::token_in;

    #[test]
    fn the_secret_is_read_from_the_fragment_only() {
        assert_eq!(token_in("#token=abc-_1").as_deref(), Some("abc-_1"));
        assert_eq!(token_in("#x=1&token=abc").as_deref(), Some("abc"));
        assert_eq!(token_in("#token="), None);
        assert_eq!(token_in(""), None);
    }
}
