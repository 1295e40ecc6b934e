//! `/forgot-password`: asks for a reset link.

use super::{LinkKind, request_link};
use crate::Tenant;
use crate::components::form::TextField;
use crate::components::shell::AuthCard;
use crate::remote::{ActionError, act};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;

/// `/forgot-password`: asks for a reset link.
#[component]
pub fn ForgotPassword() -> impl IntoView {
    let tenant = expect_context::<Tenant>();
    let email = RwSignal::new(String::new());
    let send = act(move |email: String| request_link(LinkKind::PasswordReset, tenant, email));
    let sent = move || send.value().get().and_then(Result::ok);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if !send.pending().get_untracked() {
            send.dispatch(email.get_untracked());
        }
    };
    view! {
        <AuthCard title="Forgot your password?">
            <Show
                when=move || sent().is_none()
                fallback=move || view! {
                    <p class="notice" role="status">{sent}</p>
                    <p><A href="/sign-in" attr:class="button secondary">"Back to sign in"</A></p>
                }
            >
                <p class="lead">"Enter your email address and we will send you a link to choose a new password."</p>
                <form on:submit=on_submit novalidate=true>
                    <TextField id="email" label="Email" kind="email" autocomplete="username" required=true value=email/>
                    <ActionError action=send/>
                    <button type="submit" class="button primary" disabled=send.pending()>
                        {move || if send.pending().get() { "Sending…" } else { "Send the link" }}
                    </button>
                </form>
                <p><A href="/sign-in">"Back to sign in"</A></p>
            </Show>
        </AuthCard>
    }
}
