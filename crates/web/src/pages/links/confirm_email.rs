//! `/confirm-email`: confirms a new email address.

use super::{DeadLink, missing_link, take_link_token};
use crate::components::shell::{AuthCard, Loading};
use crate::remote::{Failed, load};
use crate::session::{Status, client, use_session};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;

/// `/confirm-email`: confirms a new email address.
#[component]
pub fn ConfirmEmail() -> impl IntoView {
    let session = use_session();
    let token = take_link_token();
    let confirmed = load(move || {
        let token = token.clone();
        async move {
            let token = token.ok_or_else(|| Failed::new(missing_link()))?;
            Ok(client().confirm_email_change(&token).await?)
        }
    });
    let outcome = RwSignal::new(None::<Result<(), Failed>>);
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
                Some(Err(failed)) => view! { <DeadLink message=failed.to_string() retry=("/profile", "Go to your profile")/> }.into_any(),
            }}
        </AuthCard>
    }
}
