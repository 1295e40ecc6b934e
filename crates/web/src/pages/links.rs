//! The pages emailed links open, and the one that asks for a reset:
//! `/invitation` (accept and set a password), `/magic-link` (sign in), `/forgot-password`,
//! `/reset-password`, `/confirm-email` and `/join`. A link's secret travels in the URL's fragment
//! (`#token=…`), which browsers never send to a server; the page reads it once and removes it
//! from the address bar and history.

use crate::Tenant;
use crate::components::form::{ErrorMessage, NewPasswordField, TextField};
use crate::components::shell::{AuthCard, Loading};
use crate::problems;
use crate::session::{Session, Status, client, use_session};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use portico_shared::auth::TokenResponse;
use portico_shared::client::ClientError;
use portico_shared::people::{InvitationDetails, RequestLink, SetPasswordWithLink};

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

/// The state of a form that sets a password with a link.
#[derive(Clone, Copy)]
struct PasswordForm {
    pending: RwSignal<bool>,
    error: RwSignal<Option<String>>,
    session: Session,
}

impl PasswordForm {
    /// Sends the new password with the link's secret; once it is taken, signs in.
    fn submit(
        self,
        link: PasswordLink,
        token: String,
        password: String,
        name: Option<String>,
        navigate: impl Fn(&str, NavigateOptions) + 'static,
    ) {
        if self.pending.get_untracked() || password.is_empty() {
            return;
        }
        let body = SetPasswordWithLink {
            token,
            password,
            name,
        };
        self.pending.set(true);
        self.error.set(None);
        spawn_local(async move {
            let result = match link {
                PasswordLink::Invitation => client().accept_invitation(&body).await,
                PasswordLink::Reset => client().complete_password_reset(&body).await,
            };
            match result {
                Ok(tokens) => signed_in_by_link(self.session, tokens, navigate).await,
                Err(e) => self.error.set(Some(problems::message(&e))),
            }
            self.pending.set(false);
        });
    }
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

/// `/invitation`: who is invited to what, then a password (and the name, to correct it).
#[component]
pub fn AcceptInvitation() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let token = take_link_token();
    let details = RwSignal::new(None::<Result<InvitationDetails, String>>);
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    match token.clone() {
        Some(token) => spawn_local(async move {
            let found = client().lookup_invitation(&token).await;
            if let Ok(d) = &found {
                name.set(d.name.clone());
            }
            details.set(Some(found.map_err(|e| problems::message(&e))));
        }),
        None => details.set(Some(Err(missing_link()))),
    }
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(token) = token.clone() else { return };
        let form = PasswordForm {
            pending,
            error,
            session,
        };
        form.submit(
            PasswordLink::Invitation,
            token,
            password.get_untracked(),
            Some(name.get_untracked()),
            navigate.clone(),
        );
    };
    view! {
        <AuthCard title="Accept your invitation">
            {move || match details.get() {
                None => view! { <Loading label="Opening your invitation…"/> }.into_any(),
                Some(Err(message)) => view! { <DeadLink message=message/> }.into_any(),
                Some(Ok(d)) => {
                    let joining = if d.organizations.is_empty() {
                        format!("You are joining {} as {}.", d.tenant.name, d.email)
                    } else {
                        format!("You are joining {} for {}, as {}.", d.tenant.name, d.organizations.join(", "), d.email)
                    };
                    view! {
                        <p class="lead">{joining}</p>
                        <form on:submit=on_submit.clone() novalidate=true>
                            <TextField id="name" label="Your name" autocomplete="name" required=true value=name/>
                            <NewPasswordField value=password/>
                            <ErrorMessage message=error/>
                            <button type="submit" class="button primary" disabled=move || pending.get()>
                                {move || if pending.get() { "Joining…" } else { "Join and sign in" }}
                            </button>
                        </form>
                    }
                    .into_any()
                }
            }}
        </AuthCard>
    }
}

/// `/magic-link`: signs in with the link at once.
#[component]
pub fn MagicLink() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let failed = RwSignal::new(None::<String>);
    match take_link_token() {
        Some(token) => spawn_local(async move {
            match client().redeem_magic_link(&token).await {
                Ok(tokens) => signed_in_by_link(session, tokens, navigate).await,
                Err(e) => failed.set(Some(problems::message(&e))),
            }
        }),
        None => failed.set(Some(missing_link())),
    }
    view! {
        <AuthCard title="Signing you in">
            {move || match failed.get() {
                None => view! { <Loading label="Checking your sign-in link…"/> }.into_any(),
                Some(message) => view! { <DeadLink message=message/> }.into_any(),
            }}
        </AuthCard>
    }
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
pub async fn request_link(
    kind: LinkKind,
    tenant: Tenant,
    email: String,
) -> Result<String, ClientError> {
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

/// `/forgot-password`: asks for a reset link.
#[component]
pub fn ForgotPassword() -> impl IntoView {
    let tenant = expect_context::<Tenant>();
    let email = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let sent = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        error.set(None);
        spawn_local(async move {
            match request_link(LinkKind::PasswordReset, tenant, email.get_untracked()).await {
                Ok(message) => sent.set(Some(message)),
                Err(e) => error.set(Some(problems::message(&e))),
            }
            pending.set(false);
        });
    };
    view! {
        <AuthCard title="Forgot your password?">
            <Show
                when=move || sent.get().is_none()
                fallback=move || view! {
                    <p class="notice" role="status">{move || sent.get().unwrap_or_default()}</p>
                    <p><A href="/sign-in" attr:class="button secondary">"Back to sign in"</A></p>
                }
            >
                <p class="lead">"Enter your email address and we will send you a link to choose a new password."</p>
                <form on:submit=on_submit novalidate=true>
                    <TextField id="email" label="Email" kind="email" autocomplete="username" required=true value=email/>
                    <ErrorMessage message=error/>
                    <button type="submit" class="button primary" disabled=move || pending.get()>
                        {move || if pending.get() { "Sending…" } else { "Send the link" }}
                    </button>
                </form>
                <p><A href="/sign-in">"Back to sign in"</A></p>
            </Show>
        </AuthCard>
    }
}

