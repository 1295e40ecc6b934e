//! `/invitation`: who is invited to what, then a password (and the name, to correct it).

use super::{DeadLink, PasswordLink, missing_link, set_password, take_link_token};
use crate::components::form::{NewPasswordField, TextField};
use crate::components::shell::{AuthCard, Loading};
use crate::remote::{ActionError, Failed, load};
use crate::session::client;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use portico_shared::people::{InvitationDetails, SetPasswordWithLink};

/// `/invitation`: who is invited to what, then a password (and the name, to correct it).
#[component]
pub fn AcceptInvitation() -> impl IntoView {
    let token = take_link_token();
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let details = {
        let token = token.clone();
        load(move || {
            let token = token.clone();
            async move {
                let token = token.ok_or_else(|| Failed::new(missing_link()))?;
                let details = client().lookup_invitation(&token).await?;
                name.set(details.name.clone());
                Ok(details)
            }
        })
    };
    let join = set_password(PasswordLink::Invitation);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if let Some(token) = token.clone()
            && !join.pending().get_untracked()
        {
            join.dispatch(SetPasswordWithLink {
                token,
                password: password.get_untracked(),
                name: Some(name.get_untracked()),
            });
        }
    };
    view! {
        <AuthCard title="Accept your invitation">
            {move || match details.get() {
                None => view! { <Loading label="Opening your invitation…"/> }.into_any(),
                Some(Err(failed)) => view! { <DeadLink message=failed.to_string()/> }.into_any(),
                Some(Ok(d)) => view! {
                    <p class="lead">{joining(&d)}</p>
                    <form on:submit=on_submit.clone() novalidate=true>
                        <TextField id="name" label="Your name" autocomplete="name" required=true value=name/>
                        <NewPasswordField value=password/>
                        <ActionError action=join/>
                        <button type="submit" class="button primary" disabled=join.pending()>
                            {move || if join.pending().get() { "Joining…" } else { "Join and sign in" }}
                        </button>
                    </form>
                }.into_any(),
            }}
        </AuthCard>
    }
}

fn joining(d: &InvitationDetails) -> String {
    if d.organizations.is_empty() {
        format!("You are joining {} as {}.", d.tenant.name, d.email)
    } else {
        format!(
            "You are joining {} for {}, as {}.",
            d.tenant.name,
            d.organizations.join(", "),
            d.email
        )
    }
}
