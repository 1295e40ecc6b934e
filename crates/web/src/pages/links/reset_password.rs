//! `/reset-password`: a new password with the reset link; signs in.

use super::{DeadLink, PasswordLink, missing_link, set_password, take_link_token};
use crate::components::form::NewPasswordField;
use crate::components::shell::AuthCard;
use crate::remote::ActionError;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use portico_shared::people::SetPasswordWithLink;

/// `/reset-password`: a new password with the reset link; signs in.
#[component]
pub fn ResetPassword() -> impl IntoView {
    let token = take_link_token();
    let password = RwSignal::new(String::new());
    let reset = set_password(PasswordLink::Reset);
    let has_token = token.is_some();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if let Some(token) = token.clone()
            && !reset.pending().get_untracked()
        {
            reset.dispatch(SetPasswordWithLink {
                token,
                password: password.get_untracked(),
                name: None,
            });
        }
    };
    view! {
        <AuthCard title="Choose a new password">
            <Show when=move || has_token fallback=move || view! {
                <DeadLink message=missing_link() retry=("/forgot-password", "Ask for a new link")/>
            }>
                <p class="lead">"At least 12 characters. Every device signed in to your account will be signed out."</p>
                <form on:submit=on_submit.clone() novalidate=true>
                    <NewPasswordField value=password/>
                    <ActionError action=reset/>
                    <button type="submit" class="button primary" disabled=reset.pending()>
                        {move || if reset.pending().get() { "Saving…" } else { "Save and sign in" }}
                    </button>
                </form>
            </Show>
        </AuthCard>
    }
}