/// `/reset-password`: a new password with the reset link; signs in.
#[component]
pub fn ResetPassword() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let token = take_link_token();
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(token.is_none().then(missing_link));
    let pending = RwSignal::new(false);
    let has_token = token.is_some();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(token) = token.clone() else { return };
        let form = PasswordForm {
            pending,
            error,
            session,
        };
        form.submit(
            PasswordLink::Reset,
            token,
            password.get_untracked(),
            None,
            navigate.clone(),
        );
    };
    view! {
        <AuthCard title="Choose a new password">
            <Show when=move || has_token fallback=move || view! {
                <DeadLink message=missing_link() retry=("/forgot-password", "Ask for a new link")/>
            }>
                <p class="lead">"At least 12 characters. Every device signed in to your account will be signed out."</p>
                <form on:submit=on_submit.clone() novalidate=true>
                    <NewPasswordField value=password/>
                    <ErrorMessage message=error/>
                    <button type="submit" class="button primary" disabled=move || pending.get()>
                        {move || if pending.get() { "Saving…" } else { "Save and sign in" }}
                    </button>
                </form>
            </Show>
        </AuthCard>
    }
}

/// `/confirm-email`: confirms a new email address.
#[component]
pub fn ConfirmEmail() -> impl IntoView {
    let session = use_session();
    let confirmed = RwSignal::new(None::<Result<(), String>>);
    let outcome = RwSignal::new(None::<Result<(), String>>);
    match take_link_token() {
        Some(token) => spawn_local(async move {
            let result = client().confirm_email_change(&token).await;
            confirmed.set(Some(result.map_err(|e| problems::message(&e))));
        }),
        None => confirmed.set(Some(Err(missing_link()))),
    }
    // The session may still be resuming (with who we were before the change): once it has,
    // ask again who we are, so the profile shows the new address.
    Effect::new(move || {
        let Some(result) = confirmed.get() else {
            return;
        };
        if outcome.get_untracked().is_some() {
            return;
        }
        match (result, session.status.get()) {
            (_, Status::Checking) => {}
            (Ok(()), Status::SignedIn) => spawn_local(async move {
                if let Ok(me) = client().me().await {
                    session.me.set(Some(me));
                }
                outcome.set(Some(Ok(())));
            }),
            (result, _) => outcome.set(Some(result)),
        }
    });
    view! {
        <AuthCard title="Confirm your email address">
            {move || match outcome.get() {
                None => view! { <Loading label="Confirming…"/> }.into_any(),
                Some(Ok(())) => view! {
                    <p class="notice" role="status">"Your email address is changed. Sign in with it from now on."</p>
                    <p><A href="/profile" attr:class="button primary">"Go to your profile"</A></p>
                }.into_any(),
                Some(Err(message)) => view! { <DeadLink message=message retry=("/profile", "Go to your profile")/> }.into_any(),
            }}
        </AuthCard>
    }
}

/// `/join`: an existing person accepts an invitation to join another organisation — only
/// when they press Accept.
#[component]
pub fn JoinOrganization() -> impl IntoView {
    let session = use_session();
    let token = take_link_token();
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let pending = RwSignal::new(false);
    let missing = token.is_none();
    let accept = move |_| {
        let Some(token) = token.clone() else {
            return;
        };
        pending.set(true);
        spawn_local(async move {
            let result = client().accept_membership_offer(&token).await;
            if result.is_ok()
                && session.me.get_untracked().is_some()
                && let Ok(me) = client().me().await
            {
                session.me.set(Some(me));
            }
            outcome.set(Some(
                result
                    .map(|joined| joined.organization.name)
                    .map_err(|e| problems::message(&e)),
            ));
            pending.set(false);
        });
    };
    view! {
        <AuthCard title="Join an organisation">
            {move || match outcome.get() {
                None if missing => view! { <DeadLink message=missing_link() retry=("/", "Go to the portal")/> }.into_any(),
                None => view! {
                    <p>"You were invited to join an organisation in this portal with your existing account. Nothing changes unless you accept."</p>
                    <button type="button" class="button primary" disabled=move || pending.get() on:click=accept.clone()>"Accept the invitation"</button>
                }.into_any(),
                Some(Ok(name)) => view! {
                    <p class="notice" role="status">{format!("You are now a member of {name}.")}</p>
                    <p><A href="/" attr:class="button primary">"Go to the portal"</A></p>
                }.into_any(),
                Some(Err(message)) => view! { <DeadLink message=message retry=("/", "Go to the portal")/> }.into_any(),
            }}
        </AuthCard>
    }
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
